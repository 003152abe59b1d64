"""Sub-resources of the one-way tools: RFI replies, drawing areas and the drawings in an area."""

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
            return {"id": d.id, "number": d.fields.get("number"), "title": d.fields.get("title"),
                    "discipline": d.fields.get("discipline"), "obsolete": False, "updated_at": iso(d.updated_at),
                    "current_revision": rev and {k: rev.get(k) for k in (
                        "id", "revision_number", "pdf_url", "pdf_size", "png_url", "updated_at")}}

        return paginate(ctx, found, render_drawing)

    return [
        route(st, "/rest/v1.0/projects/{project_id}/rfis/{rfi_id}/replies", list_replies, ["GET"]),
        route(st, "/rest/v1.0/projects/{project_id}/rfis/{rfi_id}/replies", create_reply, ["POST"]),
        route(st, "/rest/v1.1/projects/{project_id}/drawing_areas", areas, ["GET"]),
        route(st, "/rest/v1.1/drawing_areas/{area_id}/drawings", drawings, ["GET"]),
    ]
