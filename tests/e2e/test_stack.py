"""`./dev stack`: writes stack.json once the stack answers, and SIGTERM leaves no child behind."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[2]


def _wait_for(path: Path, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, f"stack exited early with {proc.returncode}"
        assert time.monotonic() < deadline, "stack.json never appeared"
        time.sleep(0.1)


def test_stack_starts_answers_and_stops_cleanly(tmp_path: Path) -> None:
    state = tmp_path / "state"
    log = open(tmp_path / "stack.out", "wb")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen([sys.executable, "-m", "devhost.stack", "--state-dir", str(state)], cwd=ROOT,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for(state / "stack.json", proc)
        doc = json.loads((state / "stack.json").read_text())
        assert doc["admin_key"] and "AccountKey=" in doc["storage_connection_string"]
        health = httpx.get(doc["functions_url"] + "/api/health", timeout=10)
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        for key in ("procore", "graph"):
            if key in doc:  # emulators join the stack as their packages land
                assert doc[key]["base_url"].startswith("http")
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) >= 2  # Azurite and the host at least
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
        gone, alive = psutil.wait_procs(children, timeout=10)
        assert not alive, [p.pid for p in alive]
        assert not (state / "stack.json").exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        log.close()
