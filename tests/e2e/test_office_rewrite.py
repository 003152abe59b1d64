"""Issue 6 item 2, echo suppression when SharePoint rewrites Office files: with the Graph emulator's
`office_rewrite` switch on, SharePoint stores every uploaded .docx with other bytes (size, quickXorHash)
than were sent, as real SharePoint does. A .docx a person makes in Procore arrives in SharePoint
(rewritten there) and then nothing more happens: no write by the product on either side, one Procore
version, not even after a reconciliation pass over a forced delta resync. A person's edit of it in
SharePoint arrives in Procore as exactly one new version holding SharePoint's stored bytes, and a new
Procore version arrives in SharePoint as exactly one new SharePoint version, each settling the same way
and without a conflict. Both delivery modes (every queue message once, and twice).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulators.graph.office import REWRITE_TRAILER
from shared.graph import content as sp_content
from shared.graph import items as sp_items
from shared.graph.models import DriveItem
from shared.procore.client import ProcoreClient
from shared.procore.models import DocFile
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from tests.support.e2e import Onboarded, Running, quickxor_of, wait_for, wait_quiet
from tests.support.live import DELIVERY_MODES, live_link

PROJECT = 101
SCOPE = Scope.project(PROJECT)
NAME = "Site Report.docx"
LIVE_TIMEOUT_S = 90          # a SharePoint edit may wait out the tenant's quiet period first
Writes = tuple[dict[str, int], dict[str, int]]


@pytest.fixture(scope="module", params=DELIVERY_MODES)
def live(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, Onboarded]]:
    """Its own stack, not the shared one: the Graph switch is the whole emulator's, and the reconciliation
    timer this test runs passes over every link of the host."""
    stack = live_link(request.param, tmp_path_factory.mktemp("office-rewrite"))
    run, ob = next(stack)
    try:
        run.emulator("graph", "/_emulator/config", {"office_rewrite": True})
        yield run, ob
    finally:
        stack.close()


def _docx(text: str) -> bytes:
    """A small but real Word package (what SharePoint's property writer would open)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as pkg:
        pkg.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        pkg.writestr("word/document.xml", f'<?xml version="1.0"?><w:document><w:t>{text}</w:t></w:document>')
    return out.getvalue()


def _qx(data: bytes) -> str:
    return quickxor_of(iter([data]))


def _writes(run: Running) -> Writes:
    """Write calls the product (the app identities) made so far: (Graph, Procore), by route template."""
    graph: dict[str, Any] = run.emulator("graph", "/_emulator/stats")
    procore: dict[str, Any] = run.emulator("procore", "/_emulator/stats")
    g = graph["clients"][run.doc["graph"]["app"]["client_id"]]["routes"]
    p = procore["by_client"].get(run.doc["procore"]["app"]["client_id"], {"routes": {}})["routes"]
    writes = ("POST", "PUT", "PATCH", "DELETE")
    return ({r: n for r, n in g.items() if r.split(" ")[0] in writes},
            {r: v["calls"] for r, v in p.items() if r.split(" ")[0] in writes})


def _assert_settles(run: Running, what: str) -> None:
    """The pipeline goes quiet (nothing pending or deferred, no call to either service for a while) and then
    writes nothing more on either side."""
    try:
        wait_quiet(run)
    except AssertionError as exc:
        raise AssertionError(f"the product kept working after {what}: {exc}") from None
    before = _writes(run)
    wait_quiet(run)
    assert _writes(run) == before, f"the product kept writing after {what}"


def _sp_file(run: Running, ob: Onboarded) -> DriveItem | None:
    return sp_items.get_by_path(run.graph_session("user"), run.site["drive_id"], f"{ob.folder_path}/Documents/{NAME}")


def _sp_versions(run: Running, item_id: str) -> int:
    resp = run.graph_session("user").request("GET", f"/drives/{run.site['drive_id']}/items/{item_id}/versions",
                                             route="/drives/{drive-id}/items/{item-id}/versions")
    return len(resp.json()["value"])


def _procore_file(user: ProcoreClient, file_id: int) -> DocFile:
    return user.documents.file(SCOPE, file_id)


def _procore_bytes(user: ProcoreClient, file_id: int) -> bytes:
    latest = _procore_file(user, file_id).latest_version
    assert latest is not None
    return b"".join(user.downloads.iter_bytes(latest.url))


def _reconcile(run: Running) -> None:
    """Run the reconciliation timer now (the devhost admin endpoint) and wait until its pass ran."""
    log_path = run.stack.state_dir / "host.log"
    seen = log_path.read_text(errors="replace").count("reconcile timer:")
    with httpx.Client(base_url=run.doc["functions_url"], timeout=30) as http:
        http.post("/admin/functions/reconcile_links", json={"input": ""},
                  headers={"x-functions-key": run.stack.master_key}).raise_for_status()
    wait_for(lambda: log_path.read_text(errors="replace").count("reconcile timer:") > seen, 30,
             "the reconciliation timer to run")


def _no_conflict(run: Running) -> None:
    log = (run.stack.state_dir / "host.log").read_text(errors="replace")
    assert "conflict on" not in log, "a rewritten Office file was taken for a conflicting edit"


def test_rewritten_office_file_settles_and_edits_still_flow(live: tuple[Running, Onboarded],
                                                            tmp_path: Path) -> None:
    run, ob = live
    user, graph = run.procore_client("user"), run.graph_session("user")
    drive = run.site["drive_id"]

    # A person makes a .docx in Procore; SharePoint stores it rewritten.
    sent = _docx("written in Procore")
    source = tmp_path / "report.docx"
    source.write_bytes(sent)
    root = user.documents.root(SCOPE, exclude_files=True)
    doc = user.documents.create_file(SCOPE, name=NAME, parent_id=root.id,
                                     upload_uuid=user.uploads.upload(SCOPE, FileSource(source), filename=NAME).uuid)
    arrived = wait_for(lambda: _sp_file(run, ob), LIVE_TIMEOUT_S, "the .docx in SharePoint")
    assert arrived.quick_xor_hash == _qx(sent + REWRITE_TRAILER) != _qx(sent)     # SharePoint rewrote it
    assert arrived.size == len(sent) + len(REWRITE_TRAILER)

    # Settled: nothing re-uploaded or copied back, one version on each side.
    _assert_settles(run, "the first copy")
    assert len(_procore_file(user, doc.id).file_versions) == 1
    assert _procore_bytes(user, doc.id) == sent
    still = _sp_file(run, ob)
    assert still is not None and (still.etag, still.quick_xor_hash) == (arrived.etag, arrived.quick_xor_hash)
    assert _sp_versions(run, arrived.id) == 1

    # A reconciliation pass, over a forced delta resync (a full enumeration), finds nothing to do either.
    run.emulator("graph", "/_emulator/delta/resync", {"drive_id": drive})
    before = _writes(run)
    _reconcile(run)
    wait_quiet(run)   # every step the pass started has run
    assert _writes(run) == before, "the reconciliation pass wrote something"
    assert len(_procore_file(user, doc.id).file_versions) == 1
    assert _sp_versions(run, arrived.id) == 1

    # A person edits it in SharePoint: Procore gets exactly one new version, with SharePoint's stored bytes.
    edited = _docx("edited in SharePoint, with a longer paragraph")
    saved = sp_content.put_replace_small(graph, drive, arrived.id, edited)
    assert saved.quick_xor_hash == _qx(edited + REWRITE_TRAILER)
    wait_for(lambda: len(_procore_file(user, doc.id).file_versions) >= 2, LIVE_TIMEOUT_S,
             "the SharePoint edit in Procore")
    _assert_settles(run, "the SharePoint edit")
    assert len(_procore_file(user, doc.id).file_versions) == 2
    assert _procore_bytes(user, doc.id) == edited + REWRITE_TRAILER
    after_edit = _sp_file(run, ob)
    assert after_edit is not None and after_edit.etag == saved.etag      # the product wrote nothing back
    assert _sp_versions(run, arrived.id) == 2

    # A new version in Procore: exactly one new SharePoint version (rewritten again), no conflict.
    third = _docx("third version, made in Procore")
    source.write_bytes(third)
    user.documents.add_version(SCOPE, doc.id,
                               upload_uuid=user.uploads.upload(SCOPE, FileSource(source), filename=NAME).uuid)
    wait_for(lambda: (i := _sp_file(run, ob)) is not None and i.quick_xor_hash == _qx(third + REWRITE_TRAILER),
             LIVE_TIMEOUT_S, "the Procore version in SharePoint")
    _assert_settles(run, "the Procore version")
    assert _sp_versions(run, arrived.id) == 3
    assert len(_procore_file(user, doc.id).file_versions) == 3
    assert _procore_bytes(user, doc.id) == third
    _reconcile(run)
    _assert_settles(run, "a last reconciliation pass")
    assert _sp_versions(run, arrived.id) == 3 and len(_procore_file(user, doc.id).file_versions) == 3
    _no_conflict(run)
