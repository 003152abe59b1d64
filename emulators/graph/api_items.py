"""driveItems: get (by id or path, If-None-Match), children with paging, create folder, PATCH, DELETE."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from starlette.responses import Response

from emulators.graph import errors, serialize, tree
from emulators.graph.state import Item
from emulators.graph.web import Ctx, json_response, route, select_list, top

CONFLICT_KEY = "@microsoft.graph.conflictBehavior"


def item_response(ctx: Ctx, item: Item, status: int = 200) -> Response:
    body = serialize.item_json(ctx.store, item, ctx.download_url, select_list(ctx))
    body = {"@odata.context": f"{ctx.rt.graph_base}/$metadata#drives('{item.drive_id}')/items/$entity",
            **body}
    return json_response(body, status)


@route("GET", "drives/{d}/item")
async def get_item(ctx: Ctx) -> Response:
    with ctx.store.lock:
        item = ctx.item()
        inm = ctx.header("if-none-match")
        if inm and inm.strip() in (item.etag, item.ctag, "*"):
            return Response(status_code=304, headers={"ETag": item.etag})
        return item_response(ctx, item)


def _skip(token: str | None) -> int:
    if not token:
        return 0
    try:
        decoded = base64.urlsafe_b64decode(token.encode() + b"==").decode()
        return int(dict(p.split("=", 1) for p in decoded.split("&"))["p_ID"])
    except (ValueError, KeyError):
        raise errors.invalid_request("Invalid $skiptoken.") from None


@route("GET", "drives/{d}/item/children")
async def list_children(ctx: Ctx) -> Response:
    with ctx.store.lock:
        folder = ctx.item()
        drive = ctx.drive()
        kids = sorted((drive.items[c] for c in folder.children.values()), key=lambda i: i.name.lower())
        size = top(ctx, ctx.rt.config.children_page_size)
        start = _skip(ctx.query.get("$skiptoken") or ctx.query.get("$skipToken"))
        page = kids[start:start + size]
        sel = select_list(ctx)
        body: dict[str, Any] = {
            "@odata.context": f"{ctx.rt.graph_base}/$metadata#drives('{drive.id}')/items",
            "value": [serialize.item_json(ctx.store, k, ctx.download_url, sel) for k in page],
        }
        if start + size < len(kids):
            token = base64.urlsafe_b64encode(f"Paged=TRUE&p_SortBehavior=0&p_ID={start + size}".encode())
            token_s = token.decode().rstrip("=")
            query = f"$top={size}&$skiptoken={token_s}"
            if sel:
                query += "&$select=" + ",".join(sel)
            body["@odata.nextLink"] = (f"{ctx.rt.graph_base}/drives/{drive.id}/items/{folder.id}/children"
                                       f"?{query}")
        return json_response(body)


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise errors.invalid_request(f"Invalid date: {value}") from None


@route("POST", "drives/{d}/item/children")
async def create_child(ctx: Ctx) -> Response:
    body = await ctx.json()
    name = body.get("name")
    if not isinstance(name, str):
        raise errors.invalid_request("The 'name' property is required.")
    if "folder" not in body:
        raise errors.invalid_request("Creating a file this way is not supported; use PUT content or "
                                     "an upload session.")
    behavior = body.get(CONFLICT_KEY) or ctx.query.get(CONFLICT_KEY) or "fail"
    with ctx.store.lock:
        parent = ctx.item()
        item = tree.create_folder(ctx.store, ctx.drive(), parent, name, behavior, ctx.ident)
        return item_response(ctx, item, 201)


@route("PATCH", "drives/{d}/item")
async def update_item(ctx: Ctx) -> Response:
    body = await ctx.json()
    with ctx.store.lock:
        drive = ctx.drive()
        item = ctx.item()
        tree.check_if_match(item, ctx.header("if-match"))
        new_parent = None
        ref = body.get("parentReference")
        if isinstance(ref, dict):
            if ref.get("driveId") not in (None, drive.id):
                raise errors.invalid_request("Moving items between drives is not supported; use copy.")
            if "id" in ref:
                if ref["id"] == "root":
                    raise errors.invalid_request("Invalid parent reference: use the root item's id.")
                new_parent = ctx.store.item(drive, ref["id"])
            elif "path" in ref:
                raise errors.invalid_request("parentReference.path is not supported; use id.")
        name = body.get("name")
        if name is not None and not isinstance(name, str):
            raise errors.invalid_request("Invalid name.")
        fsi = body.get("fileSystemInfo") or {}
        behavior = body.get(CONFLICT_KEY) or ctx.query.get(CONFLICT_KEY) or "fail"
        item = tree.update_item(ctx.store, drive, item, ctx.ident, name, new_parent, behavior,
                                _parse_time(fsi.get("lastModifiedDateTime")))
        return item_response(ctx, item)


@route("DELETE", "drives/{d}/item")
async def delete_item(ctx: Ctx) -> Response:
    with ctx.store.lock:
        item = ctx.item()
        tree.check_if_match(item, ctx.header("if-match"))
        tree.delete_item(ctx.store, ctx.drive(), item, ctx.ident)
    return Response(status_code=204)


@route("GET", "drives/{d}/item/versions")
async def list_versions(ctx: Ctx) -> Response:
    """driveItem versions, newest (the current content) first; folders have none (400, like Graph)."""
    with ctx.store.lock:
        item = ctx.item()
        if item.is_folder:
            raise errors.invalid_request("Versions are not available for folders.")
        current = {"id": f"{len(item.versions) + 1}.0", "lastModifiedDateTime": serialize.iso(item.modified),
                   "lastModifiedBy": serialize.identity_set(item.modified_by), "size": item.size}
        prior = [{"id": f"{v.number}.0", "lastModifiedDateTime": serialize.iso(v.modified),
                  "lastModifiedBy": serialize.identity_set(v.modified_by), "size": v.size}
                 for v in reversed(item.versions)]
        return json_response({"@odata.context": f"{ctx.rt.graph_base}/$metadata#drives('{item.drive_id}')/items"
                              f"('{item.id}')/versions", "value": [current, *prior]})
