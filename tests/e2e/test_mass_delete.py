"""Issues 6 and 11 (point 6): deleting 80% of a 150-file project in SharePoint trips the mass-delete
breaker (the notify addresses get one email, the status shows it), and one operator release applies
every delete of that burst, those still arriving after the release included: no second trip, no second
email. A later burst, after a quiet gap, trips the breaker again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from azure.data.tables import TableServiceClient

from demo.waiting import DemoFailure
from shared.graph import items as sp_items
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from shared.store.repositories import Repositories
from tests.support.e2e import (
    Onboarded,
    Running,
    link_status,
    onboard,
    sent_mail,
    sp_tree,
    start_stack,
    wait_for,
    wait_regular,
)
from tests.support.live import DELIVERY, DELIVERY_MODES, TIMERS_OFF

PROJECT = 101
SCOPE = Scope.project(PROJECT)
FILES = 150
BURST_GAP_S = 20    # the tenant's mass_delete_burst_gap_s: long enough for one user action, short for CI
SUBJECT = "Deletes paused for project Riverside Medical Center"


def _add_files(run: Running, tmp: Path, count: int) -> None:
    """A person's extra files in Procore before the link exists (the initial sync copies them)."""
    user = run.procore_client("user")
    folder = user.documents.create_folder(SCOPE, "Bulk Drop")
    for i in range(count):
        path = tmp / f"note-{i:03d}.txt"
        path.write_bytes(f"site note {i}\n".encode())
        upload = user.uploads.upload(SCOPE, FileSource(path), filename=path.name).uuid
        user.documents.create_file(SCOPE, name=path.name, parent_id=folder.id, upload_uuid=upload)


@pytest.fixture(scope="module", params=DELIVERY_MODES)
def live(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, Onboarded]]:
    """Like tests.support.live, with the project grown to FILES files before it is linked."""
    run = start_stack(tmp_path_factory.mktemp("mass-delete"), seed_size="small",
                      host_env={**TIMERS_OFF, **DELIVERY[request.param]})
    try:
        run.emulator("procore", "/_emulator/config", {"rate_spike_limit": 1_000_000})
        _add_files(run, tmp_path_factory.mktemp("bulk"), FILES - len(_live_procore_files(run)))
        ob = onboard(run, PROJECT, settings={"mass_delete_burst_gap_s": BURST_GAP_S})
        wait_regular(run, ob, timeout=400)
        yield run, ob
    finally:
        run.stop()


def _live_procore_files(run: Running) -> set[int]:
    user = run.procore_client("user")
    return {i.id for i in user.documents.list_documents(SCOPE)
            if not i.is_folder and not i.is_deleted and not i.is_recycle_bin}


def _breaker_mail(run: Running) -> list[dict[str, object]]:
    return [m for m in sent_mail(run) if m.get("subject") == SUBJECT]


def _deletes(run: Running, ob: Onboarded) -> list[tuple[datetime, str, str]]:
    """The link's delete rows: (detected at, state, path), in detection order."""
    tables = TableServiceClient.from_connection_string(run.doc["storage_connection_string"])
    try:
        return sorted((d.row.detected_at, d.row.state, d.row.path or "")
                      for d in Repositories(tables).deletes.query(ob.link_id))
    finally:
        tables.close()


def _last_detection(run: Running, ob: Onboarded) -> datetime | None:
    return max((at for at, _, _ in _deletes(run, ob)), default=None)


def _release(run: Running, ob: Onboarded) -> int:
    resp = run.api.post(f"/api/operator/tenants/{ob.tenant_id}/links/{ob.link_id}/held-deletes",
                        headers={"x-functions-key": run.doc["admin_key"]}, json={"action": "release"})
    assert resp.status_code == 200, resp.text
    return int(resp.json()["count"])


def test_one_release_applies_the_whole_burst_and_a_later_burst_trips_again(
        live: tuple[Running, Onboarded]) -> None:
    run, ob = live
    graph = run.graph_session("user")
    drive = run.site["drive_id"]
    root = sp_items.get_by_path(graph, drive, ob.folder_path)
    assert root is not None
    files = sorted(((str(p), item) for p, item in sp_tree(graph, drive, root.id) if not item.is_folder),
                   key=lambda pair: pair[0])
    before = _live_procore_files(run)
    assert len(files) == FILES and len(before) == FILES
    doomed, later = files[: int(FILES * 0.8)], files[int(FILES * 0.8):][:20]
    for _, item in doomed:                          # one person's action, reaching us over many seconds
        sp_items.delete_item(graph, drive, item.id)

    wait_for(lambda: link_status(run, ob)["deletes_held"], 90, "the breaker to trip")
    status = link_status(run, ob)
    assert status["deletes_held_reason"] and len(_live_procore_files(run)) > FILES - len(doomed)
    assert _release(run, ob) >= 1                   # at once: the rest of the burst is still arriving

    left = wait_for(lambda: (n := len(_live_procore_files(run))) == FILES - len(doomed) and n or None, 180,
                    "every delete of the burst applied in Procore after one release")
    assert left == FILES - len(doomed)
    mail = wait_for(lambda: _breaker_mail(run), 60, "the breaker email")
    status = link_status(run, ob)
    assert not status["deletes_held"] and status["held_deletes"] == [], status
    assert len(mail) == 1 and len(_breaker_mail(run)) == 1, "one burst, one email"

    last = _last_detection(run, ob)
    assert last is not None
    wait_for(lambda: datetime.now(UTC) > last + timedelta(seconds=BURST_GAP_S + 1), BURST_GAP_S + 30,
             "a quiet gap after the burst")
    for _, item in later:                           # a new burst: 20 of the 30 files left
        sp_items.delete_item(graph, drive, item.id)
    try:
        wait_for(lambda: link_status(run, ob)["deletes_held"], 90, "the breaker to trip on the new burst")
    except DemoFailure as exc:                      # which deletes arrived, when, and what became of them
        raise AssertionError(f"{exc}; last detection of the first burst {last}; deletes since: "
                             f"{[d for d in _deletes(run, ob) if d[0] > last - timedelta(seconds=30)]}") from exc
    wait_for(lambda: len(_breaker_mail(run)) == 2, 60, "the second burst's email")
    assert len(_live_procore_files(run)) > FILES - len(doomed) - len(later), "the new burst must be held"
