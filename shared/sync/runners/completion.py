"""When is the initial sync done? Debounced checks, and the one-time switch to `regular` + email.

Records set `completion_check_pending` after writing their row and enqueue a check only when they
flipped it; the check clears the flag before it looks for pending rows. So the last record always
leads to a check that sees it, at most one check per link is queued, and the switch (guarded by the
link row's ETag) happens exactly once. Never imports azure.functions.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from shared.models.api import InitialSync
from shared.models.messages import CheckCompletion, EnumerateSp, SendNotification
from shared.models.rows import LinkRow, Stage
from shared.sync.context import LinkContext, Step

log = logging.getLogger("pcsync.sync")
CHECK_DELAY_S = 2


def _flip(ctx: LinkContext, value: bool) -> bool:
    """Set the link's check flag; True if this call changed it."""

    def change(current: LinkRow | None) -> LinkRow | None:
        if current is None or current.completion_check_pending == value or current.stage is not Stage.INITIAL_SYNC:
            return None
        return current.model_copy(update={"completion_check_pending": value})

    return ctx.services.repos.links.mutate_won(ctx.link.tenant_id, ctx.link.link_id, change)


def request_completion_check(ctx: LinkContext) -> None:
    if _flip(ctx, True):
        ctx.send(Step.DETECT, CheckCompletion(tenant_id=ctx.tenant.tenant_id, link_id=ctx.link.link_id),
                 delay_s=CHECK_DELAY_S)


def _has_pending(ctx: LinkContext) -> bool:
    for _ in ctx.services.repos.items.query(ctx.link.link_id, "state eq @s", {"s": "pending"}, page_size=1):
        return True
    return False


def _start_sp_phase(ctx: LinkContext) -> None:
    """From SharePoint: every Procore item is settled, now copy what exists only in SharePoint (once)."""

    def change(current: LinkRow | None) -> LinkRow | None:
        if current is None or current.sp_enumeration is not None:
            return None
        return current.model_copy(update={"sp_enumeration": "started"})

    if ctx.services.repos.links.mutate_won(ctx.link.tenant_id, ctx.link.link_id, change):
        ctx.send(Step.DETECT, EnumerateSp(tenant_id=ctx.link.tenant_id, link_id=ctx.link.link_id))


def check_completion(ctx: LinkContext) -> bool:
    """Switch the link to `regular` and queue the email if everything is enumerated and recorded."""
    _flip(ctx, False)
    link = ctx.reload_link()
    if link.stage is not Stage.INITIAL_SYNC:
        return False
    if not set(link.tool_roots) or not set(link.tool_roots) <= set(link.enumerated) or _has_pending(ctx):
        return False
    if link.initial_sync is InitialSync.FROM_SHAREPOINT and link.sp_enumeration != "done":
        _start_sp_phase(ctx)
        return False
    def change(current: LinkRow | None) -> LinkRow | None:
        if current is None or current.stage is not Stage.INITIAL_SYNC:
            return None
        return current.model_copy(update={"stage": Stage.REGULAR, "notified_initial_sync": True,
                                          "updated_at": datetime.now(UTC)})

    if not ctx.services.repos.links.mutate_won(link.tenant_id, link.link_id, change):
        return False
    repos = ctx.services.repos
    repos.record_activity(repos.new_activity(link.link_id, "initial_sync_complete",
                                             detail=f"project {link.project_name}"))
    log.info("initial sync complete", extra={"tenant_id": link.tenant_id, "link_id": link.link_id})
    ctx.send(Step.NOTIFY, SendNotification(
        tenant_id=link.tenant_id, link_id=link.link_id, notification_id="initial-sync-complete",
        subject=f"Two way sync initiated for project {link.project_name}",
        body=(f"The initial sync of Procore project {link.project_name} to SharePoint is complete. "
              "Changes on either side now sync within seconds.")))
    return True
