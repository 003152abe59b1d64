"""Detect (live, Procore side): re-read the resource a webhook hinted at and plan what SharePoint needs.

The payload is only a hint: the current state comes from Procore with our own token, the last agreed
state from the items row, and the pure `decide_procore_to_sp` turns the two into actions (for a tool
with derived items, once per part of the source item the webhook names).
Our own writes are recognised by the version the items row recorded (an echo re-reads to exactly the
agreed state, a no-op). The cheaper shortcut, source_application_id = our client id, is taken only
when no other link of the tenant shares the Procore project: for that link, our write through a sibling
link is a real change. Never imports azure.functions.
"""

from __future__ import annotations

import logging

from shared.models.messages import FetchFile, MirrorFolder, ProcoreChange, RecordResult, SpMetadata
from shared.models.rows import ItemKey, ItemRow
from shared.store.items import parts_of
from shared.sync.columns import refresh_columns
from shared.sync.context import ACTIVE_STAGES, LinkContext, Step
from shared.sync.decide import Action, ActionKind, decide_procore_to_sp
from shared.sync.derived import plan_parts
from shared.sync.privacy import private_skip, released, withdraw
from shared.sync.runners.breaker import register_delete
from shared.sync.runners.record import ensure_item_row, record_result, record_skip
from shared.sync.runners.to_procore import resume_after_checkin
from shared.tools.base import SourceItem, ToolAdapter

log = logging.getLogger("pcsync.sync")


def _sibling_links(ctx: LinkContext) -> bool:
    """Does another live link of the tenant sync the same Procore project (or company Documents)?"""
    own = ctx.link
    return any(other.row.link_id != own.link_id and other.row.stage in ACTIVE_STAGES
               and other.row.procore_company_id == own.procore_company_id
               and other.row.procore_project_id == own.procore_project_id
               for other in ctx.services.repos.links.query(own.tenant_id))


def procore_change(ctx: LinkContext, msg: ProcoreChange) -> list[ActionKind]:
    if msg.source_application_id and msg.source_application_id == ctx.tenant.procore.client_id \
            and not _sibling_links(ctx):
        log.info("ignored our own change to %s %s", msg.resource_name, msg.resource_id)
        return []
    adapter = ctx.adapter(msg.tool)
    kind = adapter.kind_of_resource(msg.resource_name) if adapter.capabilities.available else None
    if kind is None:
        return []
    procore_id = str(msg.resource_id)
    current = adapter.get(ctx.procore, ctx.link, procore_id, kind)
    if adapter.capabilities.derived_items:
        return _derived_change(ctx, msg, adapter, current)
    base = ctx.item(msg.tool, procore_id, fresh=True)
    if base is not None and resume_after_checkin(ctx, base.row, msg.lane):
        log.info("resumed the SharePoint change to %s that waited on its checkout", procore_id)
    actions = decide_procore_to_sp(current, base.row if base else None)
    done = _execute(ctx, msg, procore_id, current, base.row if base else None, actions)
    if current is not None and base is not None and ActionKind.COPY_TO_SP not in done:
        refresh_columns(ctx, current, base.row)   # changed without new content (a photo's description)
    return done


def _derived_change(ctx: LinkContext, msg: ProcoreChange, adapter: ToolAdapter,
                    current: SourceItem | None) -> list[ActionKind]:
    """A source item that gives several SharePoint items (a record's PDF and attachments): each part is
    planned against its own row, and the parts the source no longer has (all of them once it is gone)
    are deleted."""
    # The source the delivery is about, as the adapter reads it (a drawing for a revision's event), else its id.
    source = current.key if current is not None else ItemKey(tool=msg.tool, source_id=str(msg.resource_id))
    parts = adapter.parts(ctx.procore, ctx.link, current) if current is not None else []
    rows = {stored.row.procore_id: stored.row for stored in parts_of(ctx.services.repos, ctx.link.link_id, source)}
    now = {part.procore_id: part for part in parts}
    settings = ctx.tenant.settings     # privacy is re-read each time: a part skipped as private may be copied now
    held = {pid: row for pid, row in rows.items() if not released(now.get(pid), row, settings)}
    done: list[ActionKind] = []
    for plan in plan_parts(source, parts, held, adapter.compare_versions):
        procore_id = plan.key.procore_id
        current, row = now.get(procore_id), rows.get(procore_id)
        actions = withdraw(current, row, settings) or plan.actions   # synced, now private: recycled
        done += _execute(ctx, msg, procore_id, current, row, actions)
    return done


def _execute(ctx: LinkContext, msg: ProcoreChange, procore_id: str, current: SourceItem | None,
             base: ItemRow | None, actions: list[Action]) -> list[ActionKind]:
    """Send the steps that carry out the actions planned for one item."""
    dims = {"tenant_id": msg.tenant_id, "link_id": msg.link_id}
    common = {"tenant_id": msg.tenant_id, "link_id": msg.link_id, "lane": msg.lane, "tool": msg.tool,
              "procore_id": procore_id}
    for action in actions:
        log.info("%s %s: %s", action.kind.value, procore_id, action.reason, extra=dims)
        skip = private_skip(current, ctx.tenant.settings) if current is not None else None
        if skip and current is not None and action.kind in (ActionKind.MIRROR_FOLDER_SP, ActionKind.COPY_TO_SP):
            ensure_item_row(ctx, current, replan=True)
            record_skip(ctx, msg.tool, procore_id, skip)
        elif action.kind is ActionKind.MIRROR_FOLDER_SP:
            assert current is not None
            ensure_item_row(ctx, current, replan=True)
            ctx.send(Step.METADATA, MirrorFolder(**common))
        elif action.kind is ActionKind.COPY_TO_SP:
            assert current is not None
            ensure_item_row(ctx, current, replan=True)
            ctx.send(Step.TRANSFER, FetchFile(**common, version=current.version or "",
                                              download_url=current.download_url, size=current.size,
                                              modified_at=current.updated_at, name=current.name,
                                              parent_id=current.parent_id,
                                              columns=ctx.adapter(msg.tool).sp_columns(current)))
        elif action.kind is ActionKind.MOVE_SP:
            ctx.send(Step.METADATA, SpMetadata(**common, action="move"))
        elif action.kind is ActionKind.RECYCLE_SP:
            assert base is not None
            register_delete(ctx, base, "to_sharepoint", SpMetadata(**common, action="recycle"))
        elif action.kind is ActionKind.FORGET:
            record_result(ctx, RecordResult(**common, outcome="deleted", reason=action.reason))
    return [a.kind for a in actions]
