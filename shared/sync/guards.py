"""Safety guards, pure, run before writes (style R10). Today: the mass-delete breaker.

Deletes are not applied the moment they are detected: each waits DELETE_SETTLE_S, and every detected
delete counts at once, so a burst (someone emptying a project) trips the breaker before the first of
them is applied on the other side. The share rule only applies from MIN_DELETES_FOR_SHARE deletes
on, so removing 1 file of 3 in a small project is not a "mass delete". Never imports azure.functions.

A *burst* is a run of deletes detected less than the burst gap apart. The breaker trips at the first
deletes past the limits, while the rest of the burst is still arriving (one user action on 120 files
reaches us over many seconds, and no source tells us when a delete was made), so an operator's
release approves the whole run it falls in: deletes detected before the release, and those detected
after it without a quiet gap since. The count then starts again from the release, so a later burst,
after a quiet gap, trips again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

DELETE_SETTLE_S = 5.0
MIN_DELETES_FOR_SHARE = 5


@dataclass(frozen=True)
class DeletePolicy:
    share: float          # of the link's items, within 24 h
    count_24h: int


@dataclass(frozen=True)
class GuardVerdict:
    hold: bool
    reason: str


def mass_delete_guard(recent_deletes: int, total_items: int, policy: DeletePolicy) -> GuardVerdict:
    """Hold deletes when the last 24 h hold more deletes than the policy allows."""
    if recent_deletes > policy.count_24h:
        return GuardVerdict(True, f"{recent_deletes} deletes in 24 h (limit {policy.count_24h})")
    share = recent_deletes / total_items if total_items else 0.0
    if recent_deletes >= MIN_DELETES_FOR_SHARE and share > policy.share:
        return GuardVerdict(True, f"{recent_deletes} of {total_items} items deleted in 24 h "
                                  f"({share:.0%}, limit {policy.share:.0%})")
    return GuardVerdict(False, "within the delete limits")


def in_released_burst(detected_at: datetime, released_at: datetime | None, detections: Iterable[datetime],
                      gap: timedelta) -> bool:
    """Is the delete detected at `detected_at` part of the burst an operator released at `released_at`?

    `detections`: when the link's other deletes were detected. Yes if it was detected before the
    release, or if the detections from the burst's last one before the release up to it are never
    more than `gap` apart (the burst was still arriving). A quiet gap ends the burst for good."""
    if released_at is None:
        return False
    if detected_at <= released_at:
        return True
    times = list(detections)
    before = [t for t in times if t <= released_at]
    if not before:
        return False
    previous = max(before)
    for t in sorted(t for t in times if previous < t < detected_at) + [detected_at]:
        if t - previous > gap:
            return False
        previous = t
    return True
