from __future__ import annotations

import pytest

from shared.sync.guards import MIN_DELETES_FOR_SHARE, DeletePolicy, mass_delete_guard

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
