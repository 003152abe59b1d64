"""Reconciliation step (one link in regular sync): repair what a dropped notification or webhook missed.

SharePoint side: one DriveDelta when the message asks for it (the timer asks one link per drive;
the delta step reads from the drive's stored cursor and serves all its links). Procore side, per
tool with a change feed (its adapter's `changes`): the items changed since the tool's watermark
(cursors row `procore_watermark:<tool>`), each handed to detect as a ProcoreChange hint (event
"update", no source application, so detect re-reads and decides); the watermark moves only after
the hints are enqueued, ETag-conditionally. A link without a watermark gets one at "now" (the
initial sync sets it when it starts, so the first pass never re-plans the whole project).
Each pass also forgets the link's delete rows too old to count toward the mass-delete breaker. The
cheap check (check.py, every couple of minutes) runs the same Procore pass without the rest. A link of a
company whose passes would cost more than RECONCILE_SHARE of its Procore budget gets the pass on its turns
only (`procore` false otherwise: shared/safety/checks.py, as the cheap checks). On a
paused link the pass is the periodic health check instead (runners/pause.py: resume once the cause is fixed).
Privacy (shared/sync/privacy.py): while the tenant includes private items, each pass also hints the items
still skipped as private; a message with `privacy` tools (the tenant's include_private changed) is a
privacy pass instead: each tool's listing, every private item hinted (copied or withdrawn by detect).
Never imports azure.functions.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from shared import errors
from shared.models.api import ToolKey
from shared.models.messages import CheckLink, DriveDelta, ProcoreChange, ReconcileLink
from shared.models.rows import CursorRow, ItemKind, ItemState, Stage
from shared.safety.watermark import Watermark, plan_pass, window
from shared.sync.context import LinkContext, Step
from shared.sync.hooks import needs_graph
from shared.sync.privacy import PRIVATE_REASON
from shared.sync.runners import pause
from shared.sync.runners.breaker import forget_old_deletes
from shared.tools import fed_tools as tools_with_feed
from shared.tools import private_tools

log = logging.getLogger("pcsync.safety")


def watermark_kind(tool: ToolKey) -> str:
    return f"procore_watermark:{tool.value}"


def fed_tools(ctx: LinkContext) -> list[ToolKey]:
    """The link's tools that are on and have a Procore change feed."""
    return tools_with_feed(ctx.link.tools)


def init_watermarks(ctx: LinkContext) -> None:
    """Start each tool's watermark at now, unless it has one (idempotent; called as the initial sync starts)."""
    now = datetime.now(UTC)
    for tool in fed_tools(ctx):
        try:
            ctx.services.repos.cursors.create(CursorRow(scope=ctx.link.link_id, kind=watermark_kind(tool),
                                                        value=Watermark(until=now).dump(), updated_at=now))
        except errors.Conflict:
            pass


def reconcile_link(ctx: LinkContext, msg: ReconcileLink) -> int:
    """Run one pass; returns how many Procore hints were enqueued."""
    if ctx.link.stage is Stage.PAUSED:
        pause.check_paused(ctx)         # resumes it (and queues a full pass) once its cause is fixed
        return 0
    if ctx.link.stage is not Stage.REGULAR:
        return 0                        # still in its initial sync: the next timer run comes back
    if msg.privacy:
        return privacy_pass(ctx, msg)
    forget_old_deletes(ctx, datetime.now(UTC))
    if msg.graph and needs_graph(ctx.link.tools):
        ctx.send(Step.DETECT, DriveDelta(tenant_id=msg.tenant_id, link_id=msg.link_id, lane=msg.lane))
    hinted, more = procore_passes(ctx, msg, "reconcile") if msg.procore else (0, False)
    if more:
        ctx.send(Step.DETECT, msg.model_copy(update={"graph": False}))
    return hinted + hint_released(ctx, msg)


def _hint(ctx: LinkContext, msg: ReconcileLink, tool: ToolKey, source_id: str) -> None:
    adapter = ctx.adapter(tool)
    ctx.send(Step.DETECT, ProcoreChange(tenant_id=msg.tenant_id, link_id=msg.link_id, lane=msg.lane, tool=tool,
                                        resource_name=adapter.resource_name(ctx.link, ItemKind.FILE),
                                        resource_id=int(source_id), event_type="update"))


def hint_released(ctx: LinkContext, msg: ReconcileLink) -> int:
    """While the tenant includes private items: a hint per source item still skipped as private (the
    settings change's own pass may have been lost; normally there are none)."""
    if not ctx.tenant.settings.include_private:
        return 0
    tools = set(private_tools(ctx.link.tools))
    rows = ctx.services.repos.items.query(ctx.link.link_id, "state eq @s and reason eq @r",
                                          {"s": ItemState.SKIPPED.value, "r": PRIVATE_REASON})
    sources = dict.fromkeys((s.row.tool, s.row.key.source_id) for s in rows if s.row.tool in tools)
    for tool, source_id in sources:
        _hint(ctx, msg, tool, source_id)
    if sources:
        log.info("reconcile: %d item(s) skipped as private handed to detect (private items are included now)",
                 len(sources), extra={"tenant_id": msg.tenant_id, "link_id": msg.link_id})
    return len(sources)


def privacy_pass(ctx: LinkContext, msg: ReconcileLink) -> int:
    """The tenant's include_private changed: every private item of the first tool in `msg.privacy` is
    hinted to detect, which copies it (now included) or withdraws its synced twin (now excluded); the
    other tools follow in their own step. Returns the hints enqueued."""
    tool, rest = msg.privacy[0], msg.privacy[1:]
    hinted = 0
    if tool in private_tools(ctx.link.tools):
        adapter = ctx.adapter(tool)
        page: int | None = 1
        while page is not None:
            listing = adapter.list_page(ctx.procore, ctx.link, page)
            for item in listing.items:
                if item.private:
                    _hint(ctx, msg, tool, item.key.source_id)
                    hinted += 1
            page = listing.next_page
    if rest:
        ctx.send(Step.DETECT, msg.model_copy(update={"privacy": rest}))
    log.info("privacy pass of %s: %d private item(s) handed to detect", tool.value, hinted,
             extra={"tenant_id": msg.tenant_id, "link_id": msg.link_id})
    return hinted


def procore_passes(ctx: LinkContext, msg: ReconcileLink | CheckLink, step: str) -> tuple[int, bool]:
    """One watermark pass of each fed tool of the link: (hints enqueued, more left for another step)."""
    hinted, more = 0, False
    for tool in fed_tools(ctx):
        count, left = procore_pass(ctx, msg, tool)
        hinted, more = hinted + count, more or left
    if hinted:
        log.info("%s: %d Procore change(s) handed to detect", step, hinted,
                 extra={"tenant_id": msg.tenant_id, "link_id": msg.link_id})
    return hinted, more


def procore_pass(ctx: LinkContext, msg: ReconcileLink | CheckLink, tool: ToolKey) -> tuple[int, bool]:
    """One watermark pass of one tool (also the cheap check's): (hints enqueued, more left for another step)."""
    repos = ctx.services.repos
    kind = watermark_kind(tool)
    stored = repos.cursors.get(ctx.link.link_id, kind)
    now = datetime.now(UTC)
    if stored is None:                  # a link older than the safety net: start now, not from the beginning
        init_watermarks(ctx)
        return 0, False
    mark = Watermark.parse(stored.row.value)
    if mark is None:
        log.warning("reconcile: unreadable %s watermark restarted at now", tool.value)
        mark = Watermark(until=now)
    adapter = ctx.adapter(tool)
    since, until = window(mark, now)
    result = plan_pass(mark, adapter.changes(ctx.procore, ctx.link, since, until), until)
    for change in result.hints:
        ctx.send(Step.DETECT, ProcoreChange(tenant_id=msg.tenant_id, link_id=msg.link_id, lane=msg.lane, tool=tool,
                                            resource_name=adapter.resource_name(ctx.link, change.kind),
                                            resource_id=int(change.procore_id), event_type="update"))
    if result.next != mark:
        row = CursorRow(scope=ctx.link.link_id, kind=kind, value=result.next.dump(), updated_at=datetime.now(UTC))
        try:
            repos.cursors.replace(row, stored.etag)
        except errors.Conflict:
            log.info("reconcile: %s watermark moved by a concurrent pass", tool.value)
    return len(result.hints), result.more
