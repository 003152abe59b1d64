"""SharePoint changes under a one-way tool (the link's mode, or a one-way tenant): planned, never sent.

A person's edit, rename, move or delete of a SharePoint copy is planned like any change (the planner says
skip for everything bound for Procore, restore for a deleted copy) and logged once as a `not_synced`
activity event: an edit's SharePoint state (its eTag) is claimed on the items row first, so a redelivery or
a delta resync of the same state logs nothing more; a delete is claimed by the deleted SharePoint id (a row
of its own that nothing resets: the items row is reset or re-created when the copy comes back). A deleted
copy comes back from Procore as a new twin (its Procore subtree with it, for a folder). A SharePoint delete
seen while the tool was two-way and applied after it turned one-way (the settle window, a breaker's release)
is planned again here, not applied. Never imports azure.functions.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from shared.models.api import Mode, ToolKey
from shared.models.messages import Lane, ProcoreChange, SpChange
from shared.models.rows import ItemKind, ItemRow, ItemState, NotificationRow
from shared.store.repositories import item_key
from shared.sync.context import LinkContext, Step
from shared.sync.decide import agreed_pair
from shared.sync.plan.planner import plan
from shared.sync.plan.state import PlanInput, SideState
from shared.sync.plan.vocabulary import Action, ActionKind, Kind, Side
from shared.sync.runners.planning import policy_for
from shared.sync.runners.record import forget_twin

log = logging.getLogger("pcsync.sync")
DELETE_CLAIM = "not_synced:"   # + the deleted SharePoint id: the notice row claiming its one `not_synced` log
MAX_RESTORED = 5000   # items of one restored folder; beyond it the rest is logged, not restored


def _procore_side(row: ItemRow) -> SideState:
    """Procore's side as agreed: nothing there changed (its own changes come through its webhooks)."""
    kind = Kind.FOLDER if row.kind is ItemKind.FOLDER else Kind.FILE
    return SideState(kind=kind, name=row.procore_name, parent=row.procore_parent_id, version=row.procore_version)


def _sp_side(msg: SpChange, row: ItemRow) -> SideState | None:
    """SharePoint's state as the delta reported it (None: deleted), against the agreed row."""
    if msg.deleted:
        return None
    kind = Kind.FOLDER if msg.is_folder else Kind.FILE
    changed = kind is Kind.FILE and bool(row.sp_quickxor) and msg.quickxor != row.sp_quickxor
    parent = row.procore_parent_id if msg.parent_id == row.sp_parent_id else f"sp:{msg.parent_id}"
    return SideState(kind=kind, name=msg.name or row.sp_name or "", parent=parent, version=msg.etag,
                     hash=msg.quickxor, size=msg.size, modified=msg.modified_at, content_changed=changed)


def _claim(ctx: LinkContext, row: ItemRow, mark: str) -> bool:
    """Note this SharePoint state on the row; False when it was noted already (logged once)."""
    def change(current: ItemRow | None) -> ItemRow | None:
        if current is None or current.sp_item_id != row.sp_item_id or current.sp_not_synced == mark:
            return None
        return current.model_copy(update={"sp_not_synced": mark})

    won = ctx.services.repos.items.mutate_won(ctx.link.link_id, item_key(row.tool.value, row.procore_id), change)
    ctx.forget_cached(row.tool, row.procore_id)
    return won


def _claim_delete(ctx: LinkContext, row: ItemRow, sp_item_id: str | None) -> bool:
    """Claim the one log of a person's delete of SharePoint item `sp_item_id`; False when claimed already.
    Keyed by the deleted id, not marked on the items row: a file's restore below a deleted folder resets
    the folder's row (and mirrors it anew under a new id) while the folder's own report may still be on
    its way with the row it read before; a mark on the row would be gone by then (issue 13)."""
    if not sp_item_id:
        return False
    notice = DELETE_CLAIM + sp_item_id

    def change(current: NotificationRow | None) -> NotificationRow | None:
        if current is not None:
            return None
        return NotificationRow(link_id=ctx.link.link_id, notification_id=notice,
                               owner=item_key(row.tool.value, row.procore_id), state="logged",
                               claimed_at=datetime.now(UTC))

    return ctx.services.repos.notifications.mutate_won(ctx.link.link_id, notice, change)


def sp_change_one_way(ctx: LinkContext, msg: SpChange, tool: ToolKey, base: ItemRow | None) -> list[ActionKind]:
    """Plan a SharePoint change of a one-way tool's item; log it once; restore a deleted copy."""
    if base is None or base.state is not ItemState.SYNCED:
        return []     # new in SharePoint (or not synced yet): it stays there, as the planner says
    if not msg.deleted and (msg.modified_by_app or (msg.etag is not None and msg.etag == base.sp_etag)):
        return []     # our own write, or the agreed state
    planned = plan(PlanInput(_procore_side(base), _sp_side(msg, base), agreed_pair(base), policy_for(ctx, tool)))
    skipped = [a for a in planned.actions if a.kind is ActionKind.SKIP and a.target is Side.PROCORE]
    restore = [a for a in planned.actions if a.kind is ActionKind.RESTORE and a.target is Side.SHAREPOINT]
    if not (skipped or restore):
        return []
    claimed = _claim_delete(ctx, base, msg.sp_item_id) if msg.deleted else _claim(ctx, base, msg.etag or "")
    if not claimed:
        return []
    _log_once(ctx, tool, base, skipped + restore)
    if restore:
        _restore(ctx, msg.lane, tool, base)
    return planned.kinds()


def delete_withheld(ctx: LinkContext, twin: ItemRow, lane: Lane) -> bool:
    """A SharePoint delete about to be applied in Procore (after its settle window, or released from the
    breaker) whose tool is one-way by now: True when the planner keeps Procore's item (its copy is then
    restored in SharePoint, logged once) instead of deleting it."""
    policy = policy_for(ctx, twin.tool)
    if policy.mode is not Mode.ONE_WAY:
        return False
    planned = plan(PlanInput(_procore_side(twin), None, agreed_pair(twin), policy))
    if any(a.kind is ActionKind.DELETE and a.target is Side.PROCORE for a in planned.actions):
        return False
    if _claim_delete(ctx, twin, twin.sp_item_id):
        _log_once(ctx, twin.tool, twin, list(planned.actions))
        if ActionKind.RESTORE in planned.kinds():
            _restore(ctx, lane, twin.tool, twin)
    return True


def folder_gone(ctx: LinkContext, row: ItemRow) -> None:
    """A one-way tool's folder whose SharePoint copy a write below it found gone (a file's restore mirrors its
    missing parent anew): a person's delete, logged once here, since the folder's own delete report, seen
    later, finds no twin any more. Claimed by the deleted id like that report, so only one of the two logs it,
    even when that report read the folder's row before this reset it."""
    policy = policy_for(ctx, row.tool)
    if policy.mode is not Mode.ONE_WAY or not ctx.adapter(row.tool).capabilities.two_way:
        return
    planned = plan(PlanInput(_procore_side(row), None, agreed_pair(row), policy))
    if any(a.kind is ActionKind.DELETE and a.target is Side.PROCORE for a in planned.actions):
        return
    if _claim_delete(ctx, row, row.sp_item_id):
        _log_once(ctx, row.tool, row, list(planned.actions))


def _log_once(ctx: LinkContext, tool: ToolKey, row: ItemRow, actions: list[Action]) -> None:
    detail = "; ".join(dict.fromkeys(a.reason for a in actions))
    repos = ctx.services.repos
    repos.record_activity(repos.new_activity(ctx.link.link_id, "not_synced", tool=tool, item=row.procore_id,
                                             path=row.sp_name or row.procore_name, detail=detail))
    log.info("not synced (one-way) %s:%s: %s", tool.value, row.procore_id, detail,
             extra={"tenant_id": ctx.tenant.tenant_id, "link_id": ctx.link.link_id})


def _restore(ctx: LinkContext, lane: Lane, tool: ToolKey, row: ItemRow) -> None:
    """Forget the deleted twins (the item, and a folder's Procore subtree) and hand each Procore item to
    detect, which copies it to SharePoint as new (parents before children)."""
    adapter = ctx.adapter(tool)
    items: list[tuple[str, ItemKind]] = [(row.procore_id, row.kind)]
    pending = [row.procore_id] if row.kind is ItemKind.FOLDER else []
    while pending and len(items) < MAX_RESTORED:
        for child in adapter.children(ctx.procore, ctx.link, pending.pop(0)):
            items.append((child.procore_id, child.kind))
            if child.kind is ItemKind.FOLDER:
                pending.append(child.procore_id)
    if pending:
        log.warning("restored folder %s: only its first %d items are restored", row.procore_id, MAX_RESTORED,
                    extra={"tenant_id": ctx.tenant.tenant_id, "link_id": ctx.link.link_id})
    for procore_id, _kind in reversed(items):   # the item's own row last: a redelivery finds it and stops
        stored = ctx.item(tool, procore_id, fresh=True)
        if stored is not None:
            forget_twin(ctx, stored.row)
    for procore_id, kind in items:
        if not procore_id.isdigit():   # a derived part (not a Procore resource): its source's hint brings it
            continue
        ctx.send(Step.DETECT, ProcoreChange(tenant_id=ctx.link.tenant_id, link_id=ctx.link.link_id, lane=lane,
                                            tool=tool, resource_name=adapter.resource_name(ctx.link, kind),
                                            resource_id=int(procore_id), event_type="update"))
