"""Sites, drives and driveItems through the client: resolution, children paging, get-by-path,
folder create (conflictBehavior), rename, move, delete to the recycle bin, eTag/cTag, If-Match."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shared import errors
from shared.graph import content, items, sites
from shared.graph.models import DriveItem
from shared.graph.session import GraphSession


def test_site_and_drive_resolution(app: GraphSession, desc: dict[str, Any]) -> None:
    site = sites.site_by_path(app, "contoso.sharepoint.com", "/sites/Projects")
    assert site.id == desc["sites"][0]["id"]
    assert site.id.count(",") == 2 and site.id.startswith("contoso.sharepoint.com,")
    drives = sites.list_drives(app, site.id)
    assert [d.id for d in drives] == [desc["sites"][0]["drive_id"]]
    assert drives[0].id.startswith("b!") and drives[0].drive_type == "documentLibrary"
    assert sites.get_drive(app, drives[0].id).name == "Documents"
    assert sites.drive_by_name(app, site.id, "documents").id == drives[0].id
    with pytest.raises(errors.TargetNotFound):
        sites.site_by_path(app, "contoso.sharepoint.com", "/sites/Nope")
    with pytest.raises(errors.TargetNotFound):
        sites.get_drive(app, "b!doesnotexist")


def test_children_paging_and_get_by_path(app: GraphSession, drive_id: str, folder: DriveItem) -> None:
    names = [f"Sub {i:02d}" for i in range(7)]
    for name in reversed(names):
        items.create_folder(app, drive_id, folder.id, name)
    listed = list(items.iter_children(app, drive_id, folder.id, page_size=3))
    assert [i.name for i in listed] == names
    assert all(len(i.id) == 34 and i.id.startswith("01") for i in listed)
    by_path = items.get_by_path(app, drive_id, f"{folder.name}/Sub 03")
    assert by_path is not None and by_path.id == listed[3].id
    assert by_path.parent_reference is not None and by_path.parent_reference.path is not None
    assert by_path.parent_reference.path.endswith(f"root:/{folder.name}")
    assert items.get_by_path(app, drive_id, f"{folder.name}/missing") is None
    assert items.get_child(app, drive_id, folder.id, "sub 03") is not None   # case-insensitive names


def test_create_folder_conflict_behaviors(app: GraphSession, drive_id: str, folder: DriveItem) -> None:
    first = items.create_folder(app, drive_id, folder.id, "Same")
    with pytest.raises(errors.Conflict) as exc:
        items.create_folder(app, drive_id, folder.id, "same", conflict="fail")
    assert "nameAlreadyExists" in str(exc.value)
    renamed = items.create_folder(app, drive_id, folder.id, "Same", conflict="rename")
    assert renamed.name == "Same 1" and renamed.id != first.id
    replaced = items.create_folder(app, drive_id, folder.id, "Same", conflict="replace")
    assert replaced.id != first.id
    with pytest.raises(errors.NotFound):
        items.get_item(app, drive_id, first.id)
    assert items.ensure_folder(app, drive_id, folder.id, "Same").id == replaced.id


def test_rename_move_delete_and_tags(app: GraphSession, drive_id: str, folder: DriveItem,
                                     control: httpx.Client) -> None:
    a = items.create_folder(app, drive_id, folder.id, "A")
    b = items.create_folder(app, drive_id, folder.id, "B")
    f = content.put_new_small(app, drive_id, a.id, "doc.txt", b"v1")
    assert f.etag and f.ctag and f.etag.startswith('"{') and f.ctag.startswith('"c:{')
    a_before = items.get_item(app, drive_id, a.id)

    renamed = items.rename_item(app, drive_id, f.id, "doc2.txt", if_match=f.etag)
    assert renamed.id == f.id and renamed.name == "doc2.txt"
    assert renamed.etag != f.etag and renamed.ctag == f.ctag     # metadata change: eTag only
    with pytest.raises(errors.Conflict):                         # stale eTag -> 412
        items.rename_item(app, drive_id, f.id, "doc3.txt", if_match=f.etag)

    moved = items.move_item(app, drive_id, f.id, b.id, if_match=renamed.etag)
    assert moved.parent_id == b.id and moved.id == f.id
    a_after = items.get_item(app, drive_id, a.id)
    assert a_after.etag == a_before.etag                         # folder eTag: own properties only

    rewritten = content.put_replace_small(app, drive_id, f.id, b"v2", if_match=moved.etag)
    assert rewritten.ctag != moved.ctag and rewritten.size == 2

    items.delete_item(app, drive_id, b.id, if_match=items.get_item(app, drive_id, b.id).etag)
    with pytest.raises(errors.NotFound):
        items.get_item(app, drive_id, f.id)
    items.delete_item(app, drive_id, b.id)                       # already gone: done
    binned = control.get("/recycle-bin", params={"drive_id": drive_id}).json()["value"]
    assert b.id in [x["id"] for x in binned]


def test_move_to_root_needs_real_id(raw: httpx.Client, app: GraphSession, drive_id: str, root: DriveItem,
                                    folder: DriveItem) -> None:
    sub = items.create_folder(app, drive_id, folder.id, "x")
    resp = raw.patch(f"/drives/{drive_id}/items/{sub.id}", json={"parentReference": {"id": "root"}})
    assert resp.status_code == 400
    moved = items.move_item(app, drive_id, sub.id, root.id, name=f"{folder.name}-moved")
    assert moved.parent_id == root.id


def test_if_none_match_304_and_404_shape(raw: httpx.Client, app: GraphSession, drive_id: str,
                                          folder: DriveItem) -> None:
    f = content.put_new_small(app, drive_id, folder.id, "n.txt", b"x")
    resp = raw.get(f"/drives/{drive_id}/items/{f.id}", headers={"If-None-Match": f.etag or ""})
    assert resp.status_code == 304
    missing = raw.get(f"/drives/{drive_id}/items/01AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "itemNotFound"
    assert missing.headers["request-id"]
