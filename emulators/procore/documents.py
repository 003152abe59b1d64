"""Documents tool routes: folders, files and file versions, at project level (`?project_id=`) and
company level (`/companies/{company_id}/...`). Content comes as `file[data]` or an upload uuid.
"""

from __future__ import annotations

from typing import Any

import anyio
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import tree
from .blobs import Blob
from .errors import ApiError, not_found, unprocessable
from .gate import Ctx, is_upload, route
from .models import File, FileVersion, Folder, Scope
from .store import State, parse_iso
from .uploads import take_upload

PREFIXES = {"project": "Project", "company": "Company"}


def scope_of(ctx: Ctx) -> Scope:
    if "company_id" in ctx.request.path_params:
        return ("company", ctx.company(ctx.path_int("company_id")).id)
    return ("project", ctx.project(ctx.int_q("project_id")).id)


def _emit(ctx: Ctx, scope: Scope, what: str, event: str, rid: int) -> None:
    ctx.st.emit(f"{PREFIXES[scope[0]]} {what}", event, rid, identity=ctx.identity,
                project_id=scope[1] if scope[0] == "project" else None, company_id=tree.company_of(ctx.st, scope))


async def content_from(ctx: Ctx, scope: Scope, params: dict[str, Any], default_name: str) -> tuple[Blob, str] | None:
    """The blob given as `data` (multipart) or `upload_uuid`, and a name for it."""
    data, upload_uuid = params.get("data"), params.get("upload_uuid")
    if is_upload(data):
        name = getattr(data, "filename", None) or default_name
        st = ctx.st
        blob = await anyio.to_thread.run_sync(
            lambda: st.blobs.put_stream(data.file, data.content_type or "application/octet-stream", name))
        return blob, name
    if upload_uuid:
        blob = take_upload(ctx, str(upload_uuid), scope)
        return blob, blob.filename
    return None


def add_version(ctx: Ctx, f: File, blob: Blob, name: str, notes: str | None = None) -> FileVersion:
    st = ctx.st
    number = (st.versions[f.versions[-1]].number + 1) if f.versions else 1
    v = FileVersion(st.next_id("version"), f.id, number, blob.key, blob.size, st.now(), ctx.me.ref(), notes, name)
    st.versions[v.id] = v
    f.versions.append(v.id)
    f.updated_at = v.created_at
    return v


def _check_not_locked(ctx: Ctx, f: File) -> None:
    if f.checked_out_until and f.checked_out_until > ctx.st.now() and f.checked_out_by \
            and f.checked_out_by.get("id") != ctx.me.user_id:
        raise ApiError(409, f"File is checked out by {f.checked_out_by.get('name')}")


def _parent(ctx: Ctx, scope: Scope, raw: Any) -> Folder:
    root, _ = tree.roots(ctx.st, scope)
    if raw in (None, ""):
        return root
    try:
        folder = tree.get_folder(ctx.st, scope, int(raw))
    except (ApiError, ValueError):
        raise unprocessable("parent_id", "is invalid") from None
    if folder.is_deleted or folder.is_recycle_bin:
        raise unprocessable("parent_id", "is invalid")
    return folder


def routes(st: State) -> list[Route]:
    def flag(ctx: Ctx, name: str) -> bool:
        return (ctx.q(name) or "").lower() == "true"

    def folder_json(ctx: Ctx, f: Folder) -> JSONResponse:
        return JSONResponse(tree.render_folder(
            st, f, exclude_folders=flag(ctx, "exclude_folders"), exclude_files=flag(ctx, "exclude_files"),
            latest_only=flag(ctx, "show_latest_file_version_only")))

    async def root_folder(ctx: Ctx) -> Response:
        return folder_json(ctx, tree.roots(st, scope_of(ctx))[0])

    async def show_folder(ctx: Ctx) -> Response:
        return folder_json(ctx, tree.get_folder(st, scope_of(ctx), ctx.path_int("id")))

    async def create_folder(ctx: Ctx) -> Response:
        scope = scope_of(ctx)
        p = (await ctx.body()).get("folder") or {}
        name = str(p.get("name") or "").strip()
        if not name:
            raise unprocessable("name", "can't be blank")
        with st.lock:
            parent = _parent(ctx, scope, p.get("parent_id"))
            if tree.name_taken(st, parent.id, name):
                raise unprocessable("name", "has already been taken")
            now = st.now()
            f = Folder(st.next_id("folder"), scope, name, parent.id, now, now, ctx.me.ref(),
                       private=bool(p.get("explicit_permissions")), is_tracked=bool(p.get("is_tracked")))
            st.folders[f.id] = f
        _emit(ctx, scope, "Folders", "create", f.id)
        return JSONResponse(tree.render_folder(st, f), 201)

    async def update_folder(ctx: Ctx) -> Response:
        scope = scope_of(ctx)
        f = tree.get_folder(st, scope, ctx.path_int("id"))
        p = (await ctx.body()).get("folder") or {}
        if f.parent_id is None or f.is_recycle_bin or f.is_deleted:
            raise unprocessable("folder", "cannot be changed")
        with st.lock:
            parent_id = f.parent_id
            if "parent_id" in p and p["parent_id"] not in (None, ""):
                parent = _parent(ctx, scope, p["parent_id"])
                if tree.is_within(st, parent.id, f.id):
                    raise unprocessable("parent_id", "cannot be the folder itself or one of its subfolders")
                parent_id = parent.id
            name = str(p.get("name") or f.name).strip()
            if tree.name_taken(st, parent_id, name, exclude=f.id):
                raise unprocessable("name", "has already been taken")
            f.name, f.parent_id, f.updated_at = name, parent_id, st.now()
            if "explicit_permissions" in p:
                f.private = bool(p["explicit_permissions"])
        _emit(ctx, scope, "Folders", "update", f.id)
        return JSONResponse(tree.render_folder(st, f))

    async def delete_folder(ctx: Ctx) -> Response:
        scope = scope_of(ctx)
        f = tree.get_folder(st, scope, ctx.path_int("id"))
        if f.is_deleted or f.parent_id is None or f.is_recycle_bin:
            raise not_found()
        with st.lock:
            now = st.now()
            for item in (*st.folders.values(), *st.files.values()):
                if not item.is_deleted and tree.is_within(st, item.parent_id if item is not f else f.id, f.id):
                    item.is_deleted, item.deleted_at, item.updated_at = True, now, now
        _emit(ctx, scope, "Folders", "delete", f.id)
        return Response(status_code=200)

    async def create_file(ctx: Ctx) -> Response:
        scope = scope_of(ctx)
        p = (await ctx.body()).get("file") or {}
        content = await content_from(ctx, scope, p, str(p.get("name") or "file"))
        if content is None:
            raise unprocessable("data", "can't be blank")
        blob, default_name = content
        name = str(p.get("name") or default_name).strip()
        with st.lock:
            parent = _parent(ctx, scope, p.get("parent_id"))
            if tree.name_taken(st, parent.id, name):
                if str(p.get("unique_name", "")).lower() != "true":
                    raise unprocessable("name", "has already been taken")
                stem, dot, ext = name.rpartition(".")
                n = 1
                while tree.name_taken(st, parent.id, name):
                    name = f"{stem} ({n}).{ext}" if dot else f"{ext} ({n})"
                    n += 1
            now = st.now()
            f = File(st.next_id("file"), scope, name, parent.id, now, now, ctx.me.ref(),
                     description=p.get("description") or None)
            st.files[f.id] = f
            add_version(ctx, f, blob, name)
        _emit(ctx, scope, "Files", "create", f.id)
        return JSONResponse(tree.render_file(st, f), 201)

    async def show_file(ctx: Ctx) -> Response:
        f = tree.get_file(st, scope_of(ctx), ctx.path_int("id"))
        return JSONResponse(tree.render_file(st, f, latest_only=flag(ctx, "show_latest_version_only")))

    async def update_file(ctx: Ctx) -> Response:
        scope = scope_of(ctx)
        f = tree.get_file(st, scope, ctx.path_int("id"))
        if f.is_deleted:
            raise not_found()
        p = (await ctx.body()).get("file") or {}
        _check_not_locked(ctx, f)
        content = await content_from(ctx, scope, p, f.name)
        new_version = None
        with st.lock:
            parent_id = _parent(ctx, scope, p["parent_id"]).id if p.get("parent_id") not in (None, "") else f.parent_id
            name = str(p.get("name") or f.name).strip()
            if (name != f.name or parent_id != f.parent_id) and tree.name_taken(st, parent_id, name, exclude=f.id):
                raise ApiError(409, {"name": ["has already been taken"]})
            f.name, f.parent_id, f.updated_at = name, parent_id, st.now()
            if "description" in p:
                f.description = p["description"] or None
            if "checked_out_until" in p:
                raw = p["checked_out_until"]
                f.checked_out_until = parse_iso(str(raw)) if raw else None
                f.checked_out_by = ctx.me.ref() if raw else None
            if content is not None:
                new_version = add_version(ctx, f, content[0], f.name)
        _emit(ctx, scope, "Files", "update", f.id)
        if new_version is not None:
            _emit(ctx, scope, "File Versions", "create", new_version.id)
        return JSONResponse(tree.render_file(st, f))

    async def delete_file(ctx: Ctx) -> Response:
        scope = scope_of(ctx)
        f = tree.get_file(st, scope, ctx.path_int("id"))
        if f.is_deleted:
            raise not_found()
        _check_not_locked(ctx, f)
        f.is_deleted, f.deleted_at = True, st.now()
        f.updated_at = f.deleted_at
        _emit(ctx, scope, "Files", "delete", f.id)
        return Response(status_code=200)

    async def create_version(ctx: Ctx) -> Response:
        scope = scope_of(ctx)
        f = tree.get_file(st, scope, ctx.int_q("file_id") or 0)
        if f.is_deleted:
            raise not_found()
        _check_not_locked(ctx, f)
        p = (await ctx.body()).get("file_version") or {}
        content = await content_from(ctx, scope, p, f.name)
        if content is None:
            raise unprocessable("data", "can't be blank")
        with st.lock:
            v = add_version(ctx, f, content[0], str(p.get("name") or f.name), p.get("notes") or None)
        _emit(ctx, scope, "File Versions", "create", v.id)
        _emit(ctx, scope, "Files", "update", f.id)
        return JSONResponse(tree.render_version(st, v, scope), 201)

    async def show_version(ctx: Ctx) -> Response:
        scope = scope_of(ctx)
        v = st.versions.get(ctx.path_int("id"))
        if v is None or st.files[v.file_id].scope != scope:
            raise not_found()
        return JSONResponse(tree.render_version(st, v, scope))

    r: list[Route] = []
    for base in ("/rest/v1.0", "/rest/v1.0/companies/{company_id}"):
        r += [
            route(st, base + "/folders", root_folder, ["GET"]),
            route(st, base + "/folders", create_folder, ["POST"]),
            route(st, base + "/folders/{id}", show_folder, ["GET"]),
            route(st, base + "/folders/{id}", update_folder, ["PATCH", "PUT"]),
            route(st, base + "/folders/{id}", delete_folder, ["DELETE"]),
            route(st, base + "/files", create_file, ["POST"]),
            route(st, base + "/files/{id}", show_file, ["GET"]),
            route(st, base + "/files/{id}", update_file, ["PATCH", "PUT"]),
            route(st, base + "/files/{id}", delete_file, ["DELETE"]),
            route(st, base + "/file_versions", create_version, ["POST"]),
            route(st, base + "/file_versions/{id}", show_version, ["GET"]),
        ]
    return r
