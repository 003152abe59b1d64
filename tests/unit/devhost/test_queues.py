"""The empty-queue polling back-off (randomized exponential, capped) and the poison queue name."""

from __future__ import annotations

import pytest

from devhost.queues import Backoff, poison_queue_name


def test_backoff_grows_exponentially_from_the_minimum_and_caps() -> None:
    backoff = Backoff(maximum=2.0, rand=lambda: 0.5)  # factor exactly 1.0
    delays = [backoff.next_delay(hit=False) for _ in range(7)]
    assert delays == pytest.approx([0.2, 0.3, 0.5, 0.9, 1.7, 2.0, 2.0])


def test_a_hit_resets_to_the_minimum() -> None:
    backoff = Backoff(maximum=2.0, rand=lambda: 0.5)
    for _ in range(5):
        backoff.next_delay(hit=False)
    assert backoff.next_delay(hit=True) == pytest.approx(0.1)
    assert backoff.next_delay(hit=False) == pytest.approx(0.2)


@pytest.mark.parametrize(("rand", "first"), [(0.0, 0.18), (1.0, 0.22)])
def test_randomization_is_plus_minus_twenty_percent(rand: float, first: float) -> None:
    assert Backoff(maximum=2.0, rand=lambda: rand).next_delay(hit=False) == pytest.approx(first)


def test_poison_queue_name() -> None:
    assert poison_queue_name("work-items") == "work-items-poison"
