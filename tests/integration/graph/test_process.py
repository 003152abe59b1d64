"""`python -m emulators.graph` as a process: the ready file holds the contract §2 "graph" object,
the product's client (MSAL included) works against it, SIGTERM stops it cleanly, content is on disk."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from shared.graph import content, items, sites
from shared.graph.config import GraphConfig
from shared.graph.session import GraphSession

ROOT = Path(__file__).resolve().parents[3]


def test_entry_point_ready_file_and_client(tmp_path: Path) -> None:
    ready = tmp_path / "graph.json"
    data = tmp_path / "data"
    proc = subprocess.Popen([sys.executable, "-m", "emulators.graph", "--port", "0", "--data-dir", str(data),
                             "--ready-file", str(ready)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "no ready file"
            time.sleep(0.05)
        desc = json.loads(ready.read_text())
        assert set(desc) >= {"base_url", "authority", "tenant_id", "sites", "mailbox", "app", "user", "ca_file"}
        assert desc["base_url"].startswith("http://127.0.0.1:") and desc["base_url"].endswith("/v1.0")
        assert desc["authority"].startswith("https://127.0.0.1:")
        assert desc["sharepoint_url"].startswith("http://localhost:")     # uploadUrl/downloadUrl host
        assert set(desc["sites"][0]) >= {"id", "web_url", "drive_id"}
        assert set(desc["app"]) == {"client_id", "client_secret"} and desc["user"] != desc["app"]
        assert Path(desc["ca_file"]).read_text().startswith("-----BEGIN CERTIFICATE-----")
        cfg = GraphConfig(tenant_id=desc["tenant_id"], client_id=desc["app"]["client_id"],
                          client_secret=desc["app"]["client_secret"], authority=desc["authority"],
                          graph_url=desc["base_url"], ca_file=desc["ca_file"])
        with GraphSession(cfg) as session:
            site = sites.get_site(session, desc["sites"][0]["id"])
            root = items.get_by_path(session, desc["sites"][0]["drive_id"], "")
            assert root is not None and site.web_url == desc["sites"][0]["web_url"]
            made = content.put_new_small(session, desc["sites"][0]["drive_id"], root.id, "disk.txt", b"on disk")
        stored = [p for p in (data / "content").iterdir() if p.name.startswith(made.id)]
        assert len(stored) == 1 and stored[0].read_bytes() == b"on disk"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
        if proc.stdout:
            proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()
