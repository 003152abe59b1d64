"""The one retry policy for Procore calls, on top of shared.http_policy.classify.

- 429/503 (THROTTLED): the request was not processed, so any method may be retried after the wait
  the ThrottleGate computes (Retry-After / X-Rate-Limit-Reset), if that wait is short.
- 5xx, timeouts, dropped connections (RETRY): only idempotent methods; a connect error (nothing
  was sent) is retried for any method. Full-jitter exponential backoff, capped.
- 401: refresh the token once, then retry.
Waits longer than `max_inline_wait_s` raise errors.Throttled so the queue step can re-enqueue.
"""

from __future__ import annotations

import random

import httpx
from pydantic import BaseModel, ConfigDict

from shared.http_policy import MAX_INLINE_WAIT_S, Action, Resolution

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
DEFAULT_MAX_ATTEMPTS = 5


class RetryPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    max_inline_wait_s: float = MAX_INLINE_WAIT_S
    base_backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    jitter_fraction: float = 0.1      # added on top of server-advised waits

    def retryable(self, resolution: Resolution, method: str, exc: Exception | None, attempt: int) -> bool:
        if attempt >= self.max_attempts:
            return False
        if resolution.action is Action.THROTTLED:
            return True
        if resolution.action is Action.RETRY:
            never_sent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
            return method.upper() in IDEMPOTENT or never_sent
        return False

    def backoff_s(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.max_backoff_s, self.base_backoff_s * 2 ** max(0, attempt - 1)))

    def padded(self, wait_s: float, rng: random.Random) -> float:
        return wait_s * (1 + rng.uniform(0, self.jitter_fraction))
