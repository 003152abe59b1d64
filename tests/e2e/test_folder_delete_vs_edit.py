"""Issue 6 item 3, edit beats delete for a whole folder: a folder deleted in Procore while a file inside
it was edited in SharePoint. The edited file survives in SharePoint with its folder, comes back to
Procore (as a new file in a new folder of the same name: the old ones are in Procore's recycle bin),
and everything unchanged in that folder is deleted as the Procore user asked. Deterministic: the
SharePoint edit's notification is dropped, so the product meets the edit while applying the delete.
Both delivery modes.
"""

from __future__ import annotations

from pathlib import Path

from shared.graph import content as sp_content
from shared.graph import items as sp_items
from shared.procore.client import ProcoreClient
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from tests.support.e2e import Onboarded, Running, quickxor_of, wait_for
from tests.support.live import live_fixture
from tests.support.trees import activity, procore_bytes, procore_item, recycled_ids, wait_identical

PROJECT = 114   # its own project on the shared stack (tests/support/live.py)
SCOPE = Scope.project(PROJECT)
TIMEOUT_S = 60


live = live_fixture("folder-vs-edit", PROJECT)


def _upload(user: ProcoreClient, tmp: Path, parent_id: int, name: str, data: bytes) -> int:
    (tmp / name).write_bytes(data)
    up = user.uploads.upload(SCOPE, FileSource(tmp / name), filename=name)
    return user.documents.create_file(SCOPE, name=name, parent_id=parent_id, upload_uuid=up.uuid).id


def _dropped(run: Running) -> int:
    """Graph change notifications the emulator dropped so far (the switch decides when a change is made)."""
    log = run.emulator("graph", "/_emulator/notifications/log")["deliveries"]
    return sum(1 for entry in log if entry["status"] == "dropped")


def test_a_folder_deleted_in_procore_keeps_what_was_edited_in_sharepoint(live: tuple[Running, Onboarded],
                                                                         tmp_path: Path) -> None:
    run, ob = live
    user, graph = run.procore_client("user"), run.graph_session("user")
    drive = run.site["drive_id"]
    root = user.documents.root(SCOPE, exclude_files=True)
    zone = user.documents.create_folder(SCOPE, "Zone C", parent_id=root.id)
    sub = user.documents.create_folder(SCOPE, "Zone C Sub", parent_id=zone.id)
    plain = _upload(user, tmp_path, zone.id, "Untouched.txt", b"nobody edits this\n" * 10)
    _upload(user, tmp_path, sub.id, "Deep Edit.txt", b"agreed\n" * 10)
    _upload(user, tmp_path, sub.id, "Deep Untouched.txt", b"also unchanged\n" * 10)
    base = f"{ob.folder_path}/Documents/Zone C"
    deep = wait_for(lambda: sp_items.get_by_path(graph, drive, f"{base}/Zone C Sub/Deep Edit.txt"), TIMEOUT_S,
                    "the folder in SharePoint")
    wait_for(lambda: sp_items.get_by_path(graph, drive, f"{base}/Zone C Sub/Deep Untouched.txt"), TIMEOUT_S,
             "the second file in SharePoint")
    untouched = wait_for(lambda: sp_items.get_by_path(graph, drive, f"{base}/Untouched.txt"), TIMEOUT_S,
                         "the third file in SharePoint")

    edited = b"edited in SharePoint while its folder was deleted in Procore\n" * 7
    dropped = _dropped(run)
    run.emulator("graph", "/_emulator/notifications", {"drop_rate": 1.0})  # the edit goes unheard
    try:
        sp_content.put_replace_small(graph, drive, deep.id, edited)
        wait_for(lambda: _dropped(run) > dropped, TIMEOUT_S, "the edit's notification dropped")
    finally:
        run.emulator("graph", "/_emulator/notifications", {"drop_rate": 0.0})
    user.documents.delete_folder(SCOPE, zone.id)

    # The unchanged file goes with the folder; the edited one stays, with the folders above it.
    wait_for(lambda: sp_items.get_by_path(graph, drive, f"{base}/Untouched.txt") is None, TIMEOUT_S,
             "the unchanged file deleted in SharePoint")
    wait_for(lambda: sp_items.get_by_path(graph, drive, f"{base}/Zone C Sub/Deep Untouched.txt") is None,
             TIMEOUT_S, "the unchanged deep file deleted in SharePoint")
    kept = sp_items.get_by_path(graph, drive, f"{base}/Zone C Sub/Deep Edit.txt")
    assert kept is not None and kept.id == deep.id and kept.quick_xor_hash == quickxor_of(iter([edited]))

    # ... and it is back in Procore: new folders of the same names, the edited bytes, each once.
    new_zone = wait_for(lambda: procore_item(user, SCOPE, "Zone C"), TIMEOUT_S, "Zone C back in Procore")
    assert new_zone.id != zone.id and {zone.id, plain} <= recycled_ids(user, SCOPE)
    new_sub = wait_for(lambda: procore_item(user, SCOPE, "Zone C Sub", parent_id=new_zone.id), TIMEOUT_S,
                       "Zone C Sub back in Procore")
    back = wait_for(lambda: procore_item(user, SCOPE, "Deep Edit.txt", parent_id=new_sub.id), TIMEOUT_S,
                    "the edited file back in Procore")
    assert procore_bytes(user, SCOPE, back.id) == edited
    assert procore_item(user, SCOPE, "Untouched.txt") is None
    docs = sp_items.get_by_path(graph, drive, f"{ob.folder_path}/Documents")
    assert docs is not None and untouched is not None
    wait_identical(run, SCOPE, root.id, docs.id)
    assert any(a.get("event") == "conflict" for a in activity(run, ob))


def test_a_folder_deleted_in_sharepoint_keeps_what_was_edited_in_procore(live: tuple[Running, Onboarded],
                                                                         tmp_path: Path) -> None:
    run, ob = live
    user, graph = run.procore_client("user"), run.graph_session("user")
    drive = run.site["drive_id"]
    docs = sp_items.get_by_path(graph, drive, f"{ob.folder_path}/Documents")
    assert docs is not None
    zone = sp_items.create_folder(graph, drive, docs.id, "Zone D", "fail")
    sub = sp_items.create_folder(graph, drive, zone.id, "Zone D Sub", "fail")
    sp_content.put_new_small(graph, drive, zone.id, "Plain D.txt", b"nobody edits this\n" * 9, "fail")
    sp_content.put_new_small(graph, drive, sub.id, "Procore Edit.txt", b"agreed\n" * 9, "fail")
    p_zone = wait_for(lambda: procore_item(user, SCOPE, "Zone D"), TIMEOUT_S, "Zone D in Procore")
    p_plain = wait_for(lambda: procore_item(user, SCOPE, "Plain D.txt"), TIMEOUT_S, "Plain D.txt in Procore")
    p_edit = wait_for(lambda: procore_item(user, SCOPE, "Procore Edit.txt"), TIMEOUT_S, "the file in Procore")

    edited = b"edited in Procore while its folder was deleted in SharePoint\n" * 6
    run.emulator("procore", "/_emulator/notifications", {"drop_rate": 1.0})  # the edit goes unheard
    try:
        (tmp_path / "Procore Edit.txt").write_bytes(edited)
        up = user.uploads.upload(SCOPE, FileSource(tmp_path / "Procore Edit.txt"), filename="Procore Edit.txt")
        user.documents.update_file(SCOPE, p_edit.id, upload_uuid=up.uuid)
    finally:  # the emulator drops a webhook when the change is made: the edit went unheard for good
        run.emulator("procore", "/_emulator/notifications", {"drop_rate": 0.0})
    sp_items.delete_item(graph, drive, zone.id)

    # Procore keeps the edited file with the folders above it (same ids); the unchanged file is deleted.
    wait_for(lambda: p_plain.id in recycled_ids(user, SCOPE), TIMEOUT_S, "the unchanged file deleted in Procore")
    assert procore_item(user, SCOPE, "Zone D") is not None
    assert procore_bytes(user, SCOPE, p_edit.id) == edited
    # ... and SharePoint gets them back: new folders of the same names, the edited bytes.
    wanted = quickxor_of(iter([edited]))
    back = wait_for(lambda: sp_items.get_by_path(graph, drive, f"{ob.folder_path}/Documents/Zone D/Zone D Sub/"
                                                 "Procore Edit.txt"), TIMEOUT_S, "the edited file back in SharePoint")
    assert back.quick_xor_hash == wanted
    root = user.documents.root(SCOPE, exclude_files=True)
    wait_identical(run, SCOPE, root.id, docs.id)
    assert procore_item(user, SCOPE, "Zone D") is not None and p_zone.id == procore_item(user, SCOPE, "Zone D").id
