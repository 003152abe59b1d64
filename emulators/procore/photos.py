"""Photos: image categories (albums) and images of a project.

Images are created from `image[data]` (multipart) or an upload (`upload_uuid` + `image_name`, or the
tutorial's `{"upload": {"uuid", "image_name"}}` shape: both are accepted). DELETE sends an image to
the recycle bin (`permanent=true` removes it), where it answers 404 except to retrieve and permanent
delete; deleting an album recycles its images. Only image types are taken (422 otherwise).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .documents import content_from
from .downloads import download_url
from .errors import not_found, unprocessable
from .gate import Ctx, route
from .models import Album, Image
from .paging import in_range, paginate, time_range
from .store import State, iso, parse_iso

ALBUMS = "/rest/v1.0/image_categories"
IMAGES = "/rest/v1.0/images"
# The image types the Photos tool takes (Procore support: ".jpeg .jpg .pjpeg .gif .png .bmp .tif .tiff"),
# plus the phone formats its apps upload; anything else is refused with 422.
IMAGE_TYPES = frozenset({".jpg", ".jpeg", ".pjpeg", ".jfif", ".gif", ".png", ".bmp", ".tif", ".tiff", ".heic",
                         ".heif", ".webp"})


def is_image_name(name: str) -> bool:
    dot = name.rfind(".")
    return dot > 0 and name[dot:].lower() in IMAGE_TYPES


def render_album(st: State, a: Album, *, show: bool = False) -> dict[str, Any]:
    images = [i for i in st.images.values() if i.album_id == a.id and not i.is_deleted]
    body: dict[str, Any] = {"id": a.id, "name": a.name, "position": a.position, "private": a.private,
                            "count": len(images), "created_at": iso(a.created_at), "updated_at": iso(a.updated_at),
                            "links": {"self": f"{ALBUMS}/{a.id}?project_id={a.project_id}"}}
    cover = st.images.get(a.album_cover_id) if a.album_cover_id else (images[0] if images else None)
    if show:
        body["album_cover_id"] = cover.id if cover else None
    else:
        body["cover_photo"] = download_url(st, cover.blob_key, ("project", a.project_id), _company(st, a.project_id)) \
            if cover else None
    return body


def _company(st: State, project_id: int) -> int:
    return st.directory.projects[project_id].company_id


def render_image(st: State, i: Image) -> dict[str, Any]:
    url = download_url(st, i.blob_key, ("project", i.project_id), _company(st, i.project_id))
    album = st.albums.get(i.album_id) if i.album_id else None
    self_link = f"{IMAGES}/{i.id}?project_id={i.project_id}"
    return {
        "id": i.id, "url": url, "thumbnail_url": url, "size": i.size, "filename": i.filename,
        "description": i.description, "taken_at": iso(i.taken_at), "created_at": iso(i.created_at),
        "updated_at": iso(i.updated_at), "image_category_id": i.album_id,
        "image_category_name": album.name if album else None,
        "image_category_private": album.private if album else None, "private": i.private, "starred": i.starred,
        "permanently_deleted": i.permanently_deleted, "projection": "regular", "width": i.width,
        "height": i.height, "gps_lat": None, "gps_long": None, "origin_id": None, "location": None,
        "uploader": i.uploader, "trades": [], "comments_count": 0,
        "links": {"self": self_link, "update": self_link, "delete": self_link,
                  "permanentlyDelete": self_link + "&permanent=true", "retrieve": f"{IMAGES}/{i.id}/retrieve"},
    }


def routes(st: State) -> list[Route]:
    def project(ctx: Ctx) -> int:
        return ctx.project(ctx.int_q("project_id")).id

    def album(ctx: Ctx, pid: int, album_id: Any) -> Album:
        try:
            a = st.albums.get(int(album_id))
        except (TypeError, ValueError):
            a = None
        if a is None or a.project_id != pid or a.is_deleted:
            raise not_found()
        return a

    def image(ctx: Ctx, pid: int, *, recycled: bool = False) -> Image:
        """A live image (`recycled`: one in the recycle bin too, for retrieve and permanent delete)."""
        i = st.images.get(ctx.path_int("id"))
        if i is None or i.project_id != pid or i.permanently_deleted or (i.is_deleted and not recycled):
            raise not_found()
        return i

    def emit(ctx: Ctx, pid: int, name: str, event: str, rid: int) -> None:
        st.emit(name, event, rid, identity=ctx.identity, project_id=pid, company_id=_company(st, pid))

    async def list_albums(ctx: Ctx) -> Response:
        pid = project(ctx)
        with st.lock:
            found = sorted((a for a in st.albums.values() if a.project_id == pid and not a.is_deleted),
                           key=lambda a: (a.position, a.id))
            return paginate(ctx, found, lambda a: render_album(st, a))

    async def show_album(ctx: Ctx) -> Response:
        pid = project(ctx)
        return JSONResponse(render_album(st, album(ctx, pid, ctx.path_int("id")), show=True))

    async def create_album(ctx: Ctx) -> Response:
        pid = project(ctx)
        p = (await ctx.body()).get("image_category") or {}
        name = str(p.get("name") or "").strip()
        if not name:
            raise unprocessable("name", "can't be blank")
        now = st.now()
        with st.lock:
            a = Album(st.next_id("album"), pid, name, now, now, position=len(st.albums) + 1,
                      private=bool(p.get("private")))
            st.albums[a.id] = a
        emit(ctx, pid, "Image Categories", "create", a.id)
        return JSONResponse(render_album(st, a, show=True), 201)

    async def update_album(ctx: Ctx) -> Response:
        pid = project(ctx)
        a = album(ctx, pid, ctx.path_int("id"))
        p = (await ctx.body()).get("image_category") or {}
        if "name" in p:
            if not str(p["name"]).strip():
                raise unprocessable("name", "can't be blank")
            a.name = str(p["name"]).strip()
        if "private" in p:
            a.private = bool(p["private"])
        a.updated_at = st.now()
        emit(ctx, pid, "Image Categories", "update", a.id)
        return JSONResponse(render_album(st, a, show=True))

    async def delete_album(ctx: Ctx) -> Response:
        pid = project(ctx)
        a = album(ctx, pid, ctx.path_int("id"))
        now = st.now()
        with st.lock:
            a.is_deleted, a.updated_at = True, now
            for i in st.images.values():
                if i.album_id == a.id and not i.is_deleted:
                    i.is_deleted, i.updated_at = True, now
        emit(ctx, pid, "Image Categories", "delete", a.id)
        return Response(status_code=204)

    async def ids_with_images(ctx: Ctx) -> Response:
        pid = project(ctx)
        with st.lock:
            ids = sorted({i.album_id for i in st.images.values()
                          if i.project_id == pid and not i.is_deleted and i.album_id})
        return JSONResponse(ids)

    async def list_images(ctx: Ctx) -> Response:
        pid = project(ctx)
        album_id = ctx.int_q("image_category_id")
        updated, created = time_range(ctx, "updated_at"), time_range(ctx, "created_at")
        ids = {int(x) for x in ctx.request.query_params.getlist("filters[id][]")}
        sort = ctx.q("sort") or "id"
        with st.lock:
            found = [i for i in st.images.values() if i.project_id == pid and not i.is_deleted
                     and (album_id is None or i.album_id == album_id) and in_range(i.updated_at, updated)
                     and in_range(i.created_at, created) and (not ids or i.id in ids)]
            key = sort.lstrip("-")
            found.sort(key=lambda i: (getattr(i, key, i.id) or 0, i.id), reverse=sort.startswith("-"))
            return paginate(ctx, found, lambda i: render_image(st, i))

    async def show_image(ctx: Ctx) -> Response:
        pid = project(ctx)
        return JSONResponse(render_image(st, image(ctx, pid)))

    async def create_image(ctx: Ctx) -> Response:
        pid = project(ctx)
        body = await ctx.body()
        p = body.get("image") or {}
        upload = body.get("upload") or {}
        upload_uuid = body.get("upload_uuid") or p.get("upload_uuid") or upload.get("uuid")
        name = body.get("image_name") or p.get("image_name") or upload.get("image_name")
        content = await content_from(ctx, ("project", pid), {**p, "upload_uuid": upload_uuid}, str(name or "image.jpg"))
        if content is None:
            raise unprocessable("data", "can't be blank")
        blob, default_name = content
        if not is_image_name(str(name or default_name)):
            raise unprocessable("data", "is not an image (accepted: " + ", ".join(sorted(IMAGE_TYPES)) + ")")
        album_id = p.get("image_category_id")
        if album_id not in (None, ""):
            album_id = album(ctx, pid, album_id).id
        now = st.now()
        with st.lock:
            i = Image(st.next_id("image"), pid, album_id or None, blob.key, str(name or default_name), blob.size,
                      now, now, ctx.me.ref(), description=str(p.get("description") or ""),
                      taken_at=parse_iso(p["taken_at"]) if p.get("taken_at") else now, private=bool(p.get("private")))
            st.images[i.id] = i
        emit(ctx, pid, "Images", "create", i.id)
        return JSONResponse(render_image(st, i), 201)

    async def update_image(ctx: Ctx) -> Response:
        pid = project(ctx)
        i = image(ctx, pid)
        p = (await ctx.body()).get("image") or {}
        with st.lock:
            if "image_category_id" in p:
                i.album_id = album(ctx, pid, p["image_category_id"]).id if p["image_category_id"] else None
            if p.get("filename") is not None and not is_image_name(str(p["filename"])):
                raise unprocessable("filename", "is not an image name")
            for key in ("description", "filename"):
                if key in p and p[key] is not None:
                    setattr(i, key, str(p[key]))
            for key in ("private", "starred"):
                if key in p:
                    setattr(i, key, bool(p[key]))
            i.updated_at = st.now()
        emit(ctx, pid, "Images", "update", i.id)
        return JSONResponse(render_image(st, i))

    async def delete_image(ctx: Ctx) -> Response:
        pid = project(ctx)
        i = image(ctx, pid, recycled=ctx.q("permanent") == "true")
        i.is_deleted, i.updated_at = True, st.now()
        i.permanently_deleted = ctx.q("permanent") == "true"
        emit(ctx, pid, "Images", "delete", i.id)
        return Response(status_code=204)

    async def retrieve_image(ctx: Ctx) -> Response:
        pid = project(ctx)
        i = image(ctx, pid, recycled=True)
        i.is_deleted, i.updated_at = False, st.now()
        emit(ctx, pid, "Images", "update", i.id)
        return JSONResponse(render_image(st, i))

    async def image_state(request: Request) -> Response:
        """Test-only: where an image is (live, recycle bin, gone) and its album and description, which the
        public API no longer shows once it is in the recycle bin."""
        try:
            i = st.images.get(int(request.path_params["id"]))
        except ValueError:
            i = None
        if i is None:
            return JSONResponse({"errors": "no such image"}, 404)
        where = "gone" if i.permanently_deleted else "recycle_bin" if i.is_deleted else "live"
        return JSONResponse({"id": i.id, "state": where, "image_category_id": i.album_id, "filename": i.filename,
                             "description": i.description, "project_id": i.project_id})

    return [
        Route("/_emulator/images/{id}", image_state, methods=["GET"]),
        route(st, ALBUMS, list_albums, ["GET"]),
        route(st, ALBUMS, create_album, ["POST"]),
        route(st, ALBUMS + "/ids_with_images", ids_with_images, ["GET"]),
        route(st, ALBUMS + "/{id}", show_album, ["GET"]),
        route(st, ALBUMS + "/{id}", update_album, ["PATCH", "PUT"]),
        route(st, ALBUMS + "/{id}", delete_album, ["DELETE"]),
        route(st, IMAGES, list_images, ["GET"]),
        route(st, IMAGES, create_image, ["POST"]),
        route(st, IMAGES + "/{id}", show_image, ["GET"]),
        route(st, IMAGES + "/{id}", update_image, ["PATCH", "PUT"]),
        route(st, IMAGES + "/{id}", delete_image, ["DELETE"]),
        route(st, IMAGES + "/{id}/retrieve", retrieve_image, ["POST", "PATCH"]),
    ]
