"""The library's list, its columns, and listItem fields of driveItems (GET/PATCH).

A column's type facet is checked as Graph does (one line of text holds at most 255 characters, multiple
lines more; a date column is dateOnly or dateTime). A fields PATCH validates column names and value
types, bumps the driveItem's eTag (not its cTag), creates a new version and shows up in delta.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.responses import Response

from emulators.graph import errors, ids, serialize, tree
from emulators.graph.state import Column, Drive, Item, iso, utcnow
from emulators.graph.web import Ctx, json_response, route

TYPES = ("text", "number", "boolean", "dateTime", "choice")
TEXT_MAX = 255            # a single line of text (textColumn.maxLength default and ceiling)
NOTE_MAX = 63_999         # multiple lines of text (allowMultipleLines): SharePoint's note field limit
DATE_FORMATS = ("dateOnly", "dateTime")
BUILTIN_READONLY = {"id", "ContentType", "Created", "Modified", "AuthorLookupId", "EditorLookupId",
                    "_UIVersionString", "FileSizeDisplay", "ItemChildCount", "FolderChildCount",
                    "DocIcon", "LinkFilename", "LinkFilenameNoMenu", "Edit", "_CheckinComment"}
WRITABLE_BUILTIN = {"Title"}


def _list_json(ctx: Ctx, drive: Drive) -> dict[str, Any]:
    site = ctx.store.sites[drive.site_id]
    return {"id": drive.list_id, "name": drive.name, "displayName": drive.name,
            "createdDateTime": iso(drive.created), "lastModifiedDateTime": iso(drive.created),
            "webUrl": f"{site.web_url}/Shared%20Documents", "list": {"template": "documentLibrary",
                                                                     "hidden": False}}


def _column_json(col: Column) -> dict[str, Any]:
    return {"id": col.id, "name": col.name, "displayName": col.display_name, "readOnly": False,
            "hidden": False, "indexed": bool(col.definition.get("indexed")), col.kind: col.definition[col.kind]}


def _drive_of_list(ctx: Ctx) -> Drive:
    site = ctx.store.site(ctx.target.params["site"])
    for d in site.drive_ids:
        if ctx.store.drives[d].list_id == ctx.target.params["list"]:
            return ctx.store.drives[d]
    raise errors.GraphError(404, "itemNotFound", "The list was not found.")


@route("GET", "drives/{d}/list")
async def get_list(ctx: Ctx) -> Response:
    return json_response(_list_json(ctx, ctx.drive()))


@route("GET", "sites/{site}/lists/{list}")
async def get_site_list(ctx: Ctx) -> Response:
    return json_response(_list_json(ctx, _drive_of_list(ctx)))


def _columns(drive: Drive) -> Response:
    return json_response({"value": [_column_json(c) for c in drive.columns.values()]})


@route("GET", "drives/{d}/list/columns")
async def list_columns(ctx: Ctx) -> Response:
    return _columns(ctx.drive())


@route("GET", "sites/{site}/lists/{list}/columns")
async def list_site_columns(ctx: Ctx) -> Response:
    return _columns(_drive_of_list(ctx))


async def _create_column(ctx: Ctx, drive: Drive) -> Response:
    body = await ctx.json()
    name = body.get("name")
    kinds = [k for k in TYPES if k in body]
    if not isinstance(name, str) or not name.isidentifier():
        raise errors.invalid_request("A column needs a 'name' made of letters, digits and '_'.")
    if len(kinds) != 1:
        raise errors.invalid_request("Exactly one column type facet is required.")
    facet = body[kinds[0]] if kinds else None
    if facet is not None and not isinstance(facet, dict):
        raise errors.invalid_request(f"The '{kinds[0]}' facet must be an object.")
    _check_facet(kinds[0], facet or {})
    with ctx.store.lock:
        if name in drive.columns or name in BUILTIN_READONLY | WRITABLE_BUILTIN:
            raise errors.invalid_request(f'A duplicate field name "{name}" was found.')
        col = Column(name, body.get("displayName") or name, kinds[0],
                     {kinds[0]: body[kinds[0]] or {}, "indexed": body.get("indexed", False)}, ids.new_guid())
        drive.columns[name] = col
    return json_response(_column_json(col), 201)


def _check_facet(kind: str, facet: dict[str, Any]) -> None:
    """What Graph refuses in a columnDefinition's type facet (textColumn, dateTimeColumn)."""
    if kind == "text":
        multi = facet.get("allowMultipleLines", False)
        if not isinstance(multi, bool):
            raise errors.invalid_request("textColumn.allowMultipleLines must be a boolean.")
        top = NOTE_MAX if multi else TEXT_MAX
        length = facet.get("maxLength", top)
        if not isinstance(length, int) or isinstance(length, bool) or not 1 <= length <= top:
            raise errors.invalid_request(f"textColumn.maxLength must be between 1 and {top}.")
    if kind == "dateTime" and facet.get("format", "dateTime") not in DATE_FORMATS:
        raise errors.invalid_request(f"dateTimeColumn.format must be one of {', '.join(DATE_FORMATS)}.")


@route("POST", "drives/{d}/list/columns")
async def create_column(ctx: Ctx) -> Response:
    return await _create_column(ctx, ctx.drive())


@route("POST", "sites/{site}/lists/{list}/columns")
async def create_site_column(ctx: Ctx) -> Response:
    return await _create_column(ctx, _drive_of_list(ctx))


def fields_json(ctx: Ctx, item: Item) -> dict[str, Any]:
    ext = item.name.rpartition(".")[2] if "." in item.name and not item.is_folder else ""
    out: dict[str, Any] = {
        "@odata.etag": f'"{item.list_item_guid},{item.fields_version}"', "id": str(item.list_item_id),
        "ContentType": "Folder" if item.is_folder else "Document", "Created": iso(item.created),
        "Modified": iso(item.modified), "AuthorLookupId": "6", "EditorLookupId": "6",
        "_CheckinComment": "", "LinkFilenameNoMenu": item.name, "LinkFilename": item.name,
        "DocIcon": ext, "FileSizeDisplay": str(item.size), "ItemChildCount": "0",
        "FolderChildCount": "0", "_UIVersionString": f"{item.fields_version}.0", "FileLeafRef": item.name,
    }
    out.update({k: v for k, v in item.fields.items() if v is not None})
    return out


def _check_value(col: Column, value: Any) -> None:
    spec = col.definition[col.kind]
    if value is None:
        ok = True
    elif col.kind == "text":
        top = NOTE_MAX if spec.get("allowMultipleLines") else TEXT_MAX
        ok = isinstance(value, str) and len(value) <= int(spec.get("maxLength", top))
    elif col.kind == "number":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif col.kind == "boolean":
        ok = isinstance(value, bool)
    elif col.kind == "dateTime":
        ok = isinstance(value, str) and _is_date(value)
    else:
        ok = isinstance(value, str) and value in (spec.get("choices") or [value])
    if not ok:
        raise errors.invalid_request(f"Invalid value for field '{col.name}'.")


def _is_date(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


async def _patch_fields(ctx: Ctx, drive: Drive, item: Item) -> Response:
    body = await ctx.json()
    with ctx.store.lock:
        ctx.store.check_lock(item)
        if_match = ctx.header("if-match")
        if if_match and if_match.strip() not in ("*", f'"{item.list_item_guid},{item.fields_version}"'):
            tree.check_if_match(item, if_match)
        for key, value in body.items():
            if key in BUILTIN_READONLY or key == "FileLeafRef":
                raise errors.invalid_request(f"Field '{key}' is read-only")
            col = drive.columns.get(key)
            if col is None and key not in WRITABLE_BUILTIN:
                raise errors.invalid_request(f"Field '{key}' is not recognized")
            if col is not None:
                _check_value(col, value)
        item.fields.update(body)
        item.fields_version += 1
        item.etag_version += 1
        item.modified, item.modified_by = utcnow(), ctx.ident
        ctx.store.record_change(drive, [item])
        return json_response(fields_json(ctx, item))


def _site_item(ctx: Ctx) -> tuple[Drive, Item]:
    drive = _drive_of_list(ctx)
    wanted = ctx.target.params["item"]
    for item in drive.items.values():
        if str(item.list_item_id) == wanted and not item.deleted and item.parent_id:
            return drive, item
    raise errors.GraphError(404, "itemNotFound", "The list item was not found.")


@route("GET", "drives/{d}/item/listItem")
async def get_list_item(ctx: Ctx) -> Response:
    with ctx.store.lock:
        drive, item = ctx.drive(), ctx.item()
        out = {"id": str(item.list_item_id), "eTag": f'"{item.list_item_guid},{item.fields_version}"',
               "createdDateTime": iso(item.created), "lastModifiedDateTime": iso(item.modified),
               "contentType": {"name": "Folder" if item.is_folder else "Document"},
               "sharepointIds": serialize.sharepoint_ids(ctx.store, drive, item)}
        if "fields" in (ctx.query.get("$expand") or ""):
            out["fields"] = fields_json(ctx, item)
        return json_response(out)


@route("GET", "drives/{d}/item/listItem/fields")
async def get_fields(ctx: Ctx) -> Response:
    with ctx.store.lock:
        return json_response(fields_json(ctx, ctx.item()))


@route("PATCH", "drives/{d}/item/listItem/fields")
async def patch_fields(ctx: Ctx) -> Response:
    return await _patch_fields(ctx, ctx.drive(), ctx.item())


@route("GET", "sites/{site}/lists/{list}/items/{item}/fields")
async def get_site_fields(ctx: Ctx) -> Response:
    with ctx.store.lock:
        return json_response(fields_json(ctx, _site_item(ctx)[1]))


@route("PATCH", "sites/{site}/lists/{list}/items/{item}/fields")
async def patch_site_fields(ctx: Ctx) -> Response:
    drive, item = _site_item(ctx)
    return await _patch_fields(ctx, drive, item)
