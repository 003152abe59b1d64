"""Edit beats delete, for a whole folder: a folder deleted in Procore whose SharePoint copy holds a
person's changes made since the agreed state (an edited file, or a file Procore never had).

Those files stay in SharePoint with the folders above them, and come back to Procore as new items
(the deleted Procore folders are in its recycle bin, so their twins are forgotten and mirrored
anew); everything else below the folder is deleted as the Procore user asked. Nothing a person
wrote is lost, and nothing unchanged survives the delete. Never imports azure.functions.
"""

from __future__ import annotations

import logging

from shared import errors
from shared.graph import items as sp_items
from shared.graph.models import DriveItem
from shared.models.messages import ProcoreMetadata, SpMetadata, SpToProcore
from shared.models.rows import ItemRow
from shared.sync.context import LinkContext, Step
from shared.sync.naming import unsupported_reason
from shared.sync.runners.record import forget_twin, record_conflict
from shared.sync.runners.to_procore import twin_of
from shared.sync.runners.transfer import written_by_us

log = logging.getLogger("pcsync.sync")
MAX_ITEMS = 50_000


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
    if item.is_folder or written_by_us(ctx, item):
        return False
    twin = twin_of(ctx, item.id)
    return twin is None or bool(twin.sp_quickxor) and item.quick_xor_hash != twin.sp_quickxor


def keep_edits_below(ctx: LinkContext, msg: SpMetadata, row: ItemRow, sp_folder_id: str) -> bool:
    """Apply a Procore folder delete around the SharePoint edits below it; False when there are none
    (the caller then deletes the folder whole)."""
    items = _subtree(ctx, sp_folder_id)
    edited = [i for i in items if _changed_by_a_person(ctx, i)]
    if not edited:
        return False
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
    forget_twin(ctx, row)
    for item in items:  # deleted ones: their delta echo finds no twin; kept ones: mirrored anew
        twin = twin_of(ctx, item.id)
        if twin is not None:
            forget_twin(ctx, twin)
        if item.id in kept and not item.is_folder and not unsupported_reason(item.name or ""):
            ctx.send(Step.TRANSFER, SpToProcore(**common, sp_item_id=item.id))
    # the folder itself comes back even when it holds nothing but edits in subfolders
    ctx.send(Step.METADATA, ProcoreMetadata(**common, sp_item_id=sp_folder_id, action="mirror_folder"))
    record_conflict(ctx, row.tool, row.procore_id, row.sp_name or row.procore_name,
                    f"deleted in Procore with {len(edited)} file(s) changed in SharePoint inside: the edits win "
                    "and are copied back; the rest is deleted")
    log.info("folder %s deleted in Procore: %d edited file(s) kept", row.procore_id, len(edited))
    return True
