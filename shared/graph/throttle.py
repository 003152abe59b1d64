"""The observable throttle state of one Graph session (per tenant): what the service last said.

Updated from every response (429/503 + Retry-After, RateLimit-* headers). Runners read it (or get a
callback) to share it through Table Storage and to re-enqueue with a visibility delay.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class ThrottleState(BaseModel):
    throttled_until: dt.datetime | None = None   # do not call before this (UTC)
    last_retry_after_s: float | None = None
    last_status: int | None = None
    throttle_events: int = 0                      # 429/503 answers seen so far
    ratelimit_limit: int | None = None
    ratelimit_remaining: int | None = None
    ratelimit_reset_s: int | None = None

    def wait_s(self, now: dt.datetime) -> float:
        if self.throttled_until is None:
            return 0.0
        return max(0.0, (self.throttled_until - now).total_seconds())


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def observe(state: ThrottleState, status: int, headers: dict[str, str], retry_after: float | None,
            now: dt.datetime) -> ThrottleState:
    """A new state after a response (pure)."""
    update: dict[str, object] = {"last_status": status}
    if status in (429, 503):
        wait = retry_after if retry_after is not None else 0.0
        update.update(throttle_events=state.throttle_events + 1, last_retry_after_s=retry_after,
                      throttled_until=now + dt.timedelta(seconds=wait))
    lower = {k.lower(): v for k, v in headers.items()}
    if "ratelimit-remaining" in lower:
        update.update(ratelimit_limit=_int(lower.get("ratelimit-limit")),
                      ratelimit_remaining=_int(lower.get("ratelimit-remaining")),
                      ratelimit_reset_s=_int(lower.get("ratelimit-reset")))
    return state.model_copy(update=update)
