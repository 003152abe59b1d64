"""Pure rules of the renewal timer: when a Graph subscription is renewed, which Procore triggers are
missing, and where a re-created webhook must point when no request tells us our own address.

Graph caps driveItem subscriptions at 42,300 minutes (~29.4 days); we renew once less than half of
that is left (RENEW_BELOW, ~14.7 days). With the renewal timer every 6 hours that is ~58 chances before
expiry (two weeks of failed runs are survivable) and one PATCH per link per ~2 weeks; in between, each
run only reads the subscription to notice a deleted one. No I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from shared.graph.subscriptions import MAX_LIFETIME

RENEW_BELOW = MAX_LIFETIME / 2
WEBHOOKS_PATH = "/api/webhooks/"


def needs_renewal(expires_at: datetime | None, now: datetime) -> bool:
    """Renew when less than RENEW_BELOW is left (or the expiry is unknown)."""
    return expires_at is None or expires_at - now < RENEW_BELOW


def missing_triggers(wanted: Iterable[tuple[str, str]], existing: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (resource_name, event_type) pairs the link needs and the hook lacks, in `wanted` order."""
    have = set(existing)
    return [pair for pair in wanted if pair not in have]


def base_of(url: str | None) -> str | None:
    """`https://app.example.net` from one of our receiver URLs (`.../api/webhooks/...`), else None."""
    if not url or WEBHOOKS_PATH not in url:
        return None
    return url.split(WEBHOOKS_PATH, 1)[0] or None


def receiver_base(public_base_url: str | None, *known_urls: str | None) -> str | None:
    """Where our receivers live: the configured public URL, else the origin of a URL a webhook of this
    link was registered with (a timer has no request to learn it from)."""
    if public_base_url:
        return public_base_url
    return next((base for base in map(base_of, known_urls) if base), None)
