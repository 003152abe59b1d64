"""Retry policy as data: a pure classifier from a response (or transport error) to a Resolution.

Clients call classify() and act on the Resolution; they retry in-process only idempotent reads and
only for short waits (MAX_INLINE_WAIT_S). Anything longer becomes Throttled and goes back to the queue
with a visibility delay. Never imports azure.functions.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import httpx

from shared import errors

MAX_INLINE_WAIT_S = 5.0
MAX_BACKOFF_S = 60.0
BASE_BACKOFF_S = 0.5
# A locked item (open in Office, checked out in Procore) can stay locked all day: it is looked at again
# at most every LOCKED_MAX_BACKOFF_S, for about a day (MAX_LOCKED_ATTEMPTS), before the item is failed.
LOCKED_MAX_BACKOFF_S = 300.0
MAX_LOCKED_ATTEMPTS = 400


class Action(enum.Enum):
    OK = "ok"
    RETRY = "retry"                               # transient; back off and retry (idempotent calls)
    THROTTLED = "throttled"                       # honour retry_after
    REFRESH_TOKEN_THEN_RETRY = "refresh_token"    # once
    LOCKED = "locked"
    ALREADY_DONE = "already_done"                 # 404 on a delete
    FAIL = "fail"


class Failure(enum.Enum):
    NONE = "none"
    TRANSIENT = "transient"
    CONFIG = "config"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    BUG = "bug"


@dataclass(frozen=True)
class Resolution:
    action: Action
    failure: Failure = Failure.NONE
    retry_after: float | None = None


_STATUS_TABLE: dict[int, Resolution] = {
    401: Resolution(Action.REFRESH_TOKEN_THEN_RETRY, Failure.CONFIG),
    403: Resolution(Action.FAIL, Failure.CONFIG),
    404: Resolution(Action.FAIL, Failure.NOT_FOUND),
    409: Resolution(Action.FAIL, Failure.CONFLICT),
    412: Resolution(Action.FAIL, Failure.CONFLICT),
    423: Resolution(Action.LOCKED, Failure.TRANSIENT),
    429: Resolution(Action.THROTTLED, Failure.TRANSIENT),
    503: Resolution(Action.THROTTLED, Failure.TRANSIENT),
}


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent/garbled."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


def classify(outcome: httpx.Response | Exception, *, is_delete: bool = False) -> Resolution:
    """Map a response or a transport exception to what the caller should do."""
    if isinstance(outcome, Exception):
        if isinstance(outcome, (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)):
            return Resolution(Action.RETRY, Failure.TRANSIENT)
        return Resolution(Action.FAIL, Failure.BUG)
    status = outcome.status_code
    if status < 400:
        return Resolution(Action.OK)
    if status == 404 and is_delete:
        return Resolution(Action.ALREADY_DONE)
    retry_after = parse_retry_after(outcome.headers.get("Retry-After"))
    known = _STATUS_TABLE.get(status)
    if known is not None:
        return Resolution(known.action, known.failure, retry_after)
    if status >= 500:
        return Resolution(Action.RETRY, Failure.TRANSIENT, retry_after)
    return Resolution(Action.FAIL, Failure.BUG)


def backoff_delay(attempt: int, retry_after: float | None = None, *, rng: random.Random | None = None) -> float:
    """Retry-After first; otherwise capped exponential backoff with full jitter."""
    if retry_after is not None:
        return min(retry_after, MAX_BACKOFF_S)
    rng = rng or random.Random()
    return rng.uniform(0, min(MAX_BACKOFF_S, BASE_BACKOFF_S * (2 ** max(0, attempt - 1))))


def locked_delay(attempt: int, retry_after: float | None = None, *, rng: random.Random | None = None) -> float:
    """When to look at a locked item again: the lock's end if known, else doubling up to the cap (half
    jitter: never sooner than half the step, so a day of tries stays a day)."""
    if retry_after is not None:
        return min(max(retry_after, BASE_BACKOFF_S), LOCKED_MAX_BACKOFF_S)
    step = min(LOCKED_MAX_BACKOFF_S, BASE_BACKOFF_S * (2 ** max(0, attempt - 1)))
    return (rng or random.Random()).uniform(step / 2, step)


def to_error(resolution: Resolution, message: str) -> errors.SyncError:
    """The exception a client raises when it gives up on a Resolution."""
    if resolution.action is Action.THROTTLED:
        return errors.Throttled(message, retry_after=resolution.retry_after)
    if resolution.action is Action.LOCKED:
        return errors.Locked(message, retry_after=resolution.retry_after)
    if resolution.failure is Failure.TRANSIENT:
        return errors.Unavailable(message, retry_after=resolution.retry_after)
    if resolution.failure is Failure.CONFIG:
        if resolution.action is Action.REFRESH_TOKEN_THEN_RETRY:
            return errors.BadCredentials(message)
        return errors.PermissionDenied(message)
    if resolution.failure is Failure.NOT_FOUND:
        return errors.NotFound(message)
    if resolution.failure is Failure.CONFLICT:
        return errors.Conflict(message)
    return errors.InvariantBroken(message)
