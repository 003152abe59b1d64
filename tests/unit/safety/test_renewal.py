"""Renewal rules: the threshold, missing triggers, and where a re-created webhook points."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.graph.subscriptions import MAX_LIFETIME
from shared.safety.renewal import RENEW_BELOW, base_of, missing_triggers, needs_renewal, receiver_base
from shared.sync.hooks import graph_receiver_url, procore_receiver_url

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def test_renewal_happens_once_less_than_half_the_lifetime_is_left() -> None:
    assert RENEW_BELOW == MAX_LIFETIME / 2
    assert not needs_renewal(NOW + MAX_LIFETIME - timedelta(minutes=5), NOW)     # just created
    assert not needs_renewal(NOW + RENEW_BELOW + timedelta(minutes=1), NOW)
    assert needs_renewal(NOW + RENEW_BELOW - timedelta(minutes=1), NOW)
    assert needs_renewal(NOW + timedelta(hours=1), NOW)
    assert needs_renewal(NOW - timedelta(hours=1), NOW)                          # lapsed: PATCH answers 404
    assert needs_renewal(None, NOW)


def test_the_renewal_timer_has_many_chances_before_expiry() -> None:
    every = timedelta(hours=6)                                                   # DEFAULT_RENEW_SCHEDULE
    assert RENEW_BELOW // every >= 50


def test_missing_triggers_keep_the_wanted_order() -> None:
    wanted = [("Project Folders", "create"), ("Project Files", "create"), ("Project Files", "delete")]
    assert missing_triggers(wanted, [("Project Files", "create")]) == [wanted[0], wanted[2]]
    assert missing_triggers(wanted, wanted) == []
    assert missing_triggers(wanted, []) == wanted


def test_the_base_url_comes_back_out_of_both_receiver_urls() -> None:
    base = "https://sync.example.net"
    assert base_of(graph_receiver_url(base)) == base
    assert base_of(procore_receiver_url(base, "t1", "l1")) == base
    assert base_of("https://elsewhere.example/hooks") is None
    assert base_of(None) is None and base_of("/api/webhooks/graph") is None


def test_the_configured_public_url_wins_then_what_was_registered() -> None:
    graph = graph_receiver_url("https://old.example.net")
    assert receiver_base("https://new.example.net", graph) == "https://new.example.net"
    assert receiver_base(None, None, "https://x.example/other", graph) == "https://old.example.net"
    assert receiver_base(None, None, None) is None
