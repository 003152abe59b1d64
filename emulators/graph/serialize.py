"""JSON shapes of sites, drives, driveItems and identity sets, as Graph v1.0 returns them.

`delta_view` drops what ODB/SharePoint omits in delta (parentReference.path, cTag, downloadUrl) and
reduces deleted items to id + deleted facet + size 0.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from emulators.graph.state import Drive, Identity, Item, Site, iso
from emulators.graph.store import LIBRARY_URL_NAME, Store

DownloadUrl = Callable[[Item], str]
ZERO_DATE = "0001-01-01T00:00:00Z"


def identity_set(who: Identity) -> dict[str, Any]:
    if who.kind == "user":
        return {"user": {"email": who.email, "id": who.object_id, "displayName": who.display_name}}
    if not who.client_id:
        return {"user": {"displayName": "System Account"}}
    return {"application": {"id": who.client_id, "displayName": who.display_name},
            "user": {"displayName": "SharePoint App"}}


def site_json(store: Store, site: Site) -> dict[str, Any]:
    return {
        "id": site.id, "name": site.name, "displayName": site.name, "webUrl": site.web_url,
        "createdDateTime": iso(site.created), "lastModifiedDateTime": iso(site.created),
        "siteCollection": {"hostname": site.hostname},
    }


def drive_json(store: Store, drive: Drive) -> dict[str, Any]:
    site = store.sites[drive.site_id]
    used = sum(i.size for i in drive.items.values() if not i.deleted and not i.is_folder)
    return {
        "id": drive.id, "driveType": "documentLibrary", "name": drive.name, "description": "",
        "webUrl": f"{site.web_url}/{quote(LIBRARY_URL_NAME)}",
        "createdDateTime": iso(drive.created), "lastModifiedDateTime": iso(drive.created),
        "createdBy": {"user": {"displayName": "System Account"}},
        "owner": {"group": {"id": site.site_guid, "displayName": f"{site.name} Owners"}},
        "quota": {"deleted": 0, "remaining": 27487790694400 - used, "state": "normal",
                  "total": 27487790694400, "used": used},
    }


def _parent_reference(store: Store, drive: Drive, item: Item, with_path: bool) -> dict[str, Any]:
    ref: dict[str, Any] = {"driveType": "documentLibrary", "driveId": drive.id}
    if item.parent_id is None:
        return ref
    parent = drive.items[item.parent_id]
    ref["id"] = parent.id
    if with_path:
        ref["name"] = drive.name if parent.parent_id is None else parent.name
        inner = store.item_path(parent)
        ref["path"] = f"/drives/{drive.id}/root:" + (f"/{inner}" if inner else "")
    ref["siteId"] = store.sites[drive.site_id].site_guid
    return ref


def _folder_size(drive: Drive, item: Item) -> int:
    total, stack = 0, [item]
    while stack:
        cur = stack.pop()
        for cid in cur.children.values():
            child = drive.items[cid]
            if child.is_folder:
                stack.append(child)
            else:
                total += child.size
    return total


def sharepoint_ids(store: Store, drive: Drive, item: Item) -> dict[str, Any]:
    site = store.sites[drive.site_id]
    return {"listId": drive.list_id, "listItemId": str(item.list_item_id),
            "listItemUniqueId": item.list_item_guid, "siteId": site.site_guid, "siteUrl": site.web_url,
            "tenantId": store.tenant_id, "webId": site.web_guid}


def item_json(store: Store, item: Item, download_url: DownloadUrl | None = None,
              select: list[str] | None = None) -> dict[str, Any]:
    drive = store.drives[item.drive_id]
    site = store.sites[drive.site_id]
    path = store.item_path(item)
    out: dict[str, Any] = {
        "createdBy": identity_set(item.created_by), "createdDateTime": iso(item.created),
        "eTag": item.etag, "id": item.id,
        "lastModifiedBy": identity_set(item.modified_by), "lastModifiedDateTime": iso(item.modified),
        "name": item.name if item.parent_id else "root",
        "parentReference": _parent_reference(store, drive, item, with_path=True),
        "webUrl": f"{site.web_url}/{quote(LIBRARY_URL_NAME)}" + (f"/{quote(path)}" if path else ""),
        "fileSystemInfo": {"createdDateTime": iso(item.fs_created or item.created),
                           "lastModifiedDateTime": iso(item.fs_modified or item.modified)},
    }
    if item.is_folder:
        out["folder"] = {"childCount": len(item.children)}
        out["size"] = _folder_size(drive, item)
        if item.parent_id is None:
            out["root"] = {}
    else:
        out["cTag"] = item.ctag
        out["size"] = item.size
        out["file"] = {"mimeType": item.mime_type, "hashes": {"quickXorHash": item.quick_xor}}
        if download_url is not None:
            out["@microsoft.graph.downloadUrl"] = download_url(item)
    if select:
        wanted = set(select)
        if "sharepointIds" in wanted:
            out["sharepointIds"] = sharepoint_ids(store, drive, item)
        out = {k: v for k, v in out.items() if k in wanted or k == "@microsoft.graph.downloadUrl"
               and ("@microsoft.graph.downloadUrl" in wanted or "content.downloadUrl" in wanted)}
    return out


def delta_view(store: Store, item: Item) -> dict[str, Any]:
    drive = store.drives[item.drive_id]
    if item.deleted:
        out: dict[str, Any] = {
            "id": item.id, "deleted": {"state": "deleted"}, "size": 0,
            "createdDateTime": ZERO_DATE, "lastModifiedDateTime": ZERO_DATE,
            "fileSystemInfo": {"createdDateTime": ZERO_DATE, "lastModifiedDateTime": ZERO_DATE},
            "parentReference": _parent_reference(store, drive, item, with_path=False),
        }
        out["folder" if item.is_folder else "file"] = {"childCount": 0} if item.is_folder else {}
        return out
    full = item_json(store, item)
    full.pop("cTag", None)
    full["parentReference"] = _parent_reference(store, drive, item, with_path=False)
    return full
