"""ThrottleState is pure: what a response teaches, how long to wait, and reservations."""

from __future__ import annotations

from shared.procore.throttle import SAFETY_S, ThrottleGate, ThrottleState

NOW = 1_800_000_000.0


def h(limit: int, remaining: int, reset: float, **extra: str) -> dict[str, str]:
    return {"x-rate-limit-limit": str(limit), "x-rate-limit-remaining": str(remaining),
            "x-rate-limit-reset": str(int(reset)), **extra}


def test_headers_are_recorded_and_no_wait_while_requests_remain() -> None:
    s = ThrottleState().observe(200, h(25, 24, NOW + 10), NOW)
    assert (s.limit, s.remaining, s.reset_at) == (25, 24, NOW + 10)
    assert s.wait_s(NOW) == 0


def test_zero_remaining_waits_until_reset() -> None:
    s = ThrottleState().observe(200, h(25, 0, NOW + 4), NOW)
    assert s.wait_s(NOW) == 4 + SAFETY_S
    assert s.wait_s(NOW + 5) == 0


def test_429_blocks_until_the_later_of_retry_after_and_reset() -> None:
    s = ThrottleState().observe(429, h(25, 0, NOW + 3, **{"retry-after": "7"}), NOW)
    assert s.blocked_until == NOW + 7 and s.wait_s(NOW) == 7
    s2 = ThrottleState().observe(429, h(25, 0, NOW + 9, **{"retry-after": "2"}), NOW)
    assert s2.wait_s(NOW) == 9 + SAFETY_S


def test_503_uses_retry_after_and_unparseable_values_fall_back_to_one_second() -> None:
    assert ThrottleState().observe(503, {"retry-after": "12"}, NOW).wait_s(NOW) == 12
    assert ThrottleState().observe(503, {"retry-after": "soon"}, NOW).wait_s(NOW) == 1


def test_reserve_counts_down_and_forgets_a_reset_window() -> None:
    s = ThrottleState().observe(200, h(25, 2, NOW + 10), NOW)
    s = s.reserve(NOW).reserve(NOW)
    assert s.remaining == 0 and s.wait_s(NOW) > 0
    assert s.reserve(NOW + 11).remaining is None


def test_gate_shares_state_and_keeps_the_stricter_block() -> None:
    seen: list[ThrottleState] = []
    gate = ThrottleGate(on_change=seen.append)
    gate.observe(200, h(25, 10, NOW + 10), NOW)
    assert seen[-1].remaining == 10 and gate.acquire(NOW) == 0 and gate.snapshot().remaining == 9
    other = ThrottleState(blocked_until=NOW + 30, updated_at=NOW - 1)
    gate.merge(other)
    assert gate.acquire(NOW) == 30
    assert gate.snapshot().remaining == 9                   # our newer counters survive the merge


def test_state_round_trips_as_json() -> None:
    s = ThrottleState().observe(429, h(25, 0, NOW + 3, **{"retry-after": "7"}), NOW)
    assert ThrottleState.model_validate_json(s.model_dump_json()) == s
