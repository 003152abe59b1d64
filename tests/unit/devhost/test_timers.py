"""NCRONTAB: six fields with seconds first, UTC, strictly-after semantics; schedule validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from devhost.settings import ConfigError
from devhost.timers import next_fire, validate_schedule

BASE = datetime(2024, 1, 1, 12, 0, 0, 500000, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(("schedule", "expected"), [
    ("*/1 * * * * *", datetime(2024, 1, 1, 12, 0, 1, tzinfo=UTC)),
    ("0 */5 * * * *", datetime(2024, 1, 1, 12, 5, 0, tzinfo=UTC)),    # every 5 minutes, not every second
    ("30 0 12 * * *", datetime(2024, 1, 1, 12, 0, 30, tzinfo=UTC)),
    ("0 0 9 * * 1", datetime(2024, 1, 8, 9, 0, 0, tzinfo=UTC)),       # Mondays 09:00; 0 = Sunday
    ("0 0 0 1 1 *", datetime(2025, 1, 1, 0, 0, 0, tzinfo=UTC)),
    ("0 0 0 * * Sun", datetime(2024, 1, 7, 0, 0, 0, tzinfo=UTC)),
])
def test_next_fire_reads_seconds_first(schedule: str, expected: datetime) -> None:
    assert next_fire(schedule, BASE) == expected


def test_next_fire_is_strictly_after_an_exact_occurrence() -> None:
    exact = datetime(2024, 1, 1, 12, 5, 0, tzinfo=UTC)
    assert next_fire("0 */5 * * * *", exact) == exact + timedelta(minutes=5)


def test_next_fire_works_in_utc_whatever_the_input_zone() -> None:
    local = datetime(2024, 1, 1, 14, 0, 0, 500000, tzinfo=timezone(timedelta(hours=2)))  # 12:00:00.5 UTC
    assert next_fire("0 0 13 * * *", local) == datetime(2024, 1, 1, 13, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("schedule", ["*/5 * * * *", "00:05:00", "@hourly", "0 0 25 * * *", "* * * * * * *"])
def test_schedules_the_host_refuses_are_refused(schedule: str) -> None:
    with pytest.raises(ConfigError):
        validate_schedule(schedule)
