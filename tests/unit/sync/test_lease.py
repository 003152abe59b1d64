"""The run lease's transitions: a request takes a free or expired lease or marks a held one, only the
holder extends it, and a release or round end by anyone but the holder changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.models.rows import LeaseRow
from shared.sync.lease import (
    is_held,
    on_hand_over,
    on_mark,
    on_release,
    on_request,
    on_resume,
    on_round_end,
    on_take,
)

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
TTL = timedelta(minutes=5)


def _held(holder: str = "run-a", *, again: bool = False, expires: timedelta = TTL) -> LeaseRow:
    return LeaseRow(scope="drive|t|d", name="graph_delta", holder=holder, expires_at=NOW + expires, again=again)


def test_a_request_takes_a_missing_free_or_expired_lease() -> None:
    free = LeaseRow(scope="drive|t|d", name="graph_delta")
    for current in (None, free, _held(expires=timedelta(seconds=-1)), _held(expires=timedelta(0))):
        taken = on_request(current, "drive|t|d", "graph_delta", "run-b", NOW, TTL)
        assert taken is not None
        assert (taken.holder, taken.expires_at, taken.again) == ("run-b", NOW + TTL, False)


def test_a_request_marks_a_held_lease_once_and_never_extends_it() -> None:
    marked = on_request(_held(), "drive|t|d", "graph_delta", "run-b", NOW, TTL)
    assert marked is not None
    assert (marked.holder, marked.expires_at, marked.again) == ("run-a", NOW + TTL, True)
    # Already marked: no write at all, so a flood of notifications neither contends nor keeps it alive.
    assert on_request(marked, "drive|t|d", "graph_delta", "run-c", NOW + timedelta(minutes=4), TTL) is None


def test_a_marked_lease_whose_holder_died_is_taken_over_after_its_ttl() -> None:
    """The stall this lease replaces: an orphaned lease kept alive by every new request."""
    lease: LeaseRow | None = _held(again=True)
    for minute in range(5):                          # requests keep coming while the holder is dead
        after = on_request(lease, "drive|t|d", "graph_delta", f"req-{minute}", NOW + timedelta(minutes=minute), TTL)
        assert after is None
    taken = on_request(lease, "drive|t|d", "graph_delta", "req-5", NOW + TTL, TTL)
    assert taken is not None and taken.holder == "req-5" and not taken.again


def test_the_holder_runs_again_when_marked_and_lets_go_otherwise() -> None:
    later = NOW + timedelta(minutes=3)
    again = on_round_end(_held(again=True), "run-a", later, TTL)
    assert again is not None
    assert (again.holder, again.expires_at, again.again) == ("run-a", later + TTL, False)
    done = on_round_end(_held(), "run-a", later, TTL)
    assert done is not None and done.holder is None and done.expires_at is None
    assert not is_held(done, later)


def test_only_the_holder_ends_a_round_or_releases() -> None:
    taken_over = _held("run-b", again=True)
    assert on_round_end(taken_over, "run-a", NOW, TTL) is None
    assert on_release(taken_over, "run-a") is None
    assert on_round_end(None, "run-a", NOW, TTL) is None
    assert on_release(None, "run-a") is None


def test_a_release_drops_the_mark_and_frees_the_lease() -> None:
    """A hand-off or a failed run: the step that follows (the continuation, the retry) reads anyway."""
    released = on_release(_held(again=True), "run-a")
    assert released is not None
    assert (released.holder, released.expires_at, released.again) == (None, None, False)
    taken = on_request(released, "drive|t|d", "graph_delta", "next", NOW, TTL)
    assert taken is not None and taken.holder == "next"


def test_a_holder_passes_the_lease_to_a_later_step_which_takes_it_once() -> None:
    """A busy drive's paced run: the lease waits for the step sent a second later, requests meanwhile only
    mark it, and of two deliveries of that step only the first takes it."""
    pause = timedelta(seconds=1)
    passed = on_hand_over(_held(again=True), "run-a", "step-2", NOW, pause, TTL)
    assert passed is not None
    assert (passed.holder, passed.expires_at, passed.again) == ("step-2", NOW + pause + TTL, False)
    assert on_hand_over(passed, "run-a", "step-3", NOW, pause, TTL) is None        # no longer run-a's to pass
    marked = on_request(passed, "drive|t|d", "graph_delta", "notice", NOW, TTL)
    assert marked is not None and marked.holder == "step-2" and marked.again      # only marked meanwhile
    later = NOW + pause
    taken = on_resume(marked, "step-2", "run-b", later, TTL)
    assert taken is not None and (taken.holder, taken.expires_at, taken.again) == ("run-b", later + TTL, False)
    assert on_resume(taken, "step-2", "run-c", later, TTL) is None                # the second delivery: taken


def test_a_passed_lease_whose_step_never_came_expires_and_cannot_be_resumed() -> None:
    pause = timedelta(seconds=1)
    passed = on_hand_over(_held(), "run-a", "step-2", NOW, pause, TTL)
    assert passed is not None
    gone = NOW + pause + TTL
    assert on_resume(passed, "step-2", "run-b", gone, TTL) is None
    taken = on_request(passed, "drive|t|d", "graph_delta", "notice", gone, TTL)
    assert taken is not None and taken.holder == "notice"


def test_taking_a_free_lease_never_marks_a_held_one() -> None:
    """A duplicate of a paced step: it takes a free lease, but leaves a held one unmarked."""
    assert on_take(_held(), "drive|t|d", "graph_delta", "dup", NOW, TTL) is None
    taken = on_take(_held(expires=timedelta(seconds=-1)), "drive|t|d", "graph_delta", "dup", NOW, TTL)
    assert taken is not None and (taken.holder, taken.again) == ("dup", False)
    assert on_take(None, "drive|t|d", "graph_delta", "dup", NOW, TTL) is not None


def test_a_mark_only_marks_a_held_lease_and_never_takes_one() -> None:
    """A notification for a drive whose run is going marks it as a request would; a free lease is left to
    the run the caller then starts."""
    marked = on_mark(_held(), NOW)
    assert marked is not None and (marked.holder, marked.expires_at, marked.again) == ("run-a", NOW + TTL, True)
    assert on_mark(marked, NOW) is None                                  # marked already: no write
    for current in (None, LeaseRow(scope="drive|t|d", name="graph_delta"), _held(expires=timedelta(0))):
        assert on_mark(current, NOW) is None
