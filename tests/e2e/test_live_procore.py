"""Issue 5, live Procore -> SharePoint: a person's changes in Procore (the *user* credential, so they
arrive as real webhooks) reach SharePoint within seconds, without any timer firing, and settle: once
applied, the product makes no further writes (no echo loop). Folders included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shared.graph import items as sp_items
from shared.graph.models import DriveItem
from shared.procore.client import ProcoreClient
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from tests.support.e2e import Onboarded, Running, quickxor_of, wait_for, wait_quiet
from tests.support.live import live_fixture

PROJECT = 116   # its own project on the shared stack (tests/support/live.py)
SCOPE = Scope.project(PROJECT)
LIVE_TIMEOUT_S = 60


live = live_fixture("live", PROJECT)


def _upload(user: ProcoreClient, tmp: Path, name: str, data: bytes) -> str:
    path = tmp / name
    path.write_bytes(data)
    return user.uploads.upload(SCOPE, FileSource(path), filename=name).uuid


def _sp(run: Running, ob: Onboarded, rel: str) -> DriveItem | None:
    return sp_items.get_by_path(run.graph_session("user"), run.site["drive_id"], f"{ob.folder_path}/Documents/{rel}")


def _writes_by_app(run: Running) -> dict[str, int]:
    """Write calls the product (the app identity) made to Graph so far, by route template."""
    stats: dict[str, Any] = run.emulator("graph", "/_emulator/stats")
    routes: dict[str, int] = stats["clients"][run.doc["graph"]["app"]["client_id"]]["routes"]
    writes = {r: n for r, n in routes.items() if r.split(" ")[0] in ("POST", "PUT", "PATCH", "DELETE")}
    assert writes, "the product made no writes at all: the stats are not what this test thinks"
    return writes


def test_person_edits_in_procore_arrive_in_sharepoint(live: tuple[Running, Onboarded], tmp_path: Path) -> None:
    run, ob = live
    user = run.procore_client("user")
    root = user.documents.root(SCOPE, exclude_files=True)

    # Folder and file created
    folder = user.documents.create_folder(SCOPE, "Live: Site Photos", parent_id=root.id)
    other = user.documents.create_folder(SCOPE, "Live Other", parent_id=root.id)
    first = b"first version\n" * 100
    doc = user.documents.create_file(SCOPE, name="Daily Log.txt", parent_id=folder.id,
                                     upload_uuid=_upload(user, tmp_path, "v1.txt", first))
    created = wait_for(lambda: _sp(run, ob, "Live\uff1a Site Photos/Daily Log.txt"), LIVE_TIMEOUT_S,
                       "the new file in SharePoint")
    assert created.quick_xor_hash == quickxor_of(iter([first]))

    # New version: same SharePoint item, new bytes
    second = b"second version, longer\n" * 300
    user.documents.add_version(SCOPE, doc.id, upload_uuid=_upload(user, tmp_path, "v2.txt", second))
    updated = wait_for(lambda: (i := _sp(run, ob, "Live\uff1a Site Photos/Daily Log.txt")) and
                       i.quick_xor_hash == quickxor_of(iter([second])) and i, LIVE_TIMEOUT_S, "the new version")
    assert updated.id == created.id and updated.size == len(second)

    # Rename, then move: the same item follows
    user.documents.update_file(SCOPE, doc.id, name="Daily Log 2026-11-28.txt")
    renamed = wait_for(lambda: _sp(run, ob, "Live\uff1a Site Photos/Daily Log 2026-11-28.txt"), LIVE_TIMEOUT_S,
                       "the rename")
    assert renamed.id == created.id
    user.documents.update_file(SCOPE, doc.id, parent_id=other.id)
    moved = wait_for(lambda: _sp(run, ob, "Live Other/Daily Log 2026-11-28.txt"), LIVE_TIMEOUT_S, "the move")
    assert moved.id == created.id
    assert _sp(run, ob, "Live\uff1a Site Photos/Daily Log 2026-11-28.txt") is None

    # Folder rename keeps its id and contents
    sp_folder = _sp(run, ob, "Live Other")
    assert sp_folder is not None
    user.documents.update_folder(SCOPE, other.id, name="Live Renamed")
    renamed_folder = wait_for(lambda: _sp(run, ob, "Live Renamed"), LIVE_TIMEOUT_S, "the folder rename")
    assert renamed_folder.id == sp_folder.id
    assert _sp(run, ob, "Live Renamed/Daily Log 2026-11-28.txt") is not None

    # Delete: to the SharePoint recycle bin
    user.documents.delete_file(SCOPE, doc.id)
    wait_for(lambda: _sp(run, ob, "Live Renamed/Daily Log 2026-11-28.txt") is None, LIVE_TIMEOUT_S, "the delete")
    binned = run.emulator("graph", f"/_emulator/recycle-bin?drive_id={run.site['drive_id']}")["value"]
    assert created.id in {b["id"] for b in binned}

    # Settled: no further writes by the product (no echo loop), and no timer ran.
    wait_quiet(run)
    before = _writes_by_app(run)
    wait_quiet(run)
    assert _writes_by_app(run) == before
    log = (run.stack.state_dir / "host.log").read_text(errors="replace")
    assert "Reason='Timer fired" not in log
