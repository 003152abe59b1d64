"""Observable rate-limit state (from X-Rate-Limit-*, Retry-After, 429/503) and a gate that paces calls.

ThrottleState is a small pydantic model other workers can persist (Table Storage) and share:
`gate.snapshot()` to save it, `gate.merge(state)` to adopt what another worker learned. The gate
reserves one request per call against `remaining`, so concurrent threads do not overrun the window.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

from pydantic import BaseModel, ConfigDict

from shared.http_policy import parse_retry_after

SAFETY_S = 0.05        # wait a little past the advertised reset


class ThrottleState(BaseModel):
    model_config = ConfigDict(frozen=True)

    schema_version: int = 1
    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None          # epoch seconds when the reported window resets
    blocked_until: float | None = None     # epoch seconds; set by 429/503
    updated_at: float = 0.0

    def wait_s(self, now: float) -> float:
        """How long to wait before the next call (0 = go)."""
        wait = 0.0
        if self.blocked_until is not None and self.blocked_until > now:
            wait = self.blocked_until - now
        if self.remaining is not None and self.remaining <= 0 and self.reset_at is not None and self.reset_at > now:
            wait = max(wait, self.reset_at - now + SAFETY_S)
        return wait

    def observe(self, status: int, headers: Mapping[str, str], now: float) -> ThrottleState:
        """The state after a response (pure)."""
        limit, remaining, reset_at = self.limit, self.remaining, self.reset_at
        if "x-rate-limit-remaining" in headers:
            limit = _int(headers.get("x-rate-limit-limit"), limit)
            remaining = _int(headers.get("x-rate-limit-remaining"), remaining)
            reset_raw = headers.get("x-rate-limit-reset")
            reset_at = float(reset_raw) if reset_raw and reset_raw.strip().isdigit() else reset_at
        blocked = self.blocked_until if (self.blocked_until or 0) > now else None
        if status in (429, 503):
            retry_after = parse_retry_after(headers.get("retry-after"))
            until = now + retry_after if retry_after is not None else None
            if status == 429:
                remaining = 0
                if reset_at is not None and reset_at > now:
                    until = max(until or 0.0, reset_at + SAFETY_S)
            if until is None:
                until = now + 1.0
            blocked = max(blocked or 0.0, until)
        return ThrottleState(limit=limit, remaining=remaining, reset_at=reset_at, blocked_until=blocked,
                             updated_at=now)

    def reserve(self, now: float) -> ThrottleState:
        """Count one request against `remaining` (forgetting a window that has already reset)."""
        if self.reset_at is not None and now >= self.reset_at:
            return self.model_copy(update={"remaining": None, "reset_at": None})
        if self.remaining is not None and self.remaining > 0:
            return self.model_copy(update={"remaining": self.remaining - 1})
        return self


def _int(raw: str | None, default: int | None) -> int | None:
    try:
        return int(raw) if raw is not None else default
    except ValueError:
        return default


class ThrottleGate:
    """Thread-safe holder of a ThrottleState; `on_change` lets a worker persist/share it."""

    def __init__(self, state: ThrottleState | None = None,
                 on_change: Callable[[ThrottleState], None] | None = None) -> None:
        self._state = state or ThrottleState()
        self._lock = threading.Lock()
        self._on_change = on_change
        self.waited_s = 0.0

    def snapshot(self) -> ThrottleState:
        return self._state

    def merge(self, other: ThrottleState) -> None:
        """Adopt a state another worker saw, keeping the stricter block."""
        with self._lock:
            mine = self._state
            newer = other if other.updated_at >= mine.updated_at else mine
            blocked = max(mine.blocked_until or 0.0, other.blocked_until or 0.0) or None
            self._state = newer.model_copy(update={"blocked_until": blocked})

    def acquire(self, now: float) -> float:
        """0 when a request may go now (and it is counted); else seconds to wait."""
        with self._lock:
            wait = self._state.wait_s(now)
            if wait > 0:
                return wait
            self._state = self._state.reserve(now)
            return 0.0

    def observe(self, status: int, headers: Mapping[str, str], now: float) -> None:
        with self._lock:
            self._state = self._state.observe(status, headers, now)
            state = self._state
        if self._on_change is not None:
            self._on_change(state)
