from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.sync.guards import MIN_DELETES_FOR_SHARE, DeletePolicy, in_released_burst, mass_delete_guard

POLICY = DeletePolicy(share=0.2, count_24h=200)


@pytest.mark.parametrize(
    ("recent", "total", "hold"),
    [
        (1, 3, False),                              # small project: below the floor of the share rule
        (MIN_DELETES_FOR_SHARE - 1, 10, False),
        (MIN_DELETES_FOR_SHARE, 10, True),          # 50% of 10
        (20, 100, False),                           # exactly 20% is allowed
        (21, 100, True),
        (201, 100_000, True),                       # the count rule, whatever the share
        (200, 100_000, False),
        (0, 0, False),
    ],
)
def test_mass_delete_guard(recent: int, total: int, hold: bool) -> None:
    verdict = mass_delete_guard(recent, total, POLICY)
    assert verdict.hold is hold and verdict.reason


T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
GAP = timedelta(seconds=60)


def _at(*seconds: float) -> list[datetime]:
    return [T0 + timedelta(seconds=s) for s in seconds]


@pytest.mark.parametrize(("detected", "released", "others", "member"), [
    (10, None, [0, 5], False),                 # nothing was ever released
    (-5, 0, [-10], True),                      # detected before the release: released with its burst
    (20, 0, [-10, -1, 5, 12], True),           # still arriving: never a quiet gap since the burst
    (100, 0, [-10, -1, 30, 75], True),         # a long burst, each delete within the gap of the last
    (100, 0, [-10, -1, 30], False),            # 70 s of quiet before it: a new burst
    (150, 0, [-10, -1, 30, 91, 120], False),   # the chain broke earlier (-1 -> 30 ok, 30 -> 91 not)
    (3600, 3590, [-10], False),                # released an hour after the burst: a delete now is new
    (3600, 3590, [], False),                   # nothing before the release in the window
    (59, 0, [-1], True),                       # exactly the gap after the burst's last delete (60 s) ...
    (60, 0, [-1], False),                      # ... and just past it
])
def test_in_released_burst(detected: float, released: float | None, others: list[float], member: bool) -> None:
    released_at = None if released is None else T0 + timedelta(seconds=released)
    assert in_released_burst(T0 + timedelta(seconds=detected), released_at, _at(*others), GAP) is member

