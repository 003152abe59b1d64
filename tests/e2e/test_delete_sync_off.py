"""Issue 6 (part), the tenant setting `delete_sync: false` (set when the tenant is created through the
onboarding API, contract §4): a file a person deletes in SharePoint stays in Procore, a file deleted in
Procore stays in SharePoint, each delete is logged in the link's activity instead, and everything else
keeps syncing both ways. Runs in both delivery modes (once, and every queue message twice).
"""

from __future__ import annotations

from pathlib import Path

from shared.graph import content as sp_content
from shared.graph import items as sp_items
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from shared.sync.guards import DELETE_SETTLE_S
from tests.support.e2e import Onboarded, Running, link_status, quickxor_of, wait_for, wait_quiet
from tests.support.live import live_fixture
from tests.support.trees import (
    activity,
    app_writes,
    procore_bytes,
    procore_files,
    procore_item,
    recycled_ids,
    sp_hash,
)

PROJECT = 113   # its own project on the shared stack (tests/support/live.py)
SCOPE = Scope.project(PROJECT)
TIMEOUT_S = 60


live = live_fixture("delete-sync-off", PROJECT, settings={"delete_sync": False})


def _not_synced(run: Running, ob: Onboarded, procore_id: int) -> bool:
    return any(a.get("event") == "delete_not_synced" and str(a.get("item")) == str(procore_id)
               for a in activity(run, ob))


def test_deletes_stay_on_their_side_and_the_rest_keeps_syncing(live: tuple[Running, Onboarded],
                                                               tmp_path: Path) -> None:
    run, ob = live
    user, graph, drive = run.procore_client("user"), run.graph_session("user"), run.site["drive_id"]
    root = user.documents.root(SCOPE, exclude_files=True)
    files = sorted(procore_files(user, SCOPE, root.id).items())
    assert len(files) >= 4
    (sp_path, keep_in_procore), (procore_path, keep_in_sp) = files[0], files[1]
    in_sp = sp_items.get_by_path(graph, drive, f"{ob.folder_path}/Documents{sp_path}")
    other = sp_items.get_by_path(graph, drive, f"{ob.folder_path}/Documents{procore_path}")
    assert in_sp is not None and other is not None
    procore_before = procore_bytes(user, SCOPE, keep_in_procore)
    assert procore_before is not None and quickxor_of(iter([procore_before])) == in_sp.quick_xor_hash
    other_hash = other.quick_xor_hash

    # Deleted in SharePoint: the product hears it, logs it, and leaves the Procore file alone.
    sp_items.delete_item(graph, drive, in_sp.id)
    # Deleted in Procore: likewise, the SharePoint file stays.
    user.documents.delete_file(SCOPE, keep_in_sp)
    wait_for(lambda: _not_synced(run, ob, keep_in_procore), TIMEOUT_S, "the SharePoint delete logged, not synced")
    wait_for(lambda: _not_synced(run, ob, keep_in_sp), TIMEOUT_S, "the Procore delete logged, not synced")
    # Past the delay a synced delete would be applied after (DELETE_SETTLE_S, a deferred queue message):
    # nothing is pending or deferred any more.
    wait_quiet(run, timeout=DELETE_SETTLE_S * 4 + 60)
    assert procore_bytes(user, SCOPE, keep_in_procore) == procore_before
    assert keep_in_procore not in recycled_ids(user, SCOPE)
    assert sp_hash(run, other.id) == other_hash
    binned = run.emulator("graph", f"/_emulator/recycle-bin?drive_id={drive}")["value"]
    assert other.id not in {b["id"] for b in binned}
    status = link_status(run, ob)
    assert status["stage"] == "regular" and not status["deletes_held"], status

    # Everything else still flows: a new file each way.
    docs = sp_items.get_by_path(graph, drive, f"{ob.folder_path}/Documents")
    assert docs is not None
    from_sp = b"created in SharePoint after the deletes\n" * 20
    sp_content.put_new_small(graph, drive, docs.id, "After Deletes SP.txt", from_sp, "fail")
    arrived = wait_for(lambda: procore_item(user, SCOPE, "After Deletes SP.txt"), TIMEOUT_S, "the new file in Procore")
    assert procore_bytes(user, SCOPE, arrived.id) == from_sp
    from_procore = b"created in Procore after the deletes\n" * 20
    (tmp_path / "new.txt").write_bytes(from_procore)
    up = user.uploads.upload(SCOPE, FileSource(tmp_path / "new.txt"), filename="new.txt")
    user.documents.create_file(SCOPE, name="After Deletes Procore.txt", parent_id=root.id, upload_uuid=up.uuid)
    copied = wait_for(lambda: sp_items.get_child(graph, drive, docs.id, "After Deletes Procore.txt"), TIMEOUT_S,
                      "the new Procore file in SharePoint")
    assert copied.quick_xor_hash == quickxor_of(iter([from_procore]))

    # Settled: no side keeps writing, and the two kept files are still there.
    wait_quiet(run)
    before = app_writes(run)
    wait_quiet(run)
    assert app_writes(run) == before
    assert procore_bytes(user, SCOPE, keep_in_procore) == procore_before
    assert sp_hash(run, other.id) == other_hash
