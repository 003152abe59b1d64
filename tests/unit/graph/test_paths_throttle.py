"""Pure helpers: per-segment path encoding and the throttle-state update."""

from __future__ import annotations

import datetime as dt

from shared.graph.paths import by_path, child_path, encode_path
from shared.graph.throttle import ThrottleState, observe


def test_each_segment_encoded_alone() -> None:
    assert encode_path("/Folder A/b#1 %.pdf/") == "Folder%20A/b%231%20%25.pdf"
    assert by_path("b!x", "") == "/drives/b%21x/root"
    assert by_path("d", "a b/c") == "/drives/d/root:/a%20b/c:"
    assert child_path("d", "01P", "x?.txt", "/content") == "/drives/d/items/01P:/x%3F.txt:/content"


def test_throttle_state_transitions() -> None:
    now = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    s = observe(ThrottleState(), 429, {"Retry-After": "12"}, 12.0, now)
    assert s.throttle_events == 1 and s.wait_s(now) == 12 and s.last_status == 429
    s = observe(s, 200, {"RateLimit-Limit": "1200", "RateLimit-Remaining": "10", "RateLimit-Reset": "30"},
                None, now + dt.timedelta(seconds=13))
    assert s.wait_s(now + dt.timedelta(seconds=13)) == 0 and s.throttle_events == 1
    assert (s.ratelimit_limit, s.ratelimit_remaining, s.ratelimit_reset_s) == (1200, 10, 30)
