"""The initial sync's progress bar, from the status API's counts: (synced + skipped) of the items the
Procore project holds, and files per second. On a terminal it redraws one line (`\\r`); elsewhere (CI
logs, pipes) it prints a plain line every few seconds.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any, TextIO

from demo.onboarding import Onboarded, check_stage, link_status
from demo.stack import Running
from demo.waiting import DemoFailure

BAR_WIDTH = 30
LINE_EVERY_S = 3.0
POLL_S = 0.5


@dataclass
class SyncResult:
    status: dict[str, Any]
    seconds: float


def _done(status: dict[str, Any]) -> tuple[int, int]:
    """(items done, files synced) from a status answer."""
    counts = status["counts"]
    files = status.get("counts_by_kind", {}).get("file", {}).get("synced", 0)
    return int(counts["synced"]) + int(counts["skipped"]), int(files)


def render(done: int, total: int, files: int, elapsed: float, *, bar: bool) -> str:
    total = max(total, done, 1)
    rate = files / elapsed if elapsed > 0 else 0.0
    text = f"{done:>4}/{total} items  {files:>4} files  {rate:5.1f} files/s  {elapsed:5.1f} s"
    if not bar:
        return f"  initial sync: {100 * done // total:>3}%  {text}"
    filled = BAR_WIDTH * done // total
    return f"  initial sync [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {text}"


def follow_initial_sync(run: Running, ob: Onboarded, total: int, timeout: float,
                        out: TextIO = sys.stdout) -> SyncResult:
    """Poll the link's status until it is `regular`, drawing progress; DemoFailure on timeout or stop."""
    tty = out.isatty()
    start = time.monotonic()
    last_line = 0.0
    status = link_status(run, ob)
    while True:
        elapsed = time.monotonic() - start
        done, files = _done(status)
        finished = check_stage(status)
        if tty:
            out.write("\r" + render(done, total, files, elapsed, bar=True))
            out.flush()
        elif finished or elapsed - last_line >= LINE_EVERY_S:
            last_line = elapsed
            out.write(render(done, total, files, elapsed, bar=False) + "\n")
            out.flush()
        if finished:
            if tty:
                out.write("\n")
            return SyncResult(status, elapsed)
        if elapsed > timeout:
            if tty:
                out.write("\n")
            counts = status["counts"]
            raise DemoFailure(f"the initial sync did not finish within {timeout:.0f} s: stage {status['stage']}, "
                              f"{done}/{total} items done, counts {counts}")
        time.sleep(POLL_S)
        status = link_status(run, ob)
