"""Rapid saves: a SharePoint file still being saved is copied to Procore once it has been quiet.

Office autosaves a file every few seconds while someone types; copying each save would pile up
Procore versions nobody asked for. Coalescing is leading-edge: the first save of a quiet file is
copied at once (`copy_delay`), and only the saves that follow it wait until the item has been quiet
for the tenant's quiet period (counted from its lastModifiedDateTime, so an old change is not
delayed). The fetch drops a copy whose item was saved again since by someone else: that newer save
went through detect too and carries the item on. Pure: no I/O, no clock (the caller passes `now`).
Never imports azure.functions.
"""

from __future__ import annotations

import re
from datetime import datetime

MAX_DELAY_S = 300.0
_SP_ETAG = re.compile(r'^"?\{([0-9A-Fa-f-]+)\},(\d+)"?$')   # SharePoint: "{GUID},N", N counts the item's changes


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


def etag_counter(etag: str | None) -> tuple[str, int] | None:
    """SharePoint's eTag `"{GUID},N"` as (GUID, N): N goes up by one at every change of the item (content
    or metadata). None for any other form (an eTag is opaque in general: then nothing is inferred)."""
    match = _SP_ETAG.match(etag or "")
    return (match.group(1).upper(), int(match.group(2))) if match else None


def first_save_after_quiet(etag: str | None, agreed_etag: str | None, agreed_at: datetime | None,
                           modified_at: datetime | None, quiet_period_s: float) -> bool:
    """Is the save that produced `etag` the first one of a quiet file (the leading edge of a burst)?

    Yes for a new file's first version (no agreed eTag, counter 1), and for the only change since the
    agreed state (same item, counter one above the agreed one) made at least a quiet period after we
    agreed on it (`agreed_at`, when the agreed row was written: the agreed save is no later). Saves in
    between (seen or not, copied or waiting) make the counter jump, so only one save per agreed state
    can be a leading edge, however many deliveries or detect runs see it. Unknown eTag forms: no."""
    seen = etag_counter(etag)
    if seen is None:
        return False
    if agreed_etag is None:
        return seen[1] == 1
    agreed = etag_counter(agreed_etag)
    if agreed is None or agreed[0] != seen[0] or seen[1] != agreed[1] + 1:
        return False
    if modified_at is None or agreed_at is None:
        return False
    return (modified_at - agreed_at).total_seconds() >= quiet_period_s


def copy_delay(etag: str | None, agreed_etag: str | None, agreed_at: datetime | None,
               modified_at: datetime | None, now: datetime, quiet_period_s: float) -> float:
    """Seconds to hold the copy of a SharePoint save: none for the first save of a quiet file, else the
    rest of the quiet period (`quiet_delay`), so the saves that follow it coalesce into one copy."""
    if first_save_after_quiet(etag, agreed_etag, agreed_at, modified_at, quiet_period_s):
        return 0.0
    return quiet_delay(modified_at, now, quiet_period_s)
