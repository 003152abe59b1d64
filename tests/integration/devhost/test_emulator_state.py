"""The emulators keep their state in their data dir (what the stack relies on to survive a crash): a
write answered before a SIGKILL is there after a restart on the same data dir, with the same
descriptor, tokens still valid, and nothing seeded again; and the journal behind that (emulators/persistence.py)."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from emulators import persistence
from emulators.persistence import Snapshots
from shared.graph import content, items
from shared.graph.config import GraphConfig
from shared.graph.session import GraphSession
from tests.integration.devhost.conftest import ROOT


def _spawn(module: str, data: Path, *args: str) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    ready = data.parent / f"{data.name}.ready.json"
    ready.unlink(missing_ok=True)
    proc = subprocess.Popen([sys.executable, "-m", module, "--data-dir", str(data), "--ready-file", str(ready), *args],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert proc.poll() is None, f"{module} exited with {proc.returncode}"
        assert time.monotonic() < deadline, f"{module} never got ready"
        time.sleep(0.05)
    return proc, json.loads(ready.read_text())


def _kill(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)


def _port(url: str) -> str:
    return str(urlsplit(url).port)


def test_procore_emulator_keeps_answered_writes_across_a_sigkill(tmp_path: Path) -> None:
    data = tmp_path / "procore"
    first, desc = _spawn("emulators.procore", data, "--port", "0", "--size", "small")
    try:
        token = httpx.post(desc["login_url"] + "/oauth/token",
                           data={"grant_type": "client_credentials", **desc["user"]}).json()["access_token"]
        api = httpx.Client(base_url=desc["base_url"] + "/rest/v1.0", timeout=30,
                           headers={"Authorization": f"Bearer {token}", "Procore-Company-Id": "1"})
        seeded = api.get("/folders", params={"project_id": 101}).json()
        made = api.post("/folders", params={"project_id": 101}, json={"folder": {"name": "Made before the crash"}})
        assert made.status_code == 201
        hook = api.post("/webhooks/hooks", json={"project_id": 101, "hook": {
            "namespace": "crash-test", "destination_url": "http://127.0.0.1:9/hook"}})
        assert hook.status_code == 201
        api.close()
    finally:
        _kill(first)
    second, again = _spawn("emulators.procore", data, "--port", _port(desc["base_url"]), "--size", "small")
    try:
        assert again == desc
        with httpx.Client(base_url=desc["base_url"] + "/rest/v1.0", timeout=30, headers=dict(api.headers)) as api:
            kept = api.get(f"/folders/{made.json()['id']}", params={"project_id": 101})   # the old token still works
            assert kept.status_code == 200 and kept.json()["name"] == "Made before the crash"
            hooks = api.get("/webhooks/hooks", params={"project_id": 101}).json()
            assert [h["id"] for h in hooks] == [hook.json()["id"]]
            root = api.get("/folders", params={"project_id": 101}).json()
            assert {f["id"] for f in root["folders"]} == {f["id"] for f in seeded["folders"]} | {made.json()["id"]}
            newer = api.post("/folders", params={"project_id": 101}, json={"folder": {"name": "After"}})
            assert newer.json()["id"] > made.json()["id"]                      # ids carry on, none reused
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(20) == 0


def test_graph_emulator_keeps_answered_writes_across_a_sigkill(tmp_path: Path) -> None:
    data = tmp_path / "graph"
    first, desc = _spawn("emulators.graph", data, "--port", "0")
    drive = desc["sites"][0]["drive_id"]
    cfg = GraphConfig(tenant_id=desc["tenant_id"], client_id=desc["app"]["client_id"],
                      client_secret=desc["app"]["client_secret"], authority=desc["authority"],
                      graph_url=desc["base_url"], ca_file=desc["ca_file"])
    session = GraphSession(cfg)
    try:
        root = items.get_by_path(session, drive, "")
        assert root is not None
        made = content.put_new_small(session, drive, root.id, "kept.txt", b"answered before the crash")
    finally:
        _kill(first)
    second, again = _spawn("emulators.graph", data, "--port", _port(desc["base_url"]),
                           "--tls-port", _port(desc["authority"]), "--sharepoint-port", _port(desc["sharepoint_url"]))
    try:
        assert again == desc                                   # same tenant, identities, site, CA file
        kept = items.get_item(session, drive, made.id)         # the token from before still works
        assert (kept.name, kept.quick_xor_hash, kept.etag) == ("kept.txt", made.quick_xor_hash, made.etag)
        out = io.BytesIO()
        content.download_to(session, drive, made.id, out)
        assert out.getvalue() == b"answered before the crash"
    finally:
        session.close()
        second.send_signal(signal.SIGTERM)
        assert second.wait(20) == 0


def test_the_journal_replays_in_order_drops_a_torn_tail_and_folds_into_a_snapshot(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state: dict[str, int] = {"n": 0}
    changed: list[int] = []

    def snaps() -> Snapshots:
        return Snapshots(tmp_path, "probe", lambda: dict(state), threading.RLock(),
                         delta=lambda: list(changed), taken=changed.clear)

    first = snaps()
    first.save()                                            # the first save after a start: a snapshot
    for n in (1, 2, 3):
        state["n"] = n
        changed.append(n)
        first.save()
    journal = next(tmp_path.glob("state.journal.*"))
    assert snaps().load() == ({"n": 0}, [[1], [2], [3]])
    journal.write_bytes(journal.read_bytes()[:-3])          # a crash in the middle of the last append
    assert snaps().load() == ({"n": 0}, [[1], [2]])

    monkeypatch.setattr(persistence, "MIN_COMPACT_BYTES", 0)
    again = snaps()
    again.load()
    again.save()                                            # after a start: folded into a new snapshot
    assert not journal.exists() and snaps().load() == ({"n": 3}, [])
