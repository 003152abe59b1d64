"""The retry classifier: a table of statuses and exceptions to what the caller must do."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest

from shared import errors
from shared.http_policy import (
    LOCKED_MAX_BACKOFF_S,
    MAX_BACKOFF_S,
    MAX_LOCKED_ATTEMPTS,
    Action,
    Failure,
    backoff_delay,
    classify,
    locked_delay,
    parse_retry_after,
    to_error,
)


def _resp(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers)


@pytest.mark.parametrize(
    ("status", "action", "error"),
    [
        (200, Action.OK, None),
        (302, Action.OK, None),
        (401, Action.REFRESH_TOKEN_THEN_RETRY, errors.BadCredentials),
        (403, Action.FAIL, errors.PermissionDenied),
        (404, Action.FAIL, errors.NotFound),
        (409, Action.FAIL, errors.Conflict),
        (412, Action.FAIL, errors.Conflict),
        (423, Action.LOCKED, errors.Locked),
        (429, Action.THROTTLED, errors.Throttled),
        (503, Action.THROTTLED, errors.Throttled),
        (500, Action.RETRY, errors.Unavailable),
        (502, Action.RETRY, errors.Unavailable),
        (400, Action.FAIL, errors.InvariantBroken),
    ],
)
def test_status_table(status: int, action: Action, error: type[Exception] | None) -> None:
    resolution = classify(_resp(status))
    assert resolution.action is action
    if error is not None:
        assert type(to_error(resolution, "x")) is error


def test_404_on_delete_is_already_done() -> None:
    assert classify(_resp(404), is_delete=True).action is Action.ALREADY_DONE


def test_retry_after_seconds_and_http_date() -> None:
    assert classify(_resp(429, **{"Retry-After": "7"})).retry_after == 7.0
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30.0
    assert parse_retry_after("garbage") is None
    assert parse_retry_after(None) is None


def test_transport_errors_are_transient_and_others_are_bugs() -> None:
    assert classify(httpx.ConnectError("boom")).failure is Failure.TRANSIENT
    assert classify(httpx.ReadTimeout("slow")).action is Action.RETRY
    assert classify(ValueError("ours")).failure is Failure.BUG


def test_a_locked_item_is_retried_for_about_a_day_at_most_every_five_minutes() -> None:
    assert locked_delay(1, 42.0) == 42.0                       # the checkout's end, when Procore says it
    assert locked_delay(1, 10_000.0) == LOCKED_MAX_BACKOFF_S
    rng = random.Random(7)
    delays = [locked_delay(n, rng=rng) for n in range(1, MAX_LOCKED_ATTEMPTS + 1)]
    assert all(0 < d <= LOCKED_MAX_BACKOFF_S for d in delays)
    assert delays[0] <= 1.0                                    # a short lock syncs soon after release
    assert 20 * 3600 <= sum(delays) <= 28 * 3600               # about a day before the item is failed


def test_backoff_honours_retry_after_and_caps() -> None:
    assert backoff_delay(1, 3.0) == 3.0
    assert backoff_delay(1, 10_000.0) == MAX_BACKOFF_S
    rng = random.Random(1)
    delays = [backoff_delay(n, rng=rng) for n in range(1, 20)]
    assert all(0 <= d <= MAX_BACKOFF_S for d in delays)
    assert max(delays) > 1.0  # grows beyond the base
