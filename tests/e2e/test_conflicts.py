"""Issue 6 (part): conflicts under the default policy (newest wins, nothing lost), an edit beating a
concurrent delete, and a locked SharePoint file left alone until it is released.

Notifications and webhooks are delayed by the emulators, so both people's edits happen before the
product hears of either: a real conflict, not two changes in a row.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from shared.graph import content as sp_content
from shared.graph import items as sp_items
from shared.procore.client import ProcoreClient
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from tests.support.e2e import Onboarded, Running, onboard, quickxor_of, wait_for, wait_quiet, wait_regular
from tests.support.live import live_fixture
from tests.support.trees import activity, deferrals, host_log, procore_bytes, procore_versions, sp_hash

PROJECT = 112   # its own project on the shared stack (tests/support/live.py)
SCOPE = Scope.project(PROJECT)
TIMEOUT_S = 60
CHECKOUT_S = 3600            # checked out for an hour: only the check-in can end the wait in this test
CHECKIN_ARRIVAL_S = 30       # well below the 5-minute lock retry: the check-in's webhook resumes the edit


live = live_fixture("conflicts", PROJECT)
pytestmark = pytest.mark.leaves_deferred   # the checked-out file's retry stays queued for five minutes


def _new_pair(run: Running, ob: Onboarded, tmp: Path, name: str, data: bytes) -> tuple[int, str]:
    """A file created in Procore and synced: (Procore id, SharePoint id)."""
    user = run.procore_client("user")
    root = user.documents.root(SCOPE, exclude_files=True)
    (tmp / name).write_bytes(data)
    up = user.uploads.upload(SCOPE, FileSource(tmp / name), filename=name)
    file = user.documents.create_file(SCOPE, name=name, parent_id=root.id, upload_uuid=up.uuid)
    graph = run.graph_session("user")
    sp = wait_for(lambda: sp_items.get_by_path(graph, run.site["drive_id"], f"{ob.folder_path}/Documents/{name}"),
                  TIMEOUT_S, f"{name} in SharePoint")
    return file.id, sp.id


def _procore_bytes(user: ProcoreClient, file_id: int) -> bytes | None:
    return procore_bytes(user, SCOPE, file_id)


def _sp_hash(run: Running, sp_id: str) -> str | None:
    return sp_hash(run, sp_id)


def _activity(run: Running, ob: Onboarded) -> list[dict[str, object]]:
    return activity(run, ob)


def _edit_both(run: Running, ob: Onboarded, tmp_path: Path, procore_id: int, sp_id: str, name: str,
               procore_edit: bytes, sharepoint_edit: bytes) -> None:
    """Procore's edit first, while its webhooks are dropped (the product cannot know of it), then
    SharePoint's, a second later: the SharePoint change finds both sides changed — a real conflict,
    deterministic whatever the load, with SharePoint's edit the newer one."""
    user, graph = run.procore_client("user"), run.graph_session("user")
    run.emulator("procore", "/_emulator/notifications", {"drop_rate": 1.0})
    try:
        (tmp_path / "p.txt").write_bytes(procore_edit)
        up = user.uploads.upload(SCOPE, FileSource(tmp_path / "p.txt"), filename=name)
        user.documents.add_version(SCOPE, procore_id, upload_uuid=up.uuid)
        time.sleep(1.1)
        sp_content.put_replace_small(graph, run.site["drive_id"], sp_id, sharepoint_edit)
        wait_for(lambda: _sp_hash(run, sp_id) == quickxor_of(iter([sharepoint_edit])), 10, "the edit in SharePoint")
    finally:  # the emulator drops a webhook when the change is made: Procore's edit went unheard for good
        run.emulator("procore", "/_emulator/notifications", {"drop_rate": 0.0})


def test_newest_wins_and_the_loser_is_a_prior_version(live: tuple[Running, Onboarded], tmp_path: Path) -> None:
    run, ob = live
    user = run.procore_client("user")
    procore_id, sp_id = _new_pair(run, ob, tmp_path, "Conflict Plan.txt", b"agreed\n" * 10)
    procore_edit, sharepoint_edit = b"procore edit, earlier\n" * 30, b"sharepoint edit, later\n" * 20
    _edit_both(run, ob, tmp_path, procore_id, sp_id, "Conflict Plan.txt", procore_edit, sharepoint_edit)
    wait_for(lambda: _procore_bytes(user, procore_id) == sharepoint_edit, TIMEOUT_S,
             "SharePoint's newer edit in Procore")
    wait_quiet(run)  # let any late step run: the winner must stay
    assert _procore_bytes(user, procore_id) == sharepoint_edit
    assert _sp_hash(run, sp_id) == quickxor_of(iter([sharepoint_edit]))
    versions = user.documents.file(SCOPE, procore_id).file_versions
    assert len(versions) >= 3  # agreed, Procore's edit (kept as a prior version), the winner
    assert any(a.get("event") == "conflict" for a in _activity(run, ob))


def test_keep_both_writes_the_loser_beside_the_winner_on_both_sides(live: tuple[Running, Onboarded],
                                                                   tmp_path: Path) -> None:
    run, _ = live
    ob = onboard(run, PROJECT, settings={"conflict_policy": "keep_both"})  # a second tenant, same project
    wait_regular(run, ob, timeout=180)
    user, graph, drive = run.procore_client("user"), run.graph_session("user"), run.site["drive_id"]
    procore_id, sp_id = _new_pair(run, ob, tmp_path, "Keep Both Plan.txt", b"agreed\n" * 10)
    procore_edit, sharepoint_edit = b"procore's earlier edit\n" * 30, b"sharepoint's later edit\n" * 20
    _edit_both(run, ob, tmp_path, procore_id, sp_id, "Keep Both Plan.txt", procore_edit, sharepoint_edit)
    docs = sp_items.get_by_path(graph, drive, f"{ob.folder_path}/Documents")
    assert docs is not None
    loser = f"Keep Both Plan (Procore conflict {datetime.now(UTC).date().isoformat()}).txt"
    copy = wait_for(lambda: sp_items.get_child(graph, drive, docs.id, loser), TIMEOUT_S, "the loser beside")
    assert copy.quick_xor_hash == quickxor_of(iter([procore_edit]))
    root = user.documents.root(SCOPE, exclude_files=True)

    def procore_copy() -> int | None:
        for item in user.documents.list_documents(SCOPE):
            if item.name == loser and item.parent_id == root.id and not item.is_deleted and not item.is_recycle_bin:
                return item.id
        return None

    copy_id = wait_for(procore_copy, TIMEOUT_S, "the loser beside the winner in Procore")
    assert _procore_bytes(user, copy_id) == procore_edit
    wait_for(lambda: _procore_bytes(user, procore_id) == sharepoint_edit, TIMEOUT_S, "the winner in Procore")
    assert _sp_hash(run, sp_id) == quickxor_of(iter([sharepoint_edit]))


def test_an_edit_beats_a_concurrent_delete(live: tuple[Running, Onboarded], tmp_path: Path) -> None:
    run, ob = live
    user, graph = run.procore_client("user"), run.graph_session("user")
    procore_id, sp_id = _new_pair(run, ob, tmp_path, "Edit Wins.txt", b"agreed\n" * 10)
    edited = b"edited in SharePoint while deleted in Procore\n" * 5
    run.emulator("procore", "/_emulator/notifications", {"drop_rate": 1.0})  # the delete goes unheard
    try:
        user.documents.delete_file(SCOPE, procore_id)
        sp_content.put_replace_small(graph, run.site["drive_id"], sp_id, edited)
    finally:  # dropped when made (see _edit_both)
        run.emulator("procore", "/_emulator/notifications", {"drop_rate": 0.0})

    def copied_back() -> int | None:
        for item in user.documents.list_documents(SCOPE):
            if item.name == "Edit Wins.txt" and not item.is_deleted and not item.is_recycle_bin:
                return item.id
        return None

    new_id = wait_for(copied_back, TIMEOUT_S, "the edited file back in Procore")
    assert new_id != procore_id and _procore_bytes(user, new_id) == edited
    assert _sp_hash(run, sp_id) == quickxor_of(iter([edited]))  # not deleted in SharePoint
    assert any(a.get("event") == "conflict" for a in _activity(run, ob))


def test_a_locked_sharepoint_file_is_not_overwritten_until_released(live: tuple[Running, Onboarded],
                                                                    tmp_path: Path) -> None:
    run, ob = live
    user = run.procore_client("user")
    procore_id, sp_id = _new_pair(run, ob, tmp_path, "Locked Budget.txt", b"agreed\n" * 10)
    drive = run.site["drive_id"]
    httpx.post(run.graph_emulator_url + "/_emulator/locks", json={"drive_id": drive, "item_id": sp_id},
               timeout=10).raise_for_status()
    new = b"new version while the file is open in Excel\n" * 8
    (tmp_path / "n.txt").write_bytes(new)
    up = user.uploads.upload(SCOPE, FileSource(tmp_path / "n.txt"), filename="Locked Budget.txt")
    deferred = deferrals(run)
    user.documents.add_version(SCOPE, procore_id, upload_uuid=up.uuid)
    wait_for(lambda: deferrals(run) > deferred, TIMEOUT_S, "the upload to SharePoint deferred by the lock")
    wait_quiet(run, deferred_ok=True)   # every delivery of it has run into the lock
    assert _sp_hash(run, sp_id) == quickxor_of(iter([b"agreed\n" * 10]))  # untouched while locked
    httpx.request("DELETE", run.graph_emulator_url + "/_emulator/locks", json={"drive_id": drive, "item_id": sp_id},
                  timeout=10).raise_for_status()
    wait_for(lambda: _sp_hash(run, sp_id) == quickxor_of(iter([new])), 120, "the new version after release")


def test_a_file_checked_out_in_procore_is_not_overwritten_until_checked_in(live: tuple[Running, Onboarded],
                                                                           tmp_path: Path) -> None:
    """Someone checked the file out in Procore (PATCH checked_out_until, as in Procore's API) and it is
    edited in SharePoint meanwhile: Procore keeps its version while the checkout lasts; once checked in,
    SharePoint's bytes arrive as exactly one new Procore version.

    While waiting, the product looks at the file again at most every 5 minutes (a checkout has no end
    we are told of early); the check-in's own webhook resumes the waiting edit at once, so it arrives in
    seconds, not minutes."""
    run, ob = live
    user, graph = run.procore_client("user"), run.graph_session("user")
    agreed = b"agreed\n" * 10
    procore_id, sp_id = _new_pair(run, ob, tmp_path, "Checked Out Spec.txt", agreed)
    versions = procore_versions(user, SCOPE, procore_id)
    deferred = host_log(run).count("checked out in Procore")
    until = datetime.now(UTC) + timedelta(seconds=CHECKOUT_S)
    user.documents.update_file(SCOPE, procore_id, checked_out_until=until)
    assert user.documents.file(SCOPE, procore_id).checked_out_until is not None

    edited = b"edited in SharePoint while checked out in Procore\n" * 12
    sp_content.put_replace_small(graph, run.site["drive_id"], sp_id, edited)
    wait_for(lambda: host_log(run).count("checked out in Procore") > deferred, TIMEOUT_S,
             "the upload to Procore deferred by the checkout")
    wait_quiet(run, deferred_ok=True)   # every delivery of it has met the checkout
    assert procore_versions(user, SCOPE, procore_id) == versions, "a checked-out Procore file was overwritten"
    assert _procore_bytes(user, procore_id) == agreed
    assert _sp_hash(run, sp_id) == quickxor_of(iter([edited]))  # SharePoint keeps its edit meanwhile

    user.documents.update_file(SCOPE, procore_id, release_checkout=True)  # checked in
    wait_for(lambda: _procore_bytes(user, procore_id) == edited, CHECKIN_ARRIVAL_S,
             "SharePoint's edit in Procore soon after check-in")
    # A second delivery must not add a second version. (The step deferred by the checkout stays queued for
    # its five minutes: the check-in's webhook brought the edit, so that one has nothing left to do.)
    wait_quiet(run, deferred_ok=True)
    assert len(procore_versions(user, SCOPE, procore_id)) == len(versions) + 1
    assert _sp_hash(run, sp_id) == quickxor_of(iter([edited]))
