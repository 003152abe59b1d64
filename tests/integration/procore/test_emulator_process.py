"""The emulator as a process: `python -m emulators.procore ... --ready-file FILE` (used by the stack),
the /_emulator/ surface of contract §3, and the deterministic seed generator."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from emulators.procore.server import start

from .conftest import control_of, raw_token

ROOT = Path(__file__).resolve().parents[3]
DESCRIPTOR_KEYS = {"base_url", "login_url", "company_id", "projects", "app", "user"}


def test_process_writes_the_descriptor_and_stops_cleanly(tmp_path: Path) -> None:
    ready, log = tmp_path / "procore.json", tmp_path / "emulator.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "emulators.procore", "--port", "0", "--data-dir",
                                 str(tmp_path / "data"), "--ready-file", str(ready), "--seed", "3", "--size", "small"],
                                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        d = json.loads(ready.read_text())
        assert set(d) == DESCRIPTOR_KEYS
        assert set(d["app"]) == set(d["user"]) == {"client_id", "client_secret"}
        assert d["company_id"] == 1 and all(set(p) == {"id", "name"} for p in d["projects"])
        token = httpx.post(d["login_url"] + "/oauth/token", data={"grant_type": "client_credentials", **d["app"]})
        assert token.status_code == 200
        me = httpx.get(d["base_url"] + "/rest/v1.0/me", headers={
            "Authorization": f"Bearer {token.json()['access_token']}", "Procore-Company-Id": str(d["company_id"])})
        assert me.status_code == 200
        assert any((tmp_path / "data" / "blobs").iterdir())        # content lives on disk
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0


def test_contract_surface_faults_stats_and_reset(tmp_path: Path) -> None:
    with start(tmp_path, size="small") as emu:
        control = control_of(emu)
        headers = {"Authorization": f"Bearer {raw_token(emu)}", "Procore-Company-Id": "1"}
        control.post("/faults", {"error_rate": 1.0, "statuses": [500], "latency_ms": 50, "seed": 7})
        started = time.monotonic()
        assert httpx.get(emu.base_url + "/rest/v1.0/me", headers=headers).status_code == 500
        assert time.monotonic() - started >= 0.05
        assert httpx.get(emu.base_url + "/_emulator/stats").status_code == 200      # never faulted
        control.post("/faults", {"error_rate": 0.0})
        assert httpx.get(emu.base_url + "/rest/v1.0/me", headers=headers).status_code == 200
        stats = control.get("/stats")
        me = stats["by_client"]["pcsync-app-client"]["routes"]["GET /rest/v1.0/me"]
        assert me == {"calls": 2, "statuses": {"500": 1, "200": 1}}
        assert stats["bytes_out"] > 0 and stats["total_calls"] >= 3
        control.post("/reset-stats")
        assert control.get("/stats")["total_calls"] == 0
        assert control.post("/notifications", {"drop_rate": 0.5})["drop_rate"] == 0.5


def _tree(emu) -> list[tuple[str, int]]:
    st = emu.state
    return sorted((f.name, st.versions[f.versions[-1]].size) for f in st.files.values())


def test_seed_is_deterministic_and_seed_dependent(tmp_path: Path) -> None:
    with start(tmp_path / "a", seed=5) as a, start(tmp_path / "b", seed=5) as b, start(tmp_path / "c", seed=6) as c:
        assert _tree(a) == _tree(b)
        assert _tree(a) != _tree(c)
        names = [n for n, _ in _tree(a)]
        assert any("#" in n for n in names) and any("&" in n for n in names)
        assert any(not n.isascii() for n in [f.name for f in a.state.folders.values()] + names)
        kinds = {r.tool for r in a.state.records.values()}
        assert {"rfis", "submittals", "drawing_revisions", "forms", "observation_items", "checklist_lists",
                "incidents", "work_order_contracts", "purchase_order_contracts"} <= kinds
        assert a.state.images and a.state.albums


def test_demo_size_is_a_realistic_project(tmp_path: Path) -> None:
    with start(tmp_path, size="demo") as emu:
        st = emu.state
        files = [f for f in st.files.values() if f.scope == ("project", 101)]
        folders = [f for f in st.folders.values() if f.scope == ("project", 101)]
        assert len(files) > 40 and len(folders) > 20
        depth = max(len(_path(st, f.id).split("/")) for f in folders)
        assert depth >= 4
        sizes = {st.versions[f.versions[-1]].size for f in files}
        assert max(sizes) > 1_000_000 and min(sizes) < 50_000


def _path(st, folder_id: int) -> str:
    from emulators.procore.tree import path_of
    return path_of(st, folder_id)
