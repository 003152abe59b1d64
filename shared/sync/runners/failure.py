"""A step's last failure, left where the tenant sees it: the item recorded failed, with the reason.

A SharePoint file on its way to Procore (in one step, or in the steps of a large transfer) may have no
items row yet, or only its twin's, whose state must stay synced for later edits to flow: its failure
is recorded on a provisional `sp:<id>` row, as the from-SharePoint initial sync plans them, which the
twin's record removes once the file syncs. A SharePoint item its tool cannot take is recorded skipped the
same way. Never imports azure.functions.
"""

from __future__ import annotations

from datetime import UTC, datetime

from shared.models import messages as m
from shared.models.api import ToolKey
from shared.models.rows import ItemKind, ItemRow, ItemState
from shared.models.transfers import Direction
from shared.store.repositories import item_key
from shared.sync.context import LinkContext
from shared.sync.runners.initial_sp import PROVISIONAL, provisional_id
from shared.sync.runners.record import record_result


def item_of_chunk(msg: m.TransferChunk) -> tuple[ToolKey, str]:
    """The items row a step of a large transfer stands for: the Procore file copied to SharePoint, or the
    provisional row of the SharePoint file copied to Procore."""
    if msg.direction == Direction.TO_SP.value:
        return msg.tool, msg.item
    return msg.tool, provisional_id(msg.item)


def _ensure_provisional(ctx: LinkContext, tool: ToolKey, procore_id: str) -> None:
    sp_item_id = procore_id.removeprefix(PROVISIONAL)
    name = sp_item_id
    for stored in ctx.services.repos.transfers.query(ctx.link.link_id, "item eq @i", {"i": sp_item_id}):
        name = stored.row.name or name   # a large transfer knows the destination name once it sends

    def create(current: ItemRow | None) -> ItemRow | None:
        if current is not None:
            return None
        return ItemRow(link_id=ctx.link.link_id, tool=tool, procore_id=procore_id, kind=ItemKind.FILE,
                       state=ItemState.PENDING, procore_name=name, sp_item_id=sp_item_id,
                       updated_at=datetime.now(UTC))

    ctx.services.repos.items.mutate(ctx.link.link_id, item_key(tool.value, procore_id), create)


def record_skipped(ctx: LinkContext, tool: ToolKey, procore_id: str, reason: str) -> None:
    """Record the item skipped with its reason (a SharePoint item the tool cannot take: a provisional row)."""
    if procore_id.startswith(PROVISIONAL):
        _ensure_provisional(ctx, tool, procore_id)
    record_result(ctx, m.RecordResult(tenant_id=ctx.link.tenant_id, link_id=ctx.link.link_id, lane=ctx.lane,
                                      tool=tool, procore_id=procore_id, outcome="skipped", reason=reason))


def record_failed(ctx: LinkContext, tool: ToolKey, procore_id: str, reason: str) -> None:
    """Record the item failed (its activity event says why); a provisional row is made when missing."""
    if procore_id.startswith(PROVISIONAL):
        _ensure_provisional(ctx, tool, procore_id)
    record_result(ctx, m.RecordResult(tenant_id=ctx.link.tenant_id, link_id=ctx.link.link_id, lane=ctx.lane,
                                      tool=tool, procore_id=procore_id, outcome="failed", reason=reason))
