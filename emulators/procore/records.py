"""Routes of the one-way tools (tools_spec.KINDS): list (paging, filters[updated_at]), show, create,
update, delete to the recycle bin, recycle-bin lists, attachments and PDFs (real PDF files, made on
demand from the record). Plus RFI replies, drawing areas and drawings.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .downloads import download_url, storage_url
from .errors import not_found, unprocessable
from .gate import Ctx, is_upload, route
from .models import Attachment, Record
from .paging import in_range, paginate, time_range
from .pdf import make_pdf, template_pdf
from .record_extras import place_revision
from .store import State, iso
from .tools_spec import BY_KIND, EXPORT_PATH, KINDS, Kind
from .uploads import take_upload


def _company(st: State, pid: int) -> int:
    return st.directory.projects[pid].company_id


def render_attachment(st: State, pid: int, a: Attachment) -> dict[str, Any]:
    url = download_url(st, a.blob_key, ("project", pid), _company(st, pid))
    return {"id": a.id, "name": a.filename, "filename": a.filename, "url": url, "thumbnail_url": None,
            "content_type": a.content_type}


FILE_PARAMS = ("attachments", "upload_ids", "fillable_pdf_upload_id")


def fillable_pdf(ctx: Ctx, pid: int, p: dict[str, Any]) -> str | None:
    """The blob of a form's filled-in PDF sent as `fillable_pdf_upload_id` (None: not sent)."""
    uuid = p.get("fillable_pdf_upload_id")
    return take_upload(ctx, str(uuid), ("project", pid)).key if uuid else None


def record_pdf(st: State, rec: Record) -> str:
    """The blob key of a PDF rendering of the record, cached by what it shows. Like Procore's, an RFI's PDF
    shows its replies: a reply posted within the second of an edit still changes the PDF's bytes."""
    title = str(rec.fields.get("subject") or rec.fields.get("title") or rec.fields.get("name") or rec.id)
    lines = [f"{k}: {v}" for k, v in sorted(rec.fields.items()) if not isinstance(v, (dict, list))]
    lines += [f"Updated: {iso(rec.updated_at)}"] + [f"Attachment: {a.filename}" for a in rec.attachments]
    if rec.tool == "rfis":
        lines += [f"Reply: {r.fields.get('body', '')}" for r in sorted(
            (r for r in st.records.values() if r.tool == "rfi_replies" and r.parent_id == rec.id), key=lambda r: r.id)]
    cache: dict[tuple[int, str, tuple[str, ...]], str] = st.extra.setdefault("pdf_cache", {})
    key = (rec.id, title, tuple(lines))
    if key not in cache:
        cache[key] = st.blobs.put_bytes(make_pdf(f"{rec.tool} #{rec.id} - {title}", lines),
                                        "application/pdf", f"{rec.tool}-{rec.id}.pdf").key
    return cache[key]


def render(st: State, kind: Kind, rec: Record) -> dict[str, Any]:
    pid = rec.project_id
    body: dict[str, Any] = {"id": rec.id, **rec.fields, "created_at": iso(rec.created_at),
                            "updated_at": iso(rec.updated_at), "deleted_at": iso(rec.deleted_at),
                            "created_by": rec.created_by}
    atts = [render_attachment(st, pid, a) for a in rec.attachments]
    if kind.kind == "rfis":
        replies = [r for r in st.records.values() if r.tool == "rfi_replies" and r.parent_id == rec.id]
        body["questions"] = [{"id": rec.id * 10, "plain_text_body": rec.fields.get("question", ""),
                              "rich_text_body": f"<p>{rec.fields.get('question', '')}</p>", "attachments": atts,
                              "answers": [render_reply(st, r) for r in replies]}]
    else:
        body["attachments"] = atts
        body["attachments_count"] = len(atts)
    if kind.pdf in ("fillable", "field"):
        blob_key = rec.pdf_blob_key or record_pdf(st, rec)
        url = download_url(st, blob_key, ("project", pid), _company(st, pid))
        if kind.pdf == "fillable":
            body["fillable_pdf"] = {"id": rec.id + 5_000_000, "url": url, "filename": f"form-{rec.id}.pdf",
                                    "name": f"form-{rec.id}.pdf"}
        else:
            blob = st.blobs.get(blob_key)
            body.update({"pdf_url": url, "pdf_size": blob.size if blob else None, "png_url": None})
    return body


def render_reply(st: State, r: Record) -> dict[str, Any]:
    return {"id": r.id, "body": r.fields.get("body", ""), "official": bool(r.fields.get("official")),
            "created_at": iso(r.created_at), "created_by": r.created_by,
            "attachments": [render_attachment(st, r.project_id, a) for a in r.attachments]}


async def attachments_from(ctx: Ctx, pid: int, body: dict[str, Any], p: dict[str, Any]) -> list[Attachment]:
    st, out = ctx.st, []
    for uuid in list(body.get("upload_ids") or p.get("upload_ids") or []):
        blob = take_upload(ctx, str(uuid), ("project", pid))
        out.append(Attachment(st.next_id("attachment"), blob.key, blob.filename, blob.content_type))
    files = p.get("attachments") or []
    for f in files if isinstance(files, list) else [files]:
        if is_upload(f):
            blob = st.blobs.put_stream(f.file, f.content_type or "application/octet-stream", f.filename or "file")
            out.append(Attachment(st.next_id("attachment"), blob.key, blob.filename, blob.content_type))
    return out


def routes(st: State) -> list[Route]:
    def pid_of(ctx: Ctx, kind: Kind) -> int:
        raw = ctx.int_q("project_id") if kind.project_in_query else ctx.path_int("project_id")
        return ctx.project(raw).id

    def find(ctx: Ctx, kind: Kind, pid: int, key: str = "id") -> Record:
        rec = st.records.get(ctx.path_int(key))
        if rec is None or rec.tool != kind.kind or rec.project_id != pid:
            raise not_found()
        return rec

    def emit(ctx: Ctx, name: str, event: str, rec: Record) -> None:
        st.emit(name, event, rec.id, identity=ctx.identity, project_id=rec.project_id,
                company_id=_company(st, rec.project_id))

    def make_handlers(kind: Kind) -> list[Route]:
        async def listing(ctx: Ctx, deleted: str = "") -> Response:
            pid = pid_of(ctx, kind)
            mode = deleted or (ctx.q(kind.deleted_param) if kind.deleted_param else None) or "without"
            updated = time_range(ctx, "updated_at")
            with st.lock:
                found = [r for r in st.records.values() if r.tool == kind.kind and r.project_id == pid
                         and (mode == "with" or (r.deleted_at is not None) == (mode == "only"))
                         and in_range(r.updated_at, updated)]
                found.sort(key=lambda r: r.id)
                return paginate(ctx, found, lambda r: render(st, kind, r))

        async def list_live(ctx: Ctx) -> Response:
            return await listing(ctx)

        async def list_recycled(ctx: Ctx) -> Response:
            return await listing(ctx, "only")

        async def show(ctx: Ctx) -> Response:
            return JSONResponse(render(st, kind, find(ctx, kind, pid_of(ctx, kind))))

        async def create(ctx: Ctx) -> Response:
            pid = pid_of(ctx, kind)
            body = await ctx.body()
            p = body.get(kind.singular) or {}
            if not str(p.get(kind.title_field) or "").strip():
                raise unprocessable(kind.title_field, "can't be blank")
            fields = {k: v for k, v in p.items() if k not in FILE_PARAMS and not is_upload(v)}
            now = st.now()
            if kind.kind == "drawing_revisions":
                place_revision(st, pid, fields, now, ctx.me.ref())
            rec = Record(kind.kind, st.next_id("record"), pid, fields, now, now, ctx.me.ref(),
                         attachments=await attachments_from(ctx, pid, body, p))
            if kind.pdf == "fillable":        # the filled-in template PDF sent, else the template's blank one
                rec.pdf_blob_key = fillable_pdf(ctx, pid, p) or st.blobs.put_bytes(template_pdf(
                    str(fields.get("form_template_name") or "Form"), {"Date": "", "Signature": ""}),
                    "application/pdf", "form.pdf").key
            st.records[rec.id] = rec
            emit(ctx, kind.resource_name, "create", rec)
            return JSONResponse(render(st, kind, rec), 201)

        async def update(ctx: Ctx) -> Response:
            pid = pid_of(ctx, kind)
            rec = find(ctx, kind, pid)
            body = await ctx.body()
            p = body.get(kind.singular) or {}
            rec.fields.update({k: v for k, v in p.items() if k not in FILE_PARAMS and not is_upload(v)})
            rec.attachments += await attachments_from(ctx, pid, body, p)
            rec.updated_at = st.now()
            if kind.pdf == "fillable":        # a form's PDF is a file: only a new filled-in PDF replaces it
                rec.pdf_blob_key = fillable_pdf(ctx, pid, p) or rec.pdf_blob_key
            elif kind.pdf != "field":         # a drawing sheet is a file too: editing the revision's data keeps it
                rec.pdf_blob_key = None
            emit(ctx, kind.resource_name, "update", rec)
            return JSONResponse(render(st, kind, rec))

        async def delete(ctx: Ctx) -> Response:
            rec = find(ctx, kind, pid_of(ctx, kind))
            if rec.deleted_at is not None:
                raise not_found()
            rec.deleted_at = rec.updated_at = st.now()
            emit(ctx, kind.resource_name, "delete", rec)
            return Response(status_code=204)

        base = kind.list_path
        out = [route(st, base, list_live, ["GET"]), route(st, base, create, ["POST"])]
        if kind.recycle_path:
            out.append(route(st, kind.recycle_path, list_recycled, ["GET"]))
        out += _pdf_routes(st, kind, find, pid_of)
        out += [route(st, base + "/{id}", show, ["GET"]), route(st, base + "/{id}", update, ["PATCH", "PUT"]),
                route(st, base + "/{id}", delete, ["DELETE"])]
        return out

    r: list[Route] = []
    for kind in KINDS:
        r += make_handlers(kind)
    from .record_extras import routes as extra_routes

    return extra_routes(st, render_reply, emit) + r


def _pdf_routes(st: State, kind: Kind, find: Any, pid_of: Any) -> list[Route]:
    async def redirect_pdf(ctx: Ctx) -> Response:
        rec = find(ctx, kind, pid_of(ctx, kind))
        key = record_pdf(st, rec)
        return RedirectResponse(storage_url(st, key, f"{kind.singular}-{rec.id}.pdf"), status_code=302)

    async def json_pdf(ctx: Ctx) -> Response:
        rec = find(ctx, kind, pid_of(ctx, kind))
        url = download_url(st, record_pdf(st, rec), ("project", rec.project_id), _company(st, rec.project_id))
        return JSONResponse({"id": rec.id, "url": url, "pdf_url": url})

    async def export(ctx: Ctx) -> Response:
        ctx.company(ctx.path_int("company_id"))
        pid = ctx.project(ctx.path_int("project_id")).id
        rec = st.records.get(ctx.path_int("id"))
        if rec is None or rec.project_id != pid or rec.tool not in ("work_order_contracts", "purchase_order_contracts"):
            raise not_found()
        exports: dict[int, float] = st.extra.setdefault("exports", {})
        if ctx.request.method == "POST":
            exports[rec.id] = st.now() + st.config.pdf_export_delay_s
            return JSONResponse({"data": {"status": "pending"}}, 202)
        if rec.id not in exports:
            raise not_found()
        if st.now() < exports[rec.id]:
            return JSONResponse({"data": {"status": "pending"}}, 202)
        return RedirectResponse(storage_url(st, record_pdf(st, rec), f"commitment-{rec.id}.pdf"), status_code=302)

    if kind.pdf == "redirect":
        return [route(st, kind.list_path + "/{id}.pdf", redirect_pdf, ["GET"])]
    if kind.pdf == "json":
        return [route(st, kind.list_path + "/{id}/pdf", json_pdf, ["GET"])]
    if kind.pdf == "export" and kind.kind == "work_order_contracts":
        return [route(st, EXPORT_PATH, export, ["GET", "POST"])]
    return []


__all__ = ["BY_KIND", "routes"]
