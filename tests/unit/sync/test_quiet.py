from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.sync.quiet import MAX_DELAY_S, copy_delay, etag_counter, first_save_after_quiet, quiet_delay, superseded

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


AGREED_AT = NOW - timedelta(seconds=60)


def _etag(n: int, guid: str = "7C1D2E3F-1111-4222-8333-444455556666") -> str:
    return f'"{{{guid}}},{n}"'


@pytest.mark.parametrize(
    ("etag", "expected"),
    [
        ('"{7c1d2e3f-1111-4222-8333-444455556666},7"', ("7C1D2E3F-1111-4222-8333-444455556666", 7)),
        ("{AB-12},1", ("AB-12", 1)),
        ('"opaque-etag"', None),
        ('"{AB},x"', None),
        (None, None),
        ("", None),
    ],
)
def test_etag_counter(etag: str | None, expected: tuple[str, int] | None) -> None:
    assert etag_counter(etag) == expected


@pytest.mark.parametrize(
    ("etag", "agreed", "agreed_at", "modified_ago_s", "leading"),
    [
        (_etag(1), None, None, 0.0, True),                 # a new file's first version: at once
        (_etag(2), None, None, 0.0, False),                # a new file saved again: a follow-up save waits
        (_etag(4), _etag(3), AGREED_AT, 0.0, True),        # the only save since we agreed, a minute later
        (_etag(4), _etag(3), NOW - timedelta(seconds=2), 0.0, False),   # right after our own copy: part of a burst
        (_etag(4), _etag(3), NOW - timedelta(seconds=5), 0.0, True),    # exactly a quiet period after it
        (_etag(5), _etag(3), AGREED_AT, 0.0, False),       # a save in between (copied or waiting): coalesce
        (_etag(3), _etag(3), AGREED_AT, 0.0, False),       # no change by the counter
        (_etag(4, "AAAA"), _etag(3), AGREED_AT, 0.0, False),   # another item's eTag: nothing inferred
        ('"opaque"', None, None, 0.0, False),               # unknown forms: the trailing edge, as before
        (_etag(4), '"opaque"', AGREED_AT, 0.0, False),
        (_etag(4), _etag(3), None, 0.0, False),            # no time for the agreed state
    ],
)
def test_first_save_after_quiet(etag: str, agreed: str | None, agreed_at: datetime | None, modified_ago_s: float,
                                leading: bool) -> None:
    modified = NOW - timedelta(seconds=modified_ago_s)
    assert first_save_after_quiet(etag, agreed, agreed_at, modified, 5.0) is leading
    assert copy_delay(etag, agreed, agreed_at, modified, NOW, 5.0) == pytest.approx(0.0 if leading else 5.0)


def test_a_follow_up_save_waits_only_the_rest_of_the_quiet_period() -> None:
    assert copy_delay(_etag(2), None, None, NOW - timedelta(seconds=2), NOW, 5.0) == pytest.approx(3.0)
    assert copy_delay(_etag(2), None, None, None, NOW, 5.0) == pytest.approx(5.0)


def test_without_a_quiet_period_nothing_waits() -> None:
    assert copy_delay(_etag(9), _etag(3), NOW, NOW, NOW, 0.0) == 0.0
