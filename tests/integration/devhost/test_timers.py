"""Timer triggers through the real host process: a `*/1 * * * * *` schedule and run_on_startup."""

from __future__ import annotations

from tests.integration.devhost.conftest import RunningHost, wait_for


def test_timer_fires_on_its_seconds_first_schedule(pipeline: RunningHost) -> None:
    ticks = wait_for(lambda: t if len(t := pipeline.calls(fn="tick")) >= 3 else None, timeout=10,
                     what="three ticks")
    times = [t["at"] for t in ticks]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert all(0.5 < g < 1.6 for g in gaps), gaps  # once a second, not every minute or in a burst
    assert all(t % 1.0 < 0.5 for t in times), times  # on the second boundary the schedule names
    assert not any(t["past_due"] for t in ticks)


def test_run_on_startup_fires_once(pipeline: RunningHost) -> None:
    wait_for(lambda: pipeline.calls(fn="tick"), timeout=5, what="a tick")
    boots = pipeline.calls(fn="boot")
    assert len(boots) == 1 and boots[0]["past_due"] is False  # its schedule is 1 January at midnight
