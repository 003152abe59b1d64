"""Sub-resources of the one-way tools: RFI replies, drawing areas and the drawings in an area.

A drawing shows its current revision's number and title (as Procore's drawing log does): editing that
revision renames the drawing; a revision posted without a `drawing_id` starts a new drawing in its
`drawing_area`; a drawing whose revisions are all recycled has no current revision."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .errors import not_found, unprocessable
from .gate import Ctx, route
from .models import Record
from .paging import paginate
from .store import State, iso


def place_revision(st: State, pid: int, fields: dict[str, Any], now: float, author: dict[str, Any]) -> None:
    """A new revision's drawing: the one named by `drawing_id`, else a new drawing in its drawing area."""
    drawing_id = fields.get("drawing_id")
    if drawing_id is not None:
        drawing = st.records.get(drawing_id) if isinstance(drawing_id, int) else None
        if drawing is None or drawing.tool != "drawings" or drawing.project_id != pid:
            raise unprocessable("drawing_id", "is invalid")
        return
    placed = fields.get("drawing_area")
    area = st.records.get(placed.get("id")) if isinstance(placed, dict) and isinstance(placed.get("id"), int) \
        else None
    if area is None or area.tool != "drawing_areas" or area.project_id != pid:
        raise unprocessable("drawing_area", "can't be blank")
    if not str(fields.get("number") or "").strip():
        raise unprocessable("number", "can't be blank")
    drawing = Record("drawings", st.next_id("record"), pid, {"number": fields["number"],
                     "title": fields.get("title"), "discipline": fields.get("discipline")}, now, now, author,
                     parent_id=area.id)
    st.records[drawing.id] = drawing
    fields["drawing_id"] = drawing.id


def routes(st: State, render_reply: Callable[[State, Record], dict[str, Any]],
           emit: Callable[[Ctx, str, str, Record], None]) -> list[Route]:
    def rfi(ctx: Ctx) -> Record:
        pid = ctx.project(ctx.path_int("project_id")).id
        rec = st.records.get(ctx.path_int("rfi_id"))
        if rec is None or rec.tool != "rfis" or rec.project_id != pid:
            raise not_found()
        return rec

    async def list_replies(ctx: Ctx) -> Response:
        parent = rfi(ctx)
        replies = [r for r in st.records.values() if r.tool == "rfi_replies" and r.parent_id == parent.id]
        return JSONResponse([render_reply(st, r) for r in sorted(replies, key=lambda r: r.id)])

    async def create_reply(ctx: Ctx) -> Response:
        parent = rfi(ctx)
        p = (await ctx.body()).get("reply") or {}
        if not str(p.get("body") or "").strip():
            raise unprocessable("body", "can't be blank")
        now = st.now()
        reply = Record("rfi_replies", st.next_id("record"), parent.project_id, {"body": p["body"],
                       "official": bool(p.get("official"))}, now, now, ctx.me.ref(), parent_id=parent.id)
        st.records[reply.id] = reply
        parent.updated_at = now
        emit(ctx, "RFI Replies", "create", reply)
        emit(ctx, "RFIs", "update", parent)
        return JSONResponse(render_reply(st, reply), 201)

    async def areas(ctx: Ctx) -> Response:
        pid = ctx.project(ctx.path_int("project_id")).id
        found = sorted((r for r in st.records.values() if r.tool == "drawing_areas" and r.project_id == pid),
                       key=lambda r: r.id)

        def render_area(a: Record) -> dict[str, Any]:
            count = sum(1 for r in st.records.values() if r.tool == "drawings" and r.parent_id == a.id)
            return {"id": a.id, "name": a.fields.get("name"), "description": a.fields.get("description"),
                    "drawings_count": count}

        return paginate(ctx, found, render_area)

    async def drawings(ctx: Ctx) -> Response:
        pid = ctx.project(ctx.int_q("project_id")).id
        area = st.records.get(ctx.path_int("area_id"))
        if area is None or area.tool != "drawing_areas" or area.project_id != pid:
            raise not_found()
        from .records import render
        from .tools_spec import BY_KIND

        found = sorted((r for r in st.records.values() if r.tool == "drawings" and r.parent_id == area.id),
                       key=lambda r: r.id)

        def render_drawing(d: Record) -> dict[str, Any]:
            revisions = [r for r in st.records.values() if r.tool == "drawing_revisions"
                         and r.fields.get("drawing_id") == d.id and r.deleted_at is None]
            current = max(revisions, key=lambda r: r.fields.get("revision_number", 0), default=None)
            rev = render(st, BY_KIND["drawing_revisions"], current) if current else None
            shown = current.fields if current else d.fields          # the current revision names the drawing
            updated = max(d.updated_at, current.updated_at) if current else d.updated_at
            return {"id": d.id, "number": shown.get("number"), "title": shown.get("title"),
                    "discipline": d.fields.get("discipline"), "obsolete": False, "updated_at": iso(updated),
                    "current_revision": rev and {k: rev.get(k) for k in (
                        "id", "revision_number", "pdf_url", "pdf_size", "png_url", "updated_at")}}

        return paginate(ctx, found, render_drawing)

    return [
        route(st, "/rest/v1.0/projects/{project_id}/rfis/{rfi_id}/replies", list_replies, ["GET"]),
        route(st, "/rest/v1.0/projects/{project_id}/rfis/{rfi_id}/replies", create_reply, ["POST"]),
        route(st, "/rest/v1.1/projects/{project_id}/drawing_areas", areas, ["GET"]),
        route(st, "/rest/v1.1/drawing_areas/{area_id}/drawings", drawings, ["GET"]),
    ]
