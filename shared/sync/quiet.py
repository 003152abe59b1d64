"""Rapid saves: a SharePoint file still being saved is copied to Procore once it has been quiet.

Office autosaves a file every few seconds while someone types; copying each save would pile up
Procore versions nobody asked for. Detect delays the copy until the item has been quiet for the
tenant's quiet period (counted from its lastModifiedDateTime, so an old change is not delayed),
and the fetch drops a copy whose item was saved again since by someone else: that newer save went
through detect too and carries the item on. Pure: no I/O, no clock (the caller passes `now`).
Never imports azure.functions.
"""

from __future__ import annotations

from datetime import datetime

MAX_DELAY_S = 300.0


def quiet_delay(modified_at: datetime | None, now: datetime, quiet_period_s: float) -> float:
    """Seconds to wait before copying a change made at `modified_at` (0 when it is quiet already).

    An unknown time waits the whole period; a time in the future (clock skew) never more than it."""
    if quiet_period_s <= 0:
        return 0.0
    if modified_at is None:
        return min(quiet_period_s, MAX_DELAY_S)
    elapsed = max((now - modified_at).total_seconds(), 0.0)
    return min(max(quiet_period_s - elapsed, 0.0), MAX_DELAY_S)


def superseded(seen_etag: str | None, current_etag: str | None, modified_by_app: str | None,
               our_app_id: str) -> bool:
    """Was the item saved again after detect saw `seen_etag`, by someone other than us?

    Then this copy is dropped: the newer save has its own change notification and detect run, which
    decide against the last agreed state again (our own writes are skipped by the delta, so a newer
    state made by us never supersedes: the copy carries on)."""
    if seen_etag is None or current_etag is None or current_etag == seen_etag:
        return False
    return modified_by_app != our_app_id
