"""One supervised child of the stack: started from a fixed command line, waited on through its ready
file, and restarted with a doubling backoff when it dies. A child that keeps dying within
STABLE_AFTER_S of its start is given up after MAX_QUICK_RESTARTS (the stack then stops, loudly).
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
FIRST_BACKOFF_S = 0.5
MAX_BACKOFF_S = 30.0
STABLE_AFTER_S = 60.0      # up this long: the next death starts the backoff afresh
MAX_QUICK_RESTARTS = 5


def die_with_parent() -> None:
    """Linux: deliver SIGTERM to the child when the stack process dies, however it dies."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def say(message: str) -> None:
    """The stack's own log line (stderr, timestamped)."""
    print(f"{time.strftime('%H:%M:%S')} stack: {message}", file=sys.stderr, flush=True)


class GaveUp(RuntimeError):
    """A child crash-looped past MAX_QUICK_RESTARTS."""


@dataclass
class Child:
    """A child process with a ready file (`--ready-file` is appended to `argv`)."""

    name: str
    argv: list[str]
    cwd: Path
    state_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    descriptor: dict[str, Any] = field(default_factory=dict)
    started_at: float = 0.0
    quick_restarts: int = 0
    restart_at: float | None = None       # when a dead child is due to be started again
    restarts: int = 0
    first_backoff_s: float = FIRST_BACKOFF_S

    @property
    def ready_file(self) -> Path:
        return self.state_dir / f"{self.name}.ready.json"

    def start(self, stopping: threading.Event | None = None) -> dict[str, Any]:
        """Start and wait for the ready file; RuntimeError when it exits or times out first."""
        self.ready_file.unlink(missing_ok=True)
        log = open(self.state_dir / f"{self.name}.log", "ab")  # noqa: SIM115 - the child keeps writing to it
        self.proc = subprocess.Popen(
            [*self.argv, "--ready-file", str(self.ready_file)], cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, env={**os.environ, **self.env}, preexec_fn=die_with_parent,
        )
        log.close()
        self.started_at = time.monotonic()
        deadline = self.started_at + READY_TIMEOUT_S
        while (descriptor := self._read_ready()) is None:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; "
                                   f"see {self.state_dir / (self.name + '.log')}")
            if time.monotonic() > deadline or (stopping is not None and stopping.is_set()):
                self.stop()
                raise RuntimeError(f"{self.name} was not ready within {READY_TIMEOUT_S:.0f} s")
            time.sleep(0.05)
        self.descriptor = descriptor
        return self.descriptor

    def _read_ready(self) -> dict[str, Any] | None:
        """The ready file's descriptor, or None while it is absent or still being written (a child that
        writes it in place is seen with an empty or partial file for a moment)."""
        try:
            descriptor = json.loads(self.ready_file.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        return descriptor if isinstance(descriptor, dict) else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def supervise(self, stopping: threading.Event, on_restart: Callable[[Child], None]) -> None:
        """Call often: notices a death, waits out the backoff, restarts (GaveUp when crash-looping)."""
        if self.proc is None or self.alive():
            return
        now = time.monotonic()
        if self.restart_at is None:
            up = now - self.started_at
            self.quick_restarts = self.quick_restarts + 1 if up < STABLE_AFTER_S else 1
            if self.quick_restarts > MAX_QUICK_RESTARTS:
                raise GaveUp(f"{self.name} died {self.quick_restarts} times in a row within {STABLE_AFTER_S:.0f} s "
                             f"of starting (last exit {self.proc.returncode}); giving up, see "
                             f"{self.state_dir / (self.name + '.log')}")
            backoff = min(MAX_BACKOFF_S, self.first_backoff_s * 2 ** (self.quick_restarts - 1))
            self.restart_at = now + backoff
            say(f"{self.name} (pid {self.proc.pid}) exited with {self.proc.returncode} after {up:.1f} s; "
                f"restarting in {backoff:.1f} s (attempt {self.quick_restarts} of {MAX_QUICK_RESTARTS})")
        if now < self.restart_at:
            return
        self.restart_at = None
        try:
            self.start(stopping)
        except RuntimeError as exc:
            say(f"{self.name} did not come back: {exc}")
            return                           # dead again: the next call counts it and backs off further
        self.restarts += 1
        say(f"{self.name} restarted (pid {self.proc.pid if self.proc else '?'})")
        on_restart(self)

    def stop(self) -> None:
        """SIGTERM, STOP_TIMEOUT_S to finish, then SIGKILL."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
