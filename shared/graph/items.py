"""driveItems: get by id or path, list children (following nextLink), create, rename, move, delete.

Writes that must not clobber a concurrent edit take `if_match` (an eTag/cTag as received).
Creating a folder is not retried blindly (POST); callers look it up first when a retry is needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from shared import errors
from shared.graph.batch import BatchRequest, run_batch
from shared.graph.models import DriveItem
from shared.graph.paths import by_path, child_path, encode_path, item_path
from shared.graph.session import GraphSession

CHILDREN_PAGE_SIZE = 200
CONFLICT_KEY = "@microsoft.graph.conflictBehavior"


def _headers(if_match: str | None) -> dict[str, str]:
    return {"If-Match": if_match} if if_match else {}


def get_item(session: GraphSession, drive_id: str, item_id: str) -> DriveItem:
    resp = session.request("GET", item_path(drive_id, item_id), route="/drives/{drive-id}/items/{item-id}")
    return DriveItem.model_validate(resp.json())


def get_by_path(session: GraphSession, drive_id: str, path: str) -> DriveItem | None:
    """The item at a library-relative path, or None when nothing is there."""
    resp = session.request("GET", by_path(drive_id, path), route="/drives/{drive-id}/root:/{path}:",
                           accept=(404,))
    return None if resp.status_code == 404 else DriveItem.model_validate(resp.json())


def get_child(session: GraphSession, drive_id: str, parent_id: str, name: str) -> DriveItem | None:
    resp = session.request("GET", child_path(drive_id, parent_id, name),
                           route="/drives/{drive-id}/items/{item-id}:/{name}:", accept=(404,))
    return None if resp.status_code == 404 else DriveItem.model_validate(resp.json())


def find_at(session: GraphSession, drive_id: str, wanted: list[tuple[str, list[str]]]) -> dict[int, DriveItem | None]:
    """What is at each (folder id, names below it) of `wanted`, through $batch (20 lookups a request, not
    one each): by index, the item or None (nothing there). A lookup answered with anything else (throttled
    past the batch's retries, an error) has no entry: the caller must not take it as absent."""
    requests = [BatchRequest(id=str(i), method="GET",
                             url=f"{item_path(drive_id, anchor)}:/{encode_path('/'.join(names))}:")
                for i, (anchor, names) in enumerate(wanted)]
    out: dict[int, DriveItem | None] = {}
    for key, answer in run_batch(session, requests).items():
        if answer.status == 404:
            out[int(key)] = None
        elif answer.ok and isinstance(answer.body, dict):
            out[int(key)] = DriveItem.model_validate(answer.body)
    return out


def iter_children(session: GraphSession, drive_id: str, folder_id: str,
                  page_size: int = CHILDREN_PAGE_SIZE) -> Iterator[DriveItem]:
    url: str | None = f"{item_path(drive_id, folder_id)}/children"
    params: dict[str, str] | None = {"$top": str(page_size)}
    while url:
        data = session.request("GET", url, route="/drives/{drive-id}/items/{item-id}/children",
                               params=params).json()
        for value in data.get("value", []):
            yield DriveItem.model_validate(value)
        url, params = data.get("@odata.nextLink"), None


def create_folder(session: GraphSession, drive_id: str, parent_id: str, name: str,
                  conflict: str = "fail") -> DriveItem:
    body = {"name": name, "folder": {}, CONFLICT_KEY: conflict}
    resp = session.request("POST", f"{item_path(drive_id, parent_id)}/children", json=body,
                           route="/drives/{drive-id}/items/{item-id}/children")
    return DriveItem.model_validate(resp.json())


def ensure_folder(session: GraphSession, drive_id: str, parent_id: str, name: str) -> DriveItem:
    """The folder parent/name, created when missing (safe to repeat and to race).

    Create first and look up only on a name clash: mirroring a tree into an empty target then costs
    one call per folder instead of two."""
    try:
        return create_folder(session, drive_id, parent_id, name, "fail")
    except errors.Conflict:
        found = get_child(session, drive_id, parent_id, name)
        if found is None:
            raise
        if not found.is_folder:
            raise errors.Conflict(f"{name!r} exists and is not a folder") from None
        return found


def update_item(session: GraphSession, drive_id: str, item_id: str, *, name: str | None = None,
                new_parent_id: str | None = None, if_match: str | None = None,
                conflict: str | None = None) -> DriveItem:
    """Rename and/or move within the drive (the root must be given by its real id)."""
    body: dict[str, Any] = {}
    if name is not None:
        body["name"] = name
    if new_parent_id is not None:
        body["parentReference"] = {"id": new_parent_id}
    if conflict is not None:
        body[CONFLICT_KEY] = conflict
    resp = session.request("PATCH", item_path(drive_id, item_id), json=body, headers=_headers(if_match),
                           route="/drives/{drive-id}/items/{item-id}")
    return DriveItem.model_validate(resp.json())


def rename_item(session: GraphSession, drive_id: str, item_id: str, name: str,
                if_match: str | None = None) -> DriveItem:
    return update_item(session, drive_id, item_id, name=name, if_match=if_match)


def move_item(session: GraphSession, drive_id: str, item_id: str, new_parent_id: str,
              name: str | None = None, if_match: str | None = None) -> DriveItem:
    return update_item(session, drive_id, item_id, name=name, new_parent_id=new_parent_id,
                       if_match=if_match)


def delete_item(session: GraphSession, drive_id: str, item_id: str, if_match: str | None = None) -> None:
    """To the recycle bin; an item that is already gone counts as done."""
    session.request("DELETE", item_path(drive_id, item_id), headers=_headers(if_match),
                    route="/drives/{drive-id}/items/{item-id}")
