"""Issue 6 (first part), live SharePoint -> Procore: a person's changes in SharePoint (the *user*
identity, so they arrive as real change notifications and delta) reach Procore without any timer
firing — folder and file created, content updated, renamed, moved, deleted — and then settle with
no further writes on either side (no echo loop).
"""

from __future__ import annotations

from shared.graph import content as sp_content
from shared.graph import items as sp_items
from shared.procore.client import ProcoreClient
from shared.procore.models import DocumentItem
from shared.procore.scope import Scope
from tests.support.e2e import Onboarded, Running, link_status, quickxor_of, wait_for, wait_quiet
from tests.support.live import live_fixture
from tests.support.trees import (
    app_writes,
    host_log,
    procore_bytes,
    procore_files,
    procore_item,
    procore_versions,
    recycled_ids,
    wait_identical,
)

PROJECT = 117   # its own project on the shared stack (tests/support/live.py)
SCOPE = Scope.project(PROJECT)
LIVE_TIMEOUT_S = 60


live = live_fixture("live-sp", PROJECT)


def _procore(user: ProcoreClient, name: str) -> DocumentItem | None:
    return procore_item(user, SCOPE, name)  # names are unique in this module


def _procore_bytes(user: ProcoreClient, file_id: int) -> bytes | None:
    return procore_bytes(user, SCOPE, file_id)


def _procore_writes_by_app(run: Running) -> dict[str, int]:
    return app_writes(run)[1]


def _no_timer_fired(run: Running) -> None:
    assert "Reason='Timer fired" not in host_log(run)


def test_person_edits_in_sharepoint_arrive_in_procore(live: tuple[Running, Onboarded]) -> None:
    run, ob = live
    user = run.procore_client("user")
    graph = run.graph_session("user")
    drive = run.site["drive_id"]
    docs = sp_items.get_by_path(graph, drive, f"{ob.folder_path}/Documents")
    assert docs is not None

    folder = sp_items.create_folder(graph, drive, docs.id, "From SharePoint", "fail")
    other = sp_items.create_folder(graph, drive, docs.id, "SP Other", "fail")
    first = b"written in SharePoint\n" * 50
    item = sp_content.put_new_small(graph, drive, folder.id, "Site Memo.txt", first, "fail")
    created = wait_for(lambda: _procore(user, "Site Memo.txt"), LIVE_TIMEOUT_S, "the new file in Procore")
    assert _procore_bytes(user, created.id) == first
    procore_folder = _procore(user, "From SharePoint")
    assert procore_folder is not None and created.parent_id == procore_folder.id

    second = b"edited in SharePoint, longer\n" * 90
    sp_content.put_replace_small(graph, drive, item.id, second)
    wait_for(lambda: _procore_bytes(user, created.id) == second, LIVE_TIMEOUT_S, "the new version in Procore")

    sp_items.update_item(graph, drive, item.id, name="Site Memo final.txt")
    renamed = wait_for(lambda: _procore(user, "Site Memo final.txt"), LIVE_TIMEOUT_S, "the rename in Procore")
    assert renamed.id == created.id

    sp_items.update_item(graph, drive, item.id, new_parent_id=other.id)
    procore_other = wait_for(lambda: _procore(user, "SP Other"), LIVE_TIMEOUT_S, "the other folder in Procore")
    wait_for(lambda: (f := _procore(user, "Site Memo final.txt")) is not None and f.parent_id == procore_other.id,
             LIVE_TIMEOUT_S, "the move in Procore")

    sp_items.update_item(graph, drive, other.id, name="SP Renamed")
    renamed_folder = wait_for(lambda: _procore(user, "SP Renamed"), LIVE_TIMEOUT_S, "the folder rename")
    assert renamed_folder.id == procore_other.id

    sp_items.delete_item(graph, drive, item.id)
    wait_for(lambda: _procore(user, "Site Memo final.txt") is None, LIVE_TIMEOUT_S, "the delete in Procore")
    binned = user.documents.list_documents(SCOPE, in_recycle_bin=True)
    assert created.id in {b.id for b in binned}

    # Settled: the SharePoint copy of what arrived exists once, and no side keeps writing.
    assert quickxor_of(iter([second]))  # bytes compared above; keep the helper honest
    wait_quiet(run)
    before = _procore_writes_by_app(run)
    wait_quiet(run)
    assert _procore_writes_by_app(run) == before
    _no_timer_fired(run)


def test_folder_move_and_delete_in_sharepoint_arrive_in_procore(live: tuple[Running, Onboarded]) -> None:
    """A folder moved in SharePoint moves its Procore twin (same id, contents along); a folder deleted in
    SharePoint sends its twin and everything inside to Procore's recycle bin. Three deletes: below the
    mass-delete breaker's share floor (guards.MIN_DELETES_FOR_SHARE)."""
    run, ob = live
    user, graph, drive = run.procore_client("user"), run.graph_session("user"), run.site["drive_id"]
    docs = sp_items.get_by_path(graph, drive, f"{ob.folder_path}/Documents")
    assert docs is not None
    root = user.documents.root(SCOPE, exclude_files=True)

    folder_a = sp_items.create_folder(graph, drive, docs.id, "Folder A", "fail")
    folder_b = sp_items.create_folder(graph, drive, docs.id, "Folder B", "fail")
    data = b"a file inside folder A\n" * 60
    sp_content.put_new_small(graph, drive, folder_a.id, "Inside A.txt", data, "fail")
    twin_a = wait_for(lambda: _procore(user, "Folder A"), LIVE_TIMEOUT_S, "folder A in Procore")
    twin_b = wait_for(lambda: _procore(user, "Folder B"), LIVE_TIMEOUT_S, "folder B in Procore")
    twin_file = wait_for(lambda: procore_item(user, SCOPE, "Inside A.txt", parent_id=twin_a.id), LIVE_TIMEOUT_S,
                         "the file inside folder A in Procore")
    assert twin_a.parent_id == root.id and twin_b.parent_id == root.id
    assert _procore_bytes(user, twin_file.id) == data
    versions = procore_versions(user, SCOPE, twin_file.id)

    sp_items.update_item(graph, drive, folder_a.id, new_parent_id=folder_b.id)
    moved = wait_for(lambda: procore_item(user, SCOPE, "Folder A", parent_id=twin_b.id), LIVE_TIMEOUT_S,
                     "folder A under folder B in Procore")
    assert moved.id == twin_a.id
    inside = _procore(user, "Inside A.txt")
    assert inside is not None and inside.id == twin_file.id and inside.parent_id == twin_a.id
    assert _procore_bytes(user, twin_file.id) == data
    assert procore_versions(user, SCOPE, twin_file.id) == versions  # moved along, not copied again
    wait_identical(run, SCOPE, root.id, docs.id, LIVE_TIMEOUT_S)

    sp_items.delete_item(graph, drive, folder_b.id)
    wait_for(lambda: {twin_a.id, twin_b.id, twin_file.id} <= recycled_ids(user, SCOPE), LIVE_TIMEOUT_S,
             "folder B and everything inside in Procore's recycle bin")
    assert _procore(user, "Folder B") is None and _procore(user, "Folder A") is None
    assert _procore(user, "Inside A.txt") is None
    wait_identical(run, SCOPE, root.id, docs.id, LIVE_TIMEOUT_S)
    assert not link_status(run, ob)["deletes_held"]
    _no_timer_fired(run)


def test_a_delta_resync_brings_the_change_and_nothing_else(live: tuple[Running, Onboarded]) -> None:
    """Graph answers the product's next delta with 410 resyncRequired: the full enumeration that follows
    brings the changes made meanwhile (an edit, a new file) to Procore, and re-examining every other
    item writes nothing: no new Procore versions, no duplicates, no writes to SharePoint."""
    run, ob = live
    user, graph, drive = run.procore_client("user"), run.graph_session("user"), run.site["drive_id"]
    docs = sp_items.get_by_path(graph, drive, f"{ob.folder_path}/Documents")
    assert docs is not None
    root = user.documents.root(SCOPE, exclude_files=True)
    wait_identical(run, SCOPE, root.id, docs.id, LIVE_TIMEOUT_S)
    files = {i.id: procore_versions(user, SCOPE, i.id) for i in user.documents.list_documents(SCOPE)
             if not i.is_folder and not i.is_deleted and not i.is_recycle_bin}
    path, twin_id = sorted(procore_files(user, SCOPE, root.id).items())[0]
    target = sp_items.get_by_path(graph, drive, f"{ob.folder_path}/Documents{path}")
    assert target is not None and len(files) >= 10
    resyncs = host_log(run).count("delta resync for link")
    wait_quiet(run)
    graph_before, procore_before = app_writes(run)

    run.emulator("graph", "/_emulator/delta/resync", {"drive_id": drive})
    edited = b"edited in SharePoint after the delta token expired\n" * 30
    sp_content.put_replace_small(graph, drive, target.id, edited)
    new = b"created in SharePoint after the delta token expired\n" * 20
    sp_content.put_new_small(graph, drive, docs.id, "After Resync.txt", new, "fail")

    arrived = wait_for(lambda: _procore(user, "After Resync.txt"), LIVE_TIMEOUT_S, "the new file in Procore")
    assert _procore_bytes(user, arrived.id) == new
    wait_for(lambda: _procore_bytes(user, twin_id) == edited, LIVE_TIMEOUT_S, "the edit in Procore")
    wait_for(lambda: host_log(run).count("delta resync for link") > resyncs, 10, "the resync in the host log")
    wait_identical(run, SCOPE, root.id, docs.id, LIVE_TIMEOUT_S)
    wait_quiet(run)  # let every re-examined item finish: none may write

    after = {i.id: procore_versions(user, SCOPE, i.id) for i in user.documents.list_documents(SCOPE)
             if not i.is_folder and not i.is_deleted and not i.is_recycle_bin}
    assert set(after) == set(files) | {arrived.id}
    assert len(after[twin_id]) == len(files[twin_id]) + 1
    assert {i: v for i, v in after.items() if i not in (arrived.id, twin_id)} == \
        {i: v for i, v in files.items() if i != twin_id}, "re-examined files got new Procore versions"
    graph_after, procore_after = app_writes(run)
    assert graph_after == graph_before, "the product wrote to SharePoint during the resync"
    added = {r: n - procore_before.get(r, 0) for r, n in procore_after.items() if n != procore_before.get(r, 0)}
    assert not [r for r in added if r.startswith("DELETE")], added
    assert sum(n for r, n in added.items() if r.startswith("POST") and r.endswith("/files")) == 1, added
    assert sum(n for r, n in added.items() if r.startswith(("PATCH", "PUT")) and r.endswith("/files/{id}")) == 1, \
        added
    _no_timer_fired(run)


def test_a_delete_hidden_by_a_delta_resync_still_arrives(live: tuple[Running, Onboarded]) -> None:
    """Graph's full enumeration after 410 resyncRequired lists live items only ("replace any local items
    with the server's version, including deletes"): a file deleted while the token was refused is absent
    from it, not reported as deleted, and must still go to Procore's recycle bin."""
    run, ob = live
    user, graph, drive = run.procore_client("user"), run.graph_session("user"), run.site["drive_id"]
    docs = sp_items.get_by_path(graph, drive, f"{ob.folder_path}/Documents")
    assert docs is not None
    root = user.documents.root(SCOPE, exclude_files=True)
    wait_identical(run, SCOPE, root.id, docs.id, LIVE_TIMEOUT_S)
    path, twin_id = sorted(procore_files(user, SCOPE, root.id).items())[-1]
    doomed = sp_items.get_by_path(graph, drive, f"{ob.folder_path}/Documents{path}")
    assert doomed is not None
    resyncs = host_log(run).count("delta resync for link")

    run.emulator("graph", "/_emulator/delta/resync", {"drive_id": drive})
    sp_items.delete_item(graph, drive, doomed.id)
    wait_for(lambda: host_log(run).count("delta resync for link") > resyncs, LIVE_TIMEOUT_S, "the resync")
    wait_for(lambda: twin_id in recycled_ids(user, SCOPE), LIVE_TIMEOUT_S, "the delete in Procore's recycle bin")
    wait_identical(run, SCOPE, root.id, docs.id, LIVE_TIMEOUT_S)
    assert not link_status(run, ob)["deletes_held"]
    _no_timer_fired(run)


def test_renaming_the_link_root_keeps_syncing(live: tuple[Running, Onboarded]) -> None:
    """Everything is tracked by id: renaming the link's own folder in SharePoint breaks nothing."""
    run, ob = live
    user = run.procore_client("user")
    graph = run.graph_session("user")
    drive = run.site["drive_id"]
    root = sp_items.get_by_path(graph, drive, ob.folder_path)
    assert root is not None
    renamed = sp_items.update_item(graph, drive, root.id, name=(root.name or "") + " (renamed)")
    docs = sp_items.get_child(graph, drive, renamed.id, "Documents")
    assert docs is not None
    sp_content.put_new_small(graph, drive, docs.id, "After Root Rename.txt", b"still syncing\n", "fail")
    arrived = wait_for(lambda: _procore(user, "After Root Rename.txt"), LIVE_TIMEOUT_S, "the file in Procore")
    assert _procore_bytes(user, arrived.id) == b"still syncing\n"
    # and the other way round, into the renamed folder
    root_folder = user.documents.root(SCOPE, exclude_files=True)
    user.documents.create_folder(SCOPE, "Made In Procore After Rename", parent_id=root_folder.id)
    wait_for(lambda: sp_items.get_child(graph, drive, docs.id, "Made In Procore After Rename"), LIVE_TIMEOUT_S,
             "the Procore folder inside the renamed SharePoint folder")
