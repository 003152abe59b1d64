"""One upload of an item at a time, in either direction (the items row's `upload_lease_until`).

Two deliveries of one change, or an upload to SharePoint and one to Procore of the same item, would
otherwise both write: an extra version, or one taken for the other side's edit (a false conflict).
A lease older than UPLOAD_LEASE (the queue visibility; PCSYNC_LEASE_SECONDS locally) belongs to a worker
that died and is taken over; until then the other upload waits as for a lock (`LeaseHeld`), never failed.
Never imports azure.functions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared import errors
from shared.models.api import ToolKey
from shared.models.rows import ItemRow
from shared.store.repositories import item_key
from shared.sync.context import LinkContext

UPLOAD_LEASE = timedelta(minutes=10)
LEASE_RETRY_S = 3.0


class LeaseHeld(errors.Locked):
    """Another upload of the item holds its lease: look again soon (a live holder is done in seconds;
    a dead one's lease expires), as patiently as for a checked-out file."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retry_after=LEASE_RETRY_S)


def lease_upload(ctx: LinkContext, tool: ToolKey, procore_id: str, twin: str | None) -> ItemRow | None:
    """Take the item's lease: the row as it stands under the lease, or None when another upload holds it
    or the row's SharePoint twin is no longer `twin` (the caller decided on a stale read: retry)."""
    now = datetime.now(UTC)
    override = ctx.services.settings.lease_seconds
    lease = timedelta(seconds=override) if override else UPLOAD_LEASE

    def change(current: ItemRow | None) -> ItemRow | None:
        if current is None or current.sp_item_id != twin:
            return None
        if current.upload_lease_until is not None and current.upload_lease_until > now:
            return None
        return current.model_copy(update={"upload_lease_until": now + lease})

    repos, key = ctx.services.repos, item_key(tool.value, procore_id)
    ctx.forget_cached(tool, procore_id)
    if not repos.items.mutate_won(ctx.link.link_id, key, change):
        return None
    leased = repos.items.get(ctx.link.link_id, key)
    return leased.row if leased is not None else None


def release_upload(ctx: LinkContext, leased: ItemRow) -> None:
    """Let go of the lease `lease_upload` returned (a no-op once a record replaced the row without it, or
    when the lease expired and another upload holds a lease of its own now)."""
    tool, procore_id = leased.tool, leased.procore_id

    def change(current: ItemRow | None) -> ItemRow | None:
        if current is None or current.upload_lease_until is None or \
                current.upload_lease_until != leased.upload_lease_until:
            return None
        return current.model_copy(update={"upload_lease_until": None})

    ctx.services.repos.items.mutate(ctx.link.link_id, item_key(tool.value, procore_id), change)
    ctx.forget_cached(tool, procore_id)
