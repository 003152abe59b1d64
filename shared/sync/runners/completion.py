"""When is the initial sync done? Debounced checks, and the one-time switch to `regular` + email
(the rule itself is pure, in shared.sync.completion: every enabled tool finished, nothing pending).

Records set `completion_check_pending` after writing their row and enqueue a check only when they
flipped it; the check clears the flag before it looks for pending rows. So the last record always
leads to a check that sees it, at most one check per link is queued, and the switch (guarded by the
link row's ETag) happens exactly once. Never imports azure.functions.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from shared.models.api import ToolKey
from shared.models.messages import CheckCompletion, EnumerateSp, SendNotification
from shared.models.rows import LinkRow, Stage
from shared.sync.completion import Completion, InitialProgress, decide_completion, enabled_tools, initial_sync_email
from shared.sync.context import LinkContext, Step
from shared.tools import is_available

log = logging.getLogger("pcsync.sync")
CHECK_DELAY_S = 1   # the debounce: at most a check a second while records land, and the last one's a second after


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


def finished_tools(link: LinkRow) -> set[ToolKey]:
    """Tools whose initial part is done: enumerated ones, and enabled tools that cannot sync yet
    (nothing to copy, so they finish at once)."""
    return set(link.enumerated) | {tool for tool in enabled_tools(link.tools) if not is_available(tool)}


def check_completion(ctx: LinkContext) -> bool:
    """Switch the link to `regular` and queue the email if every enabled tool finished and nothing is pending."""
    _flip(ctx, False)
    link = ctx.reload_link()
    if link.stage is not Stage.INITIAL_SYNC:
        return False
    finished = finished_tools(link)
    progress = InitialProgress(tools=link.tools, finished=finished,
                               pending=enabled_tools(link.tools) <= finished and _has_pending(ctx),
                               initial_sync=link.initial_sync, sp_enumeration=link.sp_enumeration)
    verdict = decide_completion(progress)
    if verdict is Completion.START_SP_PHASE:
        _start_sp_phase(ctx)
    if verdict is not Completion.COMPLETE:
        return False

    def change(current: LinkRow | None) -> LinkRow | None:
        if current is None or current.stage is not Stage.INITIAL_SYNC:
            return None
        return current.model_copy(update={"stage": Stage.REGULAR, "notified_initial_sync": True,
                                          "updated_at": datetime.now(UTC)})

    if not ctx.services.repos.links.mutate_won(link.tenant_id, link.link_id, change):
        return False
    repos = ctx.services.repos
    company = link.procore_project_id is None
    repos.record_activity(repos.new_activity(link.link_id, "initial_sync_complete",
                                             detail=f"{'company' if company else 'project'} {link.project_name}"))
    log.info("initial sync complete", extra={"tenant_id": link.tenant_id, "link_id": link.link_id})
    email = initial_sync_email(link.project_name, ctx.modes, company=company)
    ctx.send(Step.NOTIFY, SendNotification(
        tenant_id=link.tenant_id, link_id=link.link_id, notification_id="initial-sync-complete",
        subject=email.subject, body=email.body))
    return True
