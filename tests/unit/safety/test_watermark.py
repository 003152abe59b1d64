"""The reconciliation watermark: a closed range with a lag, de-duplicated by id, moving only forward,
and, when a pass is capped, continuing without losing or repeating a change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.models.rows import ItemKind
from shared.safety.watermark import LAG, MAX_SEEN, READ_SLACK, Changed, Watermark, plan_pass, window

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _c(pid: int, seconds: float | None, kind: ItemKind = ItemKind.FILE) -> Changed:
    return Changed(str(pid), kind, None if seconds is None else _at(seconds))


def _ids(changes: list[Changed]) -> list[str]:
    return [c.procore_id for c in changes]


def test_the_window_reaches_back_by_the_lag_and_up_to_now() -> None:
    mark = Watermark(until=_at(0))
    assert window(mark, _at(900)) == (_at(0) - LAG, _at(900))
    assert window(mark, _at(-5)) == (_at(0) - LAG, _at(0))       # a clock step back never moves it back


def test_everything_in_range_is_handed_on_once_and_the_mark_moves_to_until() -> None:
    mark = Watermark(until=_at(0))
    result = plan_pass(mark, [_c(1, -10), _c(2, 5), _c(3, 890)], _at(900))
    assert _ids(result.hints) == ["1", "2", "3"] and not result.more
    assert result.next.until == _at(900)
    assert set(result.next.seen) == {"3"}                         # only what the next read can return again


def test_a_reread_of_the_lag_window_skips_unchanged_items_but_not_changed_ones() -> None:
    first = plan_pass(Watermark(until=_at(0)), [_c(1, 880), _c(2, 895)], _at(900))
    again = plan_pass(first.next, [_c(1, 880), _c(2, 905), _c(4, 1790)], _at(1800))
    assert _ids(again.hints) == ["2", "4"]                        # 2 changed again; 1 did not
    quiet = plan_pass(again.next, [_c(4, 1790)], _at(2700))      # 4 is still inside the lag window
    assert quiet.hints == [] and quiet.next.until == _at(2700)


def test_items_without_a_time_are_always_handed_on() -> None:
    first = plan_pass(Watermark(until=_at(0)), [_c(7, None)], _at(60))
    assert _ids(first.hints) == ["7"] and "7" not in first.next.seen
    assert _ids(plan_pass(first.next, [_c(7, None)], _at(120)).hints) == ["7"]


@pytest.mark.parametrize("limit", [1, 2, 3, 5])
def test_a_capped_pass_continues_without_losing_or_repeating(limit: int) -> None:
    # ties on one second span the cap; the listing is re-read in full each step, sorted by time
    listing = [_c(1, 1), _c(2, 1), _c(3, 1), _c(4, 2), _c(5, 3), _c(6, 3), _c(7, 4)]
    mark, handed, steps = Watermark(until=_at(0)), [], 0
    while True:
        since, until = window(mark, _at(10))
        result = plan_pass(mark, [c for c in listing if c.updated_at and since <= c.updated_at <= until],
                           until, limit=limit)
        assert result.next.until >= mark.until                    # never backwards
        handed += _ids(result.hints)
        mark, steps = result.next, steps + 1
        if not result.more:
            break
        assert steps < 20
    assert sorted(handed) == [str(i) for i in range(1, 8)]        # each exactly once
    assert mark.until == _at(10)


def test_a_capped_pass_stops_at_the_last_change_it_handed_on() -> None:
    result = plan_pass(Watermark(until=_at(0)), [_c(1, 5), _c(2, 6), _c(3, 7)], _at(60), limit=2)
    assert result.more and result.next.until == _at(6)
    older = plan_pass(Watermark(until=_at(0)), [_c(1, -20), _c(2, -10), _c(3, -5)], _at(60), limit=1)
    assert older.more and older.next.until == _at(0)              # inside the lag window: stays put


def test_seen_is_pruned_to_what_can_come_back_and_capped() -> None:
    old = Watermark(until=_at(0), seen={"9": _at(-600).isoformat(), "8": _at(-5).isoformat()})
    result = plan_pass(old, [], _at(20))
    keep_from = _at(20) - LAG - READ_SLACK
    assert all(datetime.fromisoformat(at) >= keep_from for at in result.next.seen.values())
    assert "9" not in result.next.seen and "8" in result.next.seen
    many = plan_pass(Watermark(until=_at(0)), [_c(i, 1) for i in range(MAX_SEEN + 50)], _at(2),
                     limit=MAX_SEEN + 50)
    assert len(many.next.seen) == MAX_SEEN


def test_the_stored_value_round_trips_and_garbage_reads_as_none() -> None:
    mark = Watermark(until=_at(0), seen={"1": _at(-1).isoformat()})
    assert Watermark.parse(mark.dump()) == mark
    assert Watermark.parse("2026-01-01T00:00:00Z") is None
    assert Watermark.parse("{}") is None
