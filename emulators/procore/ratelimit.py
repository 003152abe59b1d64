"""Per-token hourly and 10-second spike windows, reported through X-Rate-Limit-* headers.

Fixed windows starting at a token's first request. Every response reports the window with fewer
requests left (usually the spike window), as Procore documents. Rejected requests do not count.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from .config import EmulatorConfig


@dataclass
class _Window:
    start: float
    count: int = 0


@dataclass
class Verdict:
    allowed: bool
    headers: dict[str, str]
    retry_after: int = 0


class RateLimiter:
    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self._windows: dict[tuple[str, str], _Window] = {}
        self._lock = threading.Lock()

    def _window(self, key: str, kind: str, length: float, now: float) -> _Window:
        w = self._windows.get((key, kind))
        if w is None or now >= w.start + length:
            w = _Window(now)
            self._windows[(key, kind)] = w
        return w

    def hit(self, key: str, now: float) -> Verdict:
        c = self.config
        kinds = (("spike", c.rate_spike_limit, c.rate_spike_window_s),
                 ("hourly", c.rate_hourly_limit, c.rate_hourly_window_s))
        with self._lock:
            state = [(kind, limit, length, self._window(key, kind, length, now)) for kind, limit, length in kinds]
            exhausted = [s for s in state if s[3].count >= s[1]]
            if exhausted:
                kind, limit, length, w = max(exhausted, key=lambda s: s[3].start + s[2])
                reset = w.start + length
                return Verdict(False, _headers(limit, 0, reset), max(1, math.ceil(reset - now)))
            for s in state:
                s[3].count += 1
            kind, limit, length, w = min(state, key=lambda s: s[1] - s[3].count)
            return Verdict(True, _headers(limit, limit - w.count, w.start + length))

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()


def _headers(limit: int, remaining: int, reset: float) -> dict[str, str]:
    return {
        "X-Rate-Limit-Limit": str(limit),
        "X-Rate-Limit-Remaining": str(max(0, remaining)),
        "X-Rate-Limit-Reset": str(math.ceil(reset)),
    }
