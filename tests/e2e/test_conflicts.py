"""Issue 6 (part): conflicts under the default policy (newest wins, nothing lost), an edit beating a
concurrent delete, and a locked SharePoint file left alone until it is released.

Notifications and webhooks are delayed by the emulators, so both people's edits happen before the
product hears of either: a real conflict, not two changes in a row.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shared.graph import content as sp_content
from shared.graph import items as sp_items
from shared.procore.client import ProcoreClient
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from tests.support.e2e import Onboarded, Running, quickxor_of, wait_for
from tests.support.live import DELIVERY_MODES, live_link

PROJECT = 101
SCOPE = Scope.project(PROJECT)
TIMEOUT_S = 60
DELAY = {"delay_ms": 6000}  # both edits must land before the product hears of either


@pytest.fixture(scope="module", params=DELIVERY_MODES)
def live(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, Onboarded]]:
    yield from live_link(request.param, tmp_path_factory.mktemp("conflicts"))


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
    file = user.documents.file(SCOPE, file_id, latest_version_only=True)
    if file.is_deleted or file.latest_version is None:
        return None
    return b"".join(user.downloads.iter_bytes(file.latest_version.url))


def _sp_hash(run: Running, sp_id: str) -> str | None:
    try:
        item = sp_items.get_item(run.graph_session("user"), run.site["drive_id"], sp_id)
    except Exception:
        return None
    return item.quick_xor_hash


def _activity(run: Running, ob: Onboarded) -> list[dict[str, object]]:
    resp = run.api.get(f"/api/tenants/{ob.tenant_id}/links/{ob.link_id}/activity", headers=ob.auth,
                       params={"limit": 200})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    return list(body.get("items", body.get("value", [])))


def _delay(run: Running, on: bool) -> None:
    body = DELAY if on else {"delay_ms": 0}
    run.emulator("procore", "/_emulator/notifications", body)
    run.emulator("graph", "/_emulator/notifications", body)


def test_newest_wins_and_the_loser_is_a_prior_version(live: tuple[Running, Onboarded], tmp_path: Path) -> None:
    run, ob = live
    user, graph = run.procore_client("user"), run.graph_session("user")
    procore_id, sp_id = _new_pair(run, ob, tmp_path, "Conflict Plan.txt", b"agreed\n" * 10)
    # Both people edit while the product hears nothing (notifications and webhooks dropped): a real
    # conflict whatever the machine's load, not two changes in a row.
    run.emulator("procore", "/_emulator/notifications", {"drop_rate": 1.0})
    run.emulator("graph", "/_emulator/notifications", {"drop_rate": 1.0})
    sharepoint_edit, procore_edit = b"sharepoint edit\n" * 20, b"procore edit, later\n" * 30
    sp_content.put_replace_small(graph, run.site["drive_id"], sp_id, sharepoint_edit)
    time.sleep(1.1)  # Procore's edit is the newer one
    (tmp_path / "p.txt").write_bytes(procore_edit)
    up = user.uploads.upload(SCOPE, FileSource(tmp_path / "p.txt"), filename="Conflict Plan.txt")
    user.documents.add_version(SCOPE, procore_id, upload_uuid=up.uuid)
    # Now SharePoint's notifications flow again; an unrelated edit makes the product read the drive.
    run.emulator("graph", "/_emulator/notifications", {"drop_rate": 0.0})
    docs = sp_items.get_by_path(graph, run.site["drive_id"], f"{ob.folder_path}/Documents")
    assert docs is not None
    sp_content.put_new_small(graph, run.site["drive_id"], docs.id, "Nudge.txt", b"nudge\n", "replace")
    wait_for(lambda: _sp_hash(run, sp_id) == quickxor_of(iter([procore_edit])), TIMEOUT_S,
             "Procore's newer edit in SharePoint")
    run.emulator("procore", "/_emulator/notifications", {"drop_rate": 0.0})
    time.sleep(4)  # let any late step run: the winner must stay
    assert _procore_bytes(user, procore_id) == procore_edit
    assert _sp_hash(run, sp_id) == quickxor_of(iter([procore_edit]))
    versions = graph.request("GET", f"/drives/{run.site['drive_id']}/items/{sp_id}/versions",
                             route="/drives/{d}/items/{i}/versions").json()["value"]
    assert len(versions) >= 3  # agreed, the SharePoint edit (kept as a prior version), the winner
    assert any(a.get("event") == "conflict" for a in _activity(run, ob))


def test_an_edit_beats_a_concurrent_delete(live: tuple[Running, Onboarded], tmp_path: Path) -> None:
    run, ob = live
    user, graph = run.procore_client("user"), run.graph_session("user")
    procore_id, sp_id = _new_pair(run, ob, tmp_path, "Edit Wins.txt", b"agreed\n" * 10)
    _delay(run, True)
    edited = b"edited in SharePoint while deleted in Procore\n" * 5
    sp_content.put_replace_small(graph, run.site["drive_id"], sp_id, edited)
    user.documents.delete_file(SCOPE, procore_id)
    _delay(run, False)

    def copied_back() -> int | None:
        for item in user.documents.list_documents(SCOPE):
            if item.name == "Edit Wins.txt" and not item.is_deleted and not item.is_recycle_bin:
                return item.id
        return None

    new_id = wait_for(copied_back, TIMEOUT_S, "the edited file back in Procore")
    assert new_id != procore_id and _procore_bytes(user, new_id) == edited
    assert _sp_hash(run, sp_id) == quickxor_of(iter([edited]))  # not deleted in SharePoint


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
    user.documents.add_version(SCOPE, procore_id, upload_uuid=up.uuid)
    time.sleep(6)
    assert _sp_hash(run, sp_id) == quickxor_of(iter([b"agreed\n" * 10]))  # untouched while locked
    httpx.request("DELETE", run.graph_emulator_url + "/_emulator/locks", json={"drive_id": drive, "item_id": sp_id},
                  timeout=10).raise_for_status()
    wait_for(lambda: _sp_hash(run, sp_id) == quickxor_of(iter([new])), 120, "the new version after release")
