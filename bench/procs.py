"""CPU time and memory of the stack's processes (the host and Azurite), read with psutil.

A process is counted with its children, so a host that runs work in child processes is measured whole.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import psutil

MIB = 1024 * 1024


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds so far of these processes and their children."""
    total = 0.0
    for pid in pids:
        for proc in _tree(pid):
            try:
                t = proc.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += t.user + t.system
    return total


def rss_bytes(pid: int) -> int:
    total = 0
    for proc in _tree(pid):
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


@dataclass
class RssPeak:
    """Samples a process tree's RSS in a thread until `stop()`: the baseline and the peak."""

    pid: int
    interval: float = 0.05

    def __post_init__(self) -> None:
        self.baseline = rss_bytes(self.pid)
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="rss", daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, rss_bytes(self.pid))

    def stop(self) -> int:
        self._stop.set()
        self._thread.join(5)
        return self.peak
