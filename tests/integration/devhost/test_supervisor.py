"""The stack's supervision of one child (devhost/supervisor.py) with real processes: a killed child
comes back through its ready file, and a crash-looping one is given up with a clear line, not retried
forever."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from devhost.supervisor import MAX_QUICK_RESTARTS, Child, GaveUp

# Writes its ready file (the last argument), then lives for LIFE seconds and exits with 3.
CHILD = ("import sys, time, pathlib; pathlib.Path(sys.argv[-1]).write_text('{\"pid\": 1}'); "
         "time.sleep(float(sys.argv[1])); sys.exit(3)")


def _child(tmp_path: Path, life: float) -> Child:
    return Child("probe", [sys.executable, "-c", CHILD, str(life)], tmp_path, tmp_path, first_backoff_s=0.05)


def test_a_killed_child_is_started_again(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    child = _child(tmp_path, 300)
    stopping = threading.Event()
    came_back: list[Child] = []
    try:
        assert child.start(stopping) == {"pid": 1}
        assert child.proc is not None
        first = child.proc.pid
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while not came_back:
            assert time.monotonic() < deadline, "the child was not restarted"
            child.supervise(stopping, came_back.append)
            time.sleep(0.02)
        assert child.alive() and child.proc.pid != first and child.restarts == 1
        err = capsys.readouterr().err
        assert f"probe (pid {first}) exited with -9" in err and "probe restarted" in err
    finally:
        child.stop()
    assert not child.alive()


def test_a_crash_looping_child_is_given_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    child = _child(tmp_path, 0.1)
    stopping = threading.Event()
    child.start(stopping)
    deadline = time.monotonic() + 60
    with pytest.raises(GaveUp, match=r"probe died 6 times in a row .* giving up"):
        while True:
            assert time.monotonic() < deadline, "never gave up"
            child.supervise(stopping, lambda _c: None)
            time.sleep(0.02)
    assert child.restarts == MAX_QUICK_RESTARTS
    err = capsys.readouterr().err
    assert err.count("restarting in") == MAX_QUICK_RESTARTS
    assert "restarting in 0.8 s (attempt 5 of 5)" in err  # the backoff doubled: 0.05 .. 0.8
