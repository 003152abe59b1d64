"""Safety guards, pure, run before writes (style R10). Today: the mass-delete breaker.

Deletes are not applied the moment they are detected: each waits DELETE_SETTLE_S, and every detected
delete counts at once, so a burst (someone emptying a project) trips the breaker before the first of
them is applied on the other side. The share rule only applies from MIN_DELETES_FOR_SHARE deletes
on, so removing 1 file of 3 in a small project is not a "mass delete". Never imports azure.functions.
"""

from __future__ import annotations

from dataclasses import dataclass

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
