"""Delta through the client with a stored cursor: pages + deltaLink, token=latest, tombstones,
folder rename emitting only the folder, duplicates, a forced 410 resync, and a person's changes."""

from __future__ import annotations

from typing import Any

import httpx

from shared.graph import content, delta, items
from shared.graph.models import DriveItem
from shared.graph.session import GraphSession


def _ids(result: delta.DeltaResult) -> set[str]:
    return {i.id for i in result.items}


def test_enumeration_pages_and_cursor(app: GraphSession, raw: httpx.Client, drive_id: str,
                                      folder: DriveItem) -> None:
    for i in range(5):
        content.put_new_small(app, drive_id, folder.id, f"f{i}.txt", b"x")
    first = raw.get(f"/drives/{drive_id}/root/delta", params={"$top": "2"}).json()
    assert "@odata.nextLink" in first and "@odata.deltaLink" not in first and len(first["value"]) == 2
    full = delta.fetch_changes(app, drive_id, None, page_size=2)
    names = {i.name for i in full.items}
    assert {folder.name, "f0.txt", "f4.txt"} <= names and not any(i.is_deleted for i in full.items)
    assert all(i.parent_reference is None or i.parent_reference.path is None for i in full.items)
    assert all(i.ctag is None for i in full.items)          # ODB omits cTag in delta
    quiet = delta.fetch_changes(app, drive_id, full.delta_link)
    assert quiet.items == [] and not quiet.resynced


def test_latest_token_then_changes_and_deletes(app: GraphSession, drive_id: str, folder: DriveItem) -> None:
    f = content.put_new_small(app, drive_id, folder.id, "gone.txt", b"x")
    cursor = delta.latest_cursor(app, drive_id)
    keep = content.put_new_small(app, drive_id, folder.id, "keep.txt", b"y")
    items.delete_item(app, drive_id, f.id)
    changes = delta.fetch_changes(app, drive_id, cursor)
    by_id = {i.id: i for i in changes.items}
    assert keep.id in by_id and by_id[keep.id].name == "keep.txt"
    tomb = by_id[f.id]
    assert tomb.is_deleted and tomb.name is None and tomb.size == 0     # no name on ODB deletes
    assert folder.id in by_id                                            # parent's cTag moved


def test_folder_rename_emits_only_the_folder(app: GraphSession, drive_id: str, folder: DriveItem) -> None:
    sub = items.create_folder(app, drive_id, folder.id, "Sub")
    inner = content.put_new_small(app, drive_id, sub.id, "in.txt", b"x")
    cursor = delta.latest_cursor(app, drive_id)
    items.rename_item(app, drive_id, sub.id, "Sub renamed")
    changes = delta.fetch_changes(app, drive_id, cursor)
    ids = _ids(changes)
    assert sub.id in ids and inner.id not in ids
    assert {i.id: i for i in changes.items}[sub.id].name == "Sub renamed"


def test_latest_state_only(app: GraphSession, drive_id: str, folder: DriveItem) -> None:
    cursor = delta.latest_cursor(app, drive_id)
    f = content.put_new_small(app, drive_id, folder.id, "v.txt", b"1")
    for v in (b"22", b"333"):
        content.put_replace_small(app, drive_id, f.id, v)
    changes = delta.fetch_changes(app, drive_id, cursor)
    mine = [i for i in changes.items if i.id == f.id]
    assert len(mine) == 1 and mine[0].size == 3


def test_duplicates_are_merged_by_id(app: GraphSession, raw: httpx.Client, drive_id: str, folder: DriveItem,
                                     control: httpx.Client) -> None:
    cursor = delta.latest_cursor(app, drive_id)
    for i in range(6):
        content.put_new_small(app, drive_id, folder.id, f"d{i}.txt", b"x")
    control.post("/delta/duplicates", json={"enabled": True}).raise_for_status()
    try:
        seen: list[str] = []
        url: str | None = cursor + "&$top=2"
        while url:
            page = raw.get(url).json()
            seen += [v["id"] for v in page["value"]]
            url = page.get("@odata.nextLink")
        assert len(seen) > len(set(seen))                     # the service repeated items
        merged = delta.fetch_changes(app, drive_id, cursor, page_size=2)
        assert len(merged.items) == len(_ids(merged))
    finally:
        control.post("/delta/duplicates", json={"enabled": False}).raise_for_status()


def test_410_resync(app: GraphSession, raw: httpx.Client, drive_id: str, folder: DriveItem,
                    control: httpx.Client) -> None:
    cursor = delta.latest_cursor(app, drive_id)
    content.put_new_small(app, drive_id, folder.id, "after.txt", b"x")
    control.post("/delta/resync", json={"drive_id": drive_id}).raise_for_status()
    gone = raw.get(cursor)
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "resyncRequired"
    assert gone.headers["Location"].endswith("/root/delta")
    result = delta.fetch_changes(app, drive_id, cursor)
    assert result.resynced and folder.id in _ids(result)        # a full enumeration came back
    assert delta.fetch_changes(app, drive_id, result.delta_link).items == []


def test_person_changes_look_like_a_person(app: GraphSession, user: GraphSession, drive_id: str,
                                           folder: DriveItem, desc: dict[str, Any]) -> None:
    cursor = delta.latest_cursor(app, drive_id)
    mine = content.put_new_small(app, drive_id, folder.id, "ours.txt", b"x")
    theirs = content.put_new_small(user, drive_id, folder.id, "theirs.txt", b"y")
    changes = {i.id: i for i in delta.fetch_changes(app, drive_id, cursor).items}
    ours_by = changes[mine.id].last_modified_by
    assert ours_by is not None and ours_by.application is not None
    assert ours_by.application.id == desc["app"]["client_id"]
    their_by = changes[theirs.id].last_modified_by
    assert their_by is not None and their_by.application is None
    assert their_by.user is not None and their_by.user.email
