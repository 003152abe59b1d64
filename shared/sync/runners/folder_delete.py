"""Edit beats delete, for a whole folder: a folder deleted on one side whose twin on the other side
holds a person's changes made since the agreed state (an edited file, or a file never synced).

Those files stay with the folders above them, and come back to the deleting side as new items (its
deleted folders are in its recycle bin, so their twins are forgotten and mirrored anew); everything
else below the folder is deleted as asked. Nothing a person wrote is lost, and nothing unchanged
survives the delete. Both directions, each in its own function. Never imports azure.functions.
"""

from __future__ import annotations

import logging

from shared import errors
from shared.graph import items as sp_items
from shared.graph.models import DriveItem
from shared.models.api import ToolKey
from shared.models.messages import ProcoreChange, ProcoreMetadata, SpMetadata, SpToProcore
from shared.models.rows import ItemKind, ItemRow, ItemState
from shared.store.repositories import item_key
from shared.sync.context import LinkContext, Step
from shared.sync.decide import agreed_pair, folder_state
from shared.sync.naming import unsupported_reason
from shared.sync.plan.planner import plan
from shared.sync.plan.state import PlanInput
from shared.sync.plan.vocabulary import ActionKind
from shared.sync.runners.planning import conflict_of, policy_for
from shared.sync.runners.record import forget_twin, record_conflict, twin_of
from shared.sync.runners.transfer import written_by_us
from shared.tools.base import SourceItem

log = logging.getLogger("pcsync.sync")
MAX_ITEMS = 50_000
# The follow-ups are sent before the twins are forgotten (so a crash in between repeats the whole step
# instead of losing them) and run a moment later, once the twins are gone.
FOLLOW_UP_DELAY_S = 3.0
APPLIED = ("applied", "released")  # delete rows of deletes that went through (an edit-wins one stays pending)


def _subtree(ctx: LinkContext, folder_id: str) -> list[DriveItem]:
    """Every item below the SharePoint folder (breadth first, parents before children)."""
    found: list[DriveItem] = []
    pending = [folder_id]
    while pending and len(found) < MAX_ITEMS:
        for child in sp_items.iter_children(ctx.graph, ctx.drive_id, pending.pop(0)):
            found.append(child)
            if child.is_folder:
                pending.append(child.id)
    return found


def _changed_by_a_person(ctx: LinkContext, item: DriveItem) -> bool:
    """A file whose SharePoint content is not the agreed one, or that Procore never had (temporary and
    lock files, never synced anyway, go with the folder)."""
    if item.is_folder or written_by_us(ctx, item) or unsupported_reason(item.name or ""):
        return False
    twin = twin_of(ctx, item.id)
    if twin is None:  # never synced, unless its own delete was just applied (deletes run concurrently)
        return not any(d.row.state in APPLIED for d in ctx.services.repos.deletes.query(
            ctx.link.link_id, "sp_item_id eq @s", {"s": item.id}))
    return bool(twin.sp_quickxor) and item.quick_xor_hash != twin.sp_quickxor


def keep_edits_below(ctx: LinkContext, msg: SpMetadata, row: ItemRow, sp_folder_id: str) -> bool:
    """Apply a Procore folder delete around the SharePoint edits below it; False when there are none
    (the caller then deletes the folder whole)."""
    items = _subtree(ctx, sp_folder_id)
    edited = [i for i in items if _changed_by_a_person(ctx, i)]
    planned = plan(PlanInput(None, folder_state(row, procore=False, changed_below=bool(edited)), agreed_pair(row),
                             policy_for(ctx, row.tool)))
    if conflict_of(planned) is None:
        return False
    to_procore = ActionKind.RESTORE in planned.kinds()   # one-way: the edits stay in SharePoint, untracked
    by_id = {i.id: i for i in items}
    kept: set[str] = {sp_folder_id}
    for item in edited:
        node: DriveItem | None = item
        while node is not None and node.id not in kept:
            kept.add(node.id)
            node = by_id.get(node.parent_id or "")
    for item in items:  # the largest unchanged subtrees: one delete each
        if item.id not in kept and item.parent_id in kept:
            try:
                sp_items.delete_item(ctx.graph, ctx.drive_id, item.id)
            except errors.NotFound:
                pass
    common = {"tenant_id": msg.tenant_id, "link_id": msg.link_id, "lane": msg.lane, "tool": row.tool}
    for item in items:
        if to_procore and item.id in kept and not item.is_folder:
            ctx.send(Step.TRANSFER, SpToProcore(**common, sp_item_id=item.id), delay_s=FOLLOW_UP_DELAY_S)
    if to_procore:  # the folder itself comes back even when it holds nothing but edits in subfolders
        ctx.send(Step.METADATA, ProcoreMetadata(**common, sp_item_id=sp_folder_id, action="mirror_folder"),
                 delay_s=FOLLOW_UP_DELAY_S)
    record_conflict(ctx, row.tool, row.procore_id, row.sp_name or row.procore_name,
                    f"deleted in Procore with {len(edited)} file(s) changed in SharePoint inside: the edits win "
                    f"and {'are copied back' if to_procore else 'stay in SharePoint only (one-way)'}; "
                    "the rest is deleted")
    for item in items:  # deleted ones: their delta echo finds no twin; kept ones: mirrored anew
        twin = twin_of(ctx, item.id)
        if twin is not None:
            forget_twin(ctx, twin)
    forget_twin(ctx, row)  # last: until then a redelivery of the delete does all of this again
    log.info("folder %s deleted in Procore: %d edited file(s) kept", row.procore_id, len(edited))
    return True


def _procore_subtree(ctx: LinkContext, tool: ToolKey, folder_id: str) -> list[SourceItem]:
    """Every live item below the Procore folder (breadth first, parents before children)."""
    adapter = ctx.adapter(tool)
    found: list[SourceItem] = []
    pending = [folder_id]
    while pending and len(found) < MAX_ITEMS:
        children = adapter.children(ctx.procore, ctx.link, pending.pop(0))
        for sub in children:
            if sub.kind is ItemKind.FOLDER:
                found.append(sub)
                pending.append(sub.procore_id)
        found.extend(f for f in children if f.kind is not ItemKind.FOLDER)
    return found


def _new_procore_version(ctx: LinkContext, tool: ToolKey, row: ItemRow | None, file: SourceItem) -> bool:
    """A Procore file SharePoint has not seen as it is: new, on its way, or with a newer version
    (skipped files, which SharePoint never gets, go with the folder)."""
    latest = file.version
    if row is None:  # made in Procore and not synced yet, unless its own delete was just applied
        applied = ctx.services.repos.deletes.get(ctx.link.link_id, item_key(tool.value, file.procore_id))
        return applied is None or applied.row.state not in APPLIED
    if row.state in (ItemState.PENDING, ItemState.FAILED):
        return True  # on its way to SharePoint
    return latest is not None and row.procore_version is not None and latest != row.procore_version


def keep_procore_edits_below(ctx: LinkContext, twin: ItemRow) -> bool:
    """Apply a SharePoint folder delete around the Procore edits below it; False when there are none
    (the caller then deletes the Procore folder whole)."""
    adapter = ctx.adapter(twin.tool)
    items = _procore_subtree(ctx, twin.tool, twin.procore_id)
    rows = {i.procore_id: (ctx.item(twin.tool, i.procore_id, fresh=True)) for i in items}
    edited = [i for i in items if i.kind is ItemKind.FILE
              and _new_procore_version(ctx, twin.tool, r.row if (r := rows[i.procore_id]) else None, i)]
    planned = plan(PlanInput(folder_state(twin, procore=True, changed_below=bool(edited)), None, agreed_pair(twin),
                             policy_for(ctx, twin.tool)))
    if conflict_of(planned) is None or ActionKind.RESTORE not in planned.kinds():
        return False
    by_id = {i.procore_id: i for i in items}
    kept: set[str] = {twin.procore_id}
    for file in edited:
        node: SourceItem | None = file
        while node is not None and node.procore_id not in kept:
            kept.add(node.procore_id)
            node = by_id.get(node.parent_id or "")
    for item in items:  # the largest unchanged subtrees: one delete each
        if item.procore_id not in kept and item.parent_id in kept:
            try:
                adapter.delete(ctx.procore, ctx.link, item.procore_id, item.kind)
            except errors.NotFound:
                pass
    common = {"tenant_id": ctx.link.tenant_id, "link_id": ctx.link.link_id, "lane": ctx.lane, "tool": twin.tool}
    for item_id in sorted(kept, key=int):  # re-detected once the twins are forgotten: copied to SharePoint as new
        found = by_id.get(item_id)
        kind = found.kind if found is not None else ItemKind.FOLDER
        ctx.send(Step.DETECT, ProcoreChange(**common, resource_name=adapter.resource_name(ctx.link, kind),
                                            resource_id=int(item_id), event_type="update"), delay_s=FOLLOW_UP_DELAY_S)
    record_conflict(ctx, twin.tool, twin.procore_id, twin.procore_name or twin.sp_name,
                    f"deleted in SharePoint with {len(edited)} file(s) changed in Procore inside: the edits win "
                    "and are copied back; the rest is deleted")
    for item in items:
        stored = rows[item.procore_id]
        if stored is not None:
            forget_twin(ctx, stored.row)
    forget_twin(ctx, twin)  # last: until then a redelivery of the delete does all of this again
    log.info("folder %s deleted in SharePoint: %d Procore edit(s) kept", twin.procore_id, len(edited))
    return True
