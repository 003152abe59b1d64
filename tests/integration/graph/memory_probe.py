"""Run in a subprocess by test_memory: upload then download one file through the client and report
this process's peak memory as JSON on stdout.

Peak = max(VmHWM from /proc/self/status, RSS sampled every 20 ms). Not ru_maxrss: Linux keeps it
across execve, so it would include the forking pytest process's RSS.

Usage: python -m tests.integration.graph.memory_probe DESCRIPTOR.json SRC DEST
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import psutil

from shared.graph import content, items, upload
from shared.graph.config import GraphConfig
from shared.graph.session import GraphSession


def _hwm() -> int:
    """Peak RSS of this process image in bytes (VmHWM is reset by execve, unlike ru_maxrss)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def main() -> None:
    desc = json.loads(Path(sys.argv[1]).read_text())
    src, dest = Path(sys.argv[2]), Path(sys.argv[3])
    proc = psutil.Process()
    peak = [proc.memory_info().rss]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], proc.memory_info().rss)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    cfg = GraphConfig(tenant_id=desc["tenant_id"], client_id=desc["app"]["client_id"],
                      client_secret=desc["app"]["client_secret"], authority=desc["authority"],
                      graph_url=desc["base_url"], ca_file=desc["ca_file"])
    with GraphSession(cfg) as session:
        root = items.get_by_path(session, desc["sites"][0]["drive_id"], "")
        assert root is not None
        baseline = proc.memory_info().rss
        t0 = time.monotonic()
        up = upload.upload_new(session, desc["sites"][0]["drive_id"], root.id, src.name, src,
                               conflict="replace")
        t1 = time.monotonic()
        peak_upload = max(peak[0], _hwm())
        assert up.item is not None
        down = content.download_file(session, desc["sites"][0]["drive_id"], up.item.id, dest)
        t2 = time.monotonic()
    stop.set()
    sampler.join()
    print(json.dumps({
        "baseline_rss_mib": baseline / 2**20,
        "peak_rss_mib": max(peak[0], _hwm()) / 2**20,
        "peak_after_upload_mib": peak_upload / 2**20, "upload_s": t1 - t0, "download_s": t2 - t1,
        "local_hash": up.quick_xor_hash, "server_hash": up.item.quick_xor_hash,
        "download_hash": down.quick_xor_hash, "size": down.size,
    }))


if __name__ == "__main__":
    main()
