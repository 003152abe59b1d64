"""Host memory while one big file crosses, each way: the host's RSS (with its children) sampled from the
person's save until the file is on the other side and the pipeline is quiet; growth = peak - before,
kept = after - before. The file is written once to a temp dir and removed afterwards.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.live import POLL_S, LiveLink
from bench.procs import RssPeak, rss_bytes
from bench.stack import BenchStack
from demo.quiet import wait_quiet
from demo.waiting import DemoFailure
from shared.graph import items as sp_items
from shared.graph import upload as sp_upload
from shared.procore.uploads import FileSource

WRITE_CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class Memory:
    direction: str
    size: int
    seconds: float
    growth: int
    kept: int


def _big_file(dir_: Path, size: int) -> Path:
    path = dir_ / "big.bin"
    with open(path, "wb") as fh:
        left = size
        block = os.urandom(WRITE_CHUNK)
        while left > 0:   # incompressible, and different per block so no layer can dedupe it
            n = min(left, WRITE_CHUNK)
            fh.write(block[:n])
            block = block[1:] + block[:1]
            left -= n
    return path


def _wait(probe: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise DemoFailure(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(POLL_S * 4)


def big_file_memory(bs: BenchStack, live: LiveLink, size: int, timeout: float) -> list[Memory]:
    """One file of `size` bytes Procore -> SharePoint, then another SharePoint -> Procore."""
    host = bs.pids()["host"]
    procore, graph = live.view.procore_client("user"), live.view.graph_session("user")
    drive = live.view.site["drive_id"]
    out: list[Memory] = []
    with tempfile.TemporaryDirectory(prefix="pcsync-bench-big-") as tmp:
        path = _big_file(Path(tmp), size)
        wait_quiet(live.view, window=1.0, timeout=timeout)

        name = "Big P2S.bin"
        up = procore.uploads.upload(live.scope, FileSource(path), filename=name)
        peak = RssPeak(host)
        started = time.monotonic()
        procore.documents.create_file(live.scope, name=name, upload_uuid=up.uuid, parent_id=live.bench_folder_id)

        def in_sp() -> bool:
            item = sp_items.get_by_path(graph, drive, live.sp_path(name))
            return item is not None and item.size == size

        _wait(in_sp, timeout, f"{name} in SharePoint")
        seconds = time.monotonic() - started
        wait_quiet(live.view, window=2.0, timeout=timeout)
        out.append(Memory("procore_to_sp", size, seconds, peak.stop() - peak.baseline, rss_bytes(host) - peak.baseline))

        name = "Big S2P.bin"
        folder = sp_items.get_by_path(graph, drive, live.sp_path())
        assert folder is not None
        peak = RssPeak(host)
        started = time.monotonic()
        sp_upload.upload_new(graph, drive, folder.id, name, path, conflict="fail")

        def in_procore() -> bool:
            files = procore.documents.folder(live.scope, live.bench_folder_id).files
            return any(f.name == name and size in (f.size, f.latest_version and f.latest_version.size)
                       for f in files)

        _wait(in_procore, timeout, f"{name} in Procore")
        seconds = time.monotonic() - started
        wait_quiet(live.view, window=2.0, timeout=timeout)
        out.append(Memory("sp_to_procore", size, seconds, peak.stop() - peak.baseline, rss_bytes(host) - peak.baseline))
    return out
