"""Metadata actions on SharePoint: mirror a folder, rename/move a twin, recycle a twin.

A rename and a move are one PATCH that makes the twin match the item's current Procore name and
parent (so a redelivered or reordered message converges instead of undoing anything), and deletes
go to the SharePoint recycle bin. Never imports azure.functions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from shared import errors
from shared.graph import items as sp_items
from shared.models.messages import MirrorFolder, ProcoreMetadata, RecordResult, SpMetadata, SpToProcore
from shared.models.rows import ItemKind, ItemRow, ItemState
from shared.sync.conflict import Side
from shared.sync.context import LinkContext, Step
from shared.sync.decide import agreed_pair, procore_state, sharepoint_state
from shared.sync.plan.aspects import plan_content, plan_metadata
from shared.sync.plan.state import PlanInput
from shared.sync.plan.vocabulary import ActionKind
from shared.sync.runners.breaker import admit_delete
from shared.sync.runners.folder_delete import keep_edits_below
from shared.sync.runners.planning import conflict_of, policy_for
from shared.sync.runners.record import ensure_item_row, forget_twin, record_conflict, record_result, record_skip
from shared.sync.runners.transfer import written_by_us
from shared.sync.runners.tree import ensure_folder, ensure_parent, legal_name
from shared.tools.base import SourceItem

log = logging.getLogger("pcsync.sync")


def mirror_folder(ctx: LinkContext, msg: MirrorFolder) -> None:
    stored = ctx.item(msg.tool, msg.procore_id, fresh=True)
    if stored is None:
        current = ctx.adapter(msg.tool).get(ctx.procore, ctx.link, msg.procore_id, ItemKind.FOLDER)
        if current is None:
            return
        stored = ensure_item_row(ctx, current)
    if stored.row.state is ItemState.SYNCED and stored.row.sp_item_id:
        return
    try:
        ensure_folder(ctx, msg.tool, msg.procore_id)
    except errors.ItemSkipped as exc:
        if ctx.item(msg.tool, msg.procore_id, fresh=True) is not None:
            record_skip(ctx, msg.tool, msg.procore_id, exc.reason)


def _edited_in_sharepoint(ctx: LinkContext, msg: SpMetadata, row: ItemRow, sp_id: str) -> bool:
    """Deleted in Procore: the planner weighs the delete against SharePoint's current state. True when an
    edit there beats it (copied to Procore as a new file, or, one-way, left in SharePoint untracked)."""
    try:
        now = sp_items.get_item(ctx.graph, ctx.drive_id, sp_id)
    except errors.NotFound:
        return False
    planned = plan_content(PlanInput(None, sharepoint_state(now, row, by_us=written_by_us(ctx, now)),
                                     agreed_pair(row), policy_for(ctx, msg.tool)))
    kept = conflict_of(planned)
    if kept is None:
        return False  # unchanged since agreed, or changed by our own write (no person's edit to keep)
    record_conflict(ctx, msg.tool, msg.procore_id, now.name, kept.reason)
    forget_twin(ctx, row)
    if ActionKind.RESTORE in planned.kinds():
        ctx.send(Step.TRANSFER, SpToProcore(tenant_id=msg.tenant_id, link_id=msg.link_id, lane=msg.lane,
                                            tool=msg.tool, sp_item_id=sp_id))
    return True


def sp_metadata(ctx: LinkContext, msg: SpMetadata) -> None:
    stored = ctx.item(msg.tool, msg.procore_id, fresh=True)
    sp_id = stored.row.sp_item_id if stored else None
    if stored is None or sp_id is None:
        return
    row = stored.row
    common = {"tenant_id": msg.tenant_id, "link_id": msg.link_id, "lane": msg.lane, "tool": msg.tool,
              "procore_id": msg.procore_id}
    if msg.action == "recycle":
        if row.kind is ItemKind.FILE and _edited_in_sharepoint(ctx, msg, row, sp_id):
            return
        if not admit_delete(ctx, row):
            return
        if row.kind is ItemKind.FOLDER and keep_edits_below(ctx, msg, row, sp_id):
            return
        sp_items.delete_item(ctx.graph, ctx.drive_id, sp_id)
        record_result(ctx, RecordResult(**common, outcome="deleted", reason="deleted in Procore"))
        return
    current = ctx.adapter(msg.tool).get(ctx.procore, ctx.link, msg.procore_id, row.kind)
    if current is None:
        return  # deleted meanwhile: the delete's own message recycles it
    target = row.model_copy(update={"procore_name": current.name, "procore_parent_id": current.parent_id})
    back = _won_in_sharepoint(ctx, msg, row, current, sp_id)
    try:
        parent_sp = back.parent_id if back and ActionKind.MOVE in back.kinds else ensure_parent(ctx, msg.tool, target)
        name = back.name if back and ActionKind.RENAME in back.kinds else legal_name(ctx, msg.tool, target)
    except errors.ItemSkipped as exc:
        record_skip(ctx, msg.tool, msg.procore_id, f"cannot follow the rename/move: {exc.reason}")
        return
    sp_name, sp_parent = (back.name, back.parent_id) if back else (row.sp_name, row.sp_parent_id)
    updated = sp_items.update_item(
        ctx.graph, ctx.drive_id, sp_id,
        name=name if name != sp_name else None,
        new_parent_id=parent_sp if parent_sp != sp_parent else None,
    ) if (name != sp_name or parent_sp != sp_parent) else None
    record_result(ctx, RecordResult(
        **common, outcome="synced", version=row.procore_version, procore_name=current.name,
        procore_parent_id=current.parent_id, sp_item_id=sp_id, sp_parent_id=parent_sp,
        sp_name=updated.name if updated else sp_name, sp_etag=updated.etag if updated else None,
        sp_ctag=updated.ctag if updated else None, reason=f"{msg.action} in Procore"))
    if back is not None:   # SharePoint's name or place goes to Procore (after this record, so it sees the change)
        ctx.send(Step.METADATA, ProcoreMetadata(tenant_id=msg.tenant_id, link_id=msg.link_id, lane=msg.lane,
                                                tool=msg.tool, sp_item_id=sp_id, action="move"))


@dataclass(frozen=True)
class _Kept:
    """What SharePoint keeps of its own name and place, because the planner sends it to Procore."""

    kinds: frozenset[ActionKind]
    name: str | None
    parent_id: str | None


def _won_in_sharepoint(ctx: LinkContext, msg: SpMetadata, row: ItemRow, current: SourceItem,
                       sp_id: str) -> _Kept | None:
    """Renamed or moved in Procore: the planner weighs it against SharePoint's current name and place (a
    different rename or move there too: the newer wins). None: Procore's name and place both go to SharePoint."""
    try:
        now = sp_items.get_item(ctx.graph, ctx.drive_id, sp_id)
    except errors.NotFound:
        return None
    planned = plan_metadata(PlanInput(procore_state(current, row, metadata=True),
                                      sharepoint_state(now, row, by_us=written_by_us(ctx, now)), agreed_pair(row),
                                      policy_for(ctx, msg.tool)))
    kinds = frozenset(a.kind for a in planned.actions
                      if a.target is Side.PROCORE and a.kind in (ActionKind.RENAME, ActionKind.MOVE))
    return _Kept(kinds, now.name, now.parent_id) if kinds else None
