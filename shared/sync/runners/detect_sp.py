"""Detect (live, SharePoint side): an item from the drive's delta + its last agreed state -> actions.

The decision is the pure `decide_sp_to_procore`; our own writes (lastModifiedBy = our app) and
states already agreed (same eTag) are no-ops, which is what keeps the two directions from echoing.
A file's first save after a quiet spell is copied at once; the saves that follow it wait for the tenant's
quiet period (shared/sync/quiet.py, leading-edge), so rapid saves coalesce.
The change belongs to the two-way tool whose SharePoint folder holds it (`sp_tool`); every follow-up
names that tool. Under a one-way tool (the link's mode or the tenant's direction) runners/one_way.py
takes it: logged once, never sent to Procore; a one-way tool's derived item (a record's PDF, attachment
or folder) a person deleted is put back from Procore (`_put_back`). Never imports azure.functions.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from shared import errors
from shared.graph import items as sp_items
from shared.models.api import Mode, ToolKey
from shared.models.messages import ProcoreChange, ProcoreMetadata, SpChange, SpToProcore
from shared.models.rows import ItemKey, ItemRow
from shared.store.items import parts_of
from shared.sync.context import LinkContext, Step
from shared.sync.decide import ActionKind, SpView, decide_sp_to_procore
from shared.sync.quiet import copy_delay
from shared.sync.runners.breaker import register_delete
from shared.sync.runners.one_way import sp_change_one_way
from shared.sync.runners.record import forget_twin, twin_of
from shared.tools import is_available

log = logging.getLogger("pcsync.sync")
MAX_ANCESTORS = 64


def sp_tool(ctx: LinkContext, base: ItemRow | None, parent_id: str | None) -> ToolKey | None:
    """The tool a SharePoint item belongs to: its twin's; else the tool whose SharePoint root or mapped
    folder is its parent; else the link's only two-way tool (a new item below folders not mirrored yet,
    which are mirrored on the way). With several two-way tools, such an item's ancestors are read up to a
    tool root or a mapped folder; None when none is found (not guessed)."""
    if base is not None:
        return base.tool
    two_way = [tool for tool, mode in ctx.modes.items() if mode is Mode.TWO_WAY]
    for _ in range(MAX_ANCESTORS):
        if parent_id is None:
            break
        for tool in two_way:
            root = ctx.link.tool_roots.get(tool)
            if root is not None and root.sp_item_id == parent_id:
                return tool
        parent = twin_of(ctx, parent_id)
        if parent is not None:
            return parent.tool
        if len(two_way) < 2:
            break
        try:
            parent_id = sp_items.get_item(ctx.graph, ctx.drive_id, parent_id).parent_id
        except errors.NotFound:
            break
    return two_way[0] if len(two_way) == 1 else None


def _put_back(ctx: LinkContext, msg: SpChange, base: ItemRow) -> None:
    """A person deleted a twin of a one-way tool's derived item (a record's PDF, attachment or their folder):
    the source's parts forget their twins and the source is planned again from Procore, which copies back
    what is missing (a twin still in SharePoint is adopted by its identical bytes, not copied twice)."""
    adapter = ctx.adapter(base.tool)
    source = base.key.source_id
    forget_twin(ctx, base)      # (a container of several sources, e.g. a drawing area, is mirrored anew on demand)
    for stored in parts_of(ctx.services.repos, ctx.link.link_id, ItemKey(tool=base.tool, source_id=source)):
        forget_twin(ctx, stored.row)
    log.info("%s %s deleted in SharePoint: put back from Procore", base.tool.value, base.procore_id,
             extra={"tenant_id": msg.tenant_id, "link_id": msg.link_id})
    if source.isdigit():
        ctx.send(Step.DETECT, ProcoreChange(tenant_id=msg.tenant_id, link_id=msg.link_id, lane=msg.lane,
                                            tool=base.tool, resource_name=adapter.resource_name(ctx.link, base.kind),
                                            resource_id=int(source), event_type="update"))


def _one_way_derived(ctx: LinkContext, tool: ToolKey) -> bool:
    return ctx.modes.get(tool) is Mode.ONE_WAY and is_available(tool) \
        and ctx.adapter(tool).capabilities.derived_items


def sp_change(ctx: LinkContext, msg: SpChange) -> list[str]:
    """Plan one SharePoint change; the kinds of the actions taken (empty: nothing to do)."""
    base = twin_of(ctx, msg.sp_item_id)
    if base is not None and msg.deleted and _one_way_derived(ctx, base.tool) \
            and msg.modified_by_app != ctx.tenant.microsoft.client_id:
        _put_back(ctx, msg, base)
        return []
    tool = sp_tool(ctx, base, msg.parent_id)
    if tool is None or not is_available(tool):
        return []
    mode = ctx.modes.get(tool, Mode.OFF)
    if mode is Mode.ONE_WAY and ctx.adapter(tool).capabilities.two_way:
        return [str(kind) for kind in sp_change_one_way(ctx, msg, tool, base)]   # logged once, never sent
    if mode is not Mode.TWO_WAY:
        return []
    view = SpView(sp_item_id=msg.sp_item_id, deleted=msg.deleted, is_folder=msg.is_folder, name=msg.name,
                  parent_id=msg.parent_id, etag=msg.etag, quickxor=msg.quickxor,
                  modified_by_app=msg.modified_by_app)
    actions = decide_sp_to_procore(view, base, ctx.tenant.microsoft.client_id)
    common = {"tenant_id": msg.tenant_id, "link_id": msg.link_id, "lane": msg.lane, "tool": tool,
              "sp_item_id": msg.sp_item_id}
    for action in actions:
        log.info("%s %s: %s", action.kind.value, msg.sp_item_id, action.reason,
                 extra={"tenant_id": msg.tenant_id, "link_id": msg.link_id})
        if action.kind is ActionKind.COPY_TO_PROCORE:
            wait = copy_delay(msg.etag, base.sp_etag if base else None, base.updated_at if base else None,
                              msg.modified_at, datetime.now(UTC), ctx.tenant.settings.quiet_period_s)
            ctx.send(Step.TRANSFER, SpToProcore(**common, seen_etag=msg.etag), delay_s=wait)
        elif action.kind is ActionKind.MIRROR_FOLDER_PROCORE:
            ctx.send(Step.METADATA, ProcoreMetadata(**common, action="mirror_folder"))
        elif action.kind is ActionKind.MOVE_PROCORE:
            ctx.send(Step.METADATA, ProcoreMetadata(**common, action="move"))
        elif action.kind is ActionKind.RECYCLE_PROCORE:
            assert base is not None
            register_delete(ctx, base, "to_procore", ProcoreMetadata(**common, action="recycle"))
    return [str(a.kind) for a in actions]
