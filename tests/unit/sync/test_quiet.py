from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.sync.quiet import MAX_DELAY_S, quiet_delay, superseded

NOW = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("modified_ago_s", "period", "wait"),
    [
        (0.0, 5.0, 5.0),          # saved just now: the whole period
        (2.0, 5.0, 3.0),          # the rest of it
        (5.0, 5.0, 0.0),          # quiet already
        (3600.0, 5.0, 0.0),       # an old change (e.g. found by reconciliation) is not delayed
        (-30.0, 5.0, 5.0),        # a clock ahead of ours never waits longer than the period
        (0.0, 0.0, 0.0),          # the tenant turned coalescing off
        (0.0, 10_000.0, MAX_DELAY_S),
    ],
)
def test_quiet_delay(modified_ago_s: float, period: float, wait: float) -> None:
    assert quiet_delay(NOW - timedelta(seconds=modified_ago_s), NOW, period) == pytest.approx(wait)


def test_unknown_modification_time_waits_the_period() -> None:
    assert quiet_delay(None, NOW, 5.0) == 5.0


@pytest.mark.parametrize(
    ("seen", "current", "by", "dropped"),
    [
        ('"{A},2"', '"{A},2"', "user-app", False),   # nothing newer: copy
        ('"{A},2"', '"{A},3"', "user-app", True),    # saved again by someone: that save carries on
        ('"{A},2"', '"{A},3"', "ours", False),       # our own newer write has no change of its own: carry on
        ('"{A},2"', '"{A},3"', None, True),          # a person without an app id
        (None, '"{A},3"', "user-app", False),        # not from detect (e.g. a retry, initial sync): copy
        ('"{A},2"', None, "user-app", False),
    ],
)
def test_superseded(seen: str | None, current: str | None, by: str | None, dropped: bool) -> None:
    assert superseded(seen, current, by, "ours") is dropped
