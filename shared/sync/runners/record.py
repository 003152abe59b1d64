"""Record: write the agreed state after a write (items row, reverse index, activity), ETag-conditional.

A result older than what is already recorded (a redelivered or overtaken message) changes nothing,
so at-least-once delivery is harmless. Never imports azure.functions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from shared.graph.models import DriveItem
from shared.models.api import ToolKey
from shared.models.messages import FetchFile, Lane, RecordResult
from shared.models.rows import ItemKind, ItemRow, ItemState
from shared.store.repositories import ItemBySpRow, item_key
from shared.store.tables import Stored
from shared.sync.context import LinkContext
from shared.sync.runners.completion import request_completion_check
from shared.telemetry.spans import RECORD_SPAN, traced
from shared.tools.base import SourceItem, newer_or_same

log = logging.getLogger("pcsync.sync")


def pending_row(ctx: LinkContext, item: SourceItem) -> ItemRow:
    return ItemRow(link_id=ctx.link.link_id, tool=item.tool, procore_id=item.procore_id, kind=item.kind,
                   state=ItemState.PENDING, procore_name=item.name, procore_parent_id=item.parent_id,
                   procore_version=None, size=item.size or 0, updated_at=datetime.now(UTC))


def ensure_item_row(ctx: LinkContext, item: SourceItem, *, replan: bool = False) -> Stored[ItemRow]:
    """The items row for a Procore item, created pending when missing (safe under races).

    With `replan`, a row that is not synced (pending, skipped, failed) is reset to pending with the
    item's current name and parent, so the step about to act uses today's state."""

    def change(current: ItemRow | None) -> ItemRow | None:
        if current is None:
            return pending_row(ctx, item)
        stale = current.procore_name != item.name or current.procore_parent_id != item.parent_id
        if replan and current.state is not ItemState.SYNCED and (current.state is not ItemState.PENDING or stale):
            return current.model_copy(update={"state": ItemState.PENDING, "reason": None, "procore_name": item.name,
                                              "procore_parent_id": item.parent_id})
        return None

    repo = ctx.services.repos.items
    key = item_key(item.tool.value, item.procore_id)
    stored = repo.mutate(ctx.link.link_id, key, change)
    assert stored is not None
    ctx.forget_cached(item.tool, item.procore_id)
    return stored


_NOT_AGREEMENT = {"updated_at", "upload_lease_until"}


def is_replay(before: ItemRow | None, after: ItemRow) -> bool:
    """Whether recording `after` over `before` agrees nothing new: both synced with the same twin, names,
    places, versions and hashes. Queues deliver at least once, so the same record can arrive twice; the
    replay may still release a lease, but it is not a second `synced` event."""
    return (before is not None and before.state is ItemState.SYNCED and after.state is ItemState.SYNCED
            and before.model_dump(exclude=_NOT_AGREEMENT) == after.model_dump(exclude=_NOT_AGREEMENT))


def change_of(before: ItemRow | None, after: ItemRow) -> str:
    """What a synced record did to its item, for the activity filter: `created` (it had no twin before),
    `updated` (its content), `renamed` or `moved` (only its name or place). An item whose last step failed
    keeps its twin and agreed version, so its retry is told apart the same way."""
    if before is None or before.sp_item_id is None:
        return "created"
    if before.procore_version != after.procore_version or before.sp_quickxor != after.sp_quickxor:
        return "updated"
    if before.procore_name != after.procore_name or before.sp_name != after.sp_name:
        return "renamed"
    if before.procore_parent_id != after.procore_parent_id or before.sp_parent_id != after.sp_parent_id:
        return "moved"
    return "updated"


def live_latency_ms(ctx: LinkContext, changed_at: datetime | None, now: datetime) -> int | None:
    """How long a live change took from its source to its record (None in the initial sync, or unknown)."""
    if ctx.lane is not Lane.LIVE or changed_at is None:
        return None
    return max(0, int((now - changed_at).total_seconds() * 1000))


@traced(RECORD_SPAN)
def record_result(ctx: LinkContext, msg: RecordResult) -> None:
    """Apply a step's outcome to the items row; then the reverse index, activity and progress."""
    now = datetime.now(UTC)
    applied: list[ItemRow] = []
    changes: list[str] = []
    compare = ctx.adapter(msg.tool).compare_versions   # versions are the tool's tokens: its adapter orders them

    def change(current: ItemRow | None) -> ItemRow | None:
        applied.clear()
        if current is None:
            return None
        if msg.outcome == "synced" and current.state is ItemState.SYNCED and not newer_or_same(
                compare, msg.version, current.procore_version):
            return None
        update: dict[str, object] = {"state": ItemState(msg.outcome), "reason": msg.reason, "updated_at": now,
                                     "upload_lease_until": None}
        if msg.outcome == "synced":
            update |= {k: v for k, v in {
                "procore_version": msg.version, "procore_name": msg.procore_name,
                "procore_parent_id": msg.procore_parent_id, "sp_item_id": msg.sp_item_id,
                "sp_parent_id": msg.sp_parent_id, "sp_name": msg.sp_name, "sp_etag": msg.sp_etag,
                "sp_ctag": msg.sp_ctag, "sp_quickxor": msg.sp_quickxor, "size": msg.size}.items() if v is not None}
        new = current.model_copy(update=update)
        if is_replay(current, new):   # a duplicate delivery of a record already applied: no second event
            return new if current.upload_lease_until is not None else None
        applied.append(new)
        changes[:] = [change_of(current, new)] if msg.outcome == "synced" else []
        return new

    repos = ctx.services.repos
    key = item_key(msg.tool.value, msg.procore_id)
    gone_size: int | None = None
    if msg.outcome == "deleted":
        stored = repos.items.get(ctx.link.link_id, key)
        if stored is not None:
            gone_size = stored.row.size if stored.row.kind is ItemKind.FILE else None   # the dashboard's figures
            repos.items.delete(ctx.link.link_id, key, stored.etag)
            if stored.row.sp_item_id:
                repos.items_by_sp.delete(ctx.link.link_id, stored.row.sp_item_id)
    else:
        repos.items.mutate(ctx.link.link_id, key, change)
    ctx.forget_cached(msg.tool, msg.procore_id)
    if msg.outcome == "synced" and msg.sp_item_id and applied:
        repos.items_by_sp.upsert(ItemBySpRow(link_id=ctx.link.link_id, sp_item_id=msg.sp_item_id, item_key=key))
    if applied or msg.outcome == "deleted":
        event = {"synced": "synced", "skipped": "skipped", "failed": "error", "deleted": "deleted"}[msg.outcome]
        path = (applied[0].sp_name or applied[0].procore_name) if applied else None
        size = gone_size if not applied else applied[0].size if applied[0].kind is ItemKind.FILE else None
        latency = live_latency_ms(ctx, msg.changed_at, now) if event == "synced" and size is not None else None
        repos.record_activity(repos.new_activity(ctx.link.link_id, event, tool=msg.tool, item=msg.procore_id,
                                                 path=path, detail=msg.reason, size=size, latency_ms=latency,
                                                 change=changes[0] if applied and changes else None))
        log.info("%s %s:%s %s", event, msg.tool.value, msg.procore_id, msg.reason or "",
                 extra={"tenant_id": ctx.tenant.tenant_id, "link_id": ctx.link.link_id})
    if ctx.lane is Lane.INITIAL:
        request_completion_check(ctx)


@dataclass(frozen=True)
class BatchCopy:
    """One file a batch step copied: its fetch message, its row as leased, and what SharePoint made of it."""

    fetch: FetchFile
    leased: Stored[ItemRow]
    item: DriveItem
    parent_sp: str
    quickxor: str
    size: int


def _synced(copy: BatchCopy) -> RecordResult:
    """The record the per-file upload would make of this copy (the server's view of the write)."""
    msg, row, item = copy.fetch, copy.leased.row, copy.item
    return RecordResult(
        tenant_id=msg.tenant_id, link_id=msg.link_id, lane=msg.lane, tool=msg.tool, procore_id=msg.procore_id,
        outcome="synced", version=msg.version, procore_name=row.procore_name,
        procore_parent_id=row.procore_parent_id, sp_item_id=item.id, sp_parent_id=item.parent_id or copy.parent_sp,
        sp_name=item.name, sp_etag=item.etag, sp_ctag=item.ctag, sp_quickxor=item.quick_xor_hash or copy.quickxor,
        size=item.size if item.size is not None else copy.size, changed_at=msg.modified_at)


def record_batch(ctx: LinkContext, tool: ToolKey, copies: list[BatchCopy], released: list[Stored[ItemRow]]) -> None:
    """Record a batch step's copies as record_result would, many rows a call: the items rows (synced, lease
    let go) and the leases of the files that left the batch in one transaction, each on the ETag its lease
    left; then the reverse index and the `synced` events. A row changed under the lease (it expired and
    another step took over) is recorded by record_result on its own, which compares versions."""
    now = datetime.now(UTC)
    records = [_synced(copy) for copy in copies]
    new_rows = [copy.leased.row.model_copy(update={
        "state": ItemState.SYNCED, "reason": None, "updated_at": now, "upload_lease_until": None,
        "procore_version": rec.version, "procore_name": rec.procore_name, "procore_parent_id": rec.procore_parent_id,
        "sp_item_id": rec.sp_item_id, "sp_parent_id": rec.sp_parent_id, "sp_name": rec.sp_name,
        "sp_etag": rec.sp_etag, "sp_ctag": rec.sp_ctag, "sp_quickxor": rec.sp_quickxor, "size": rec.size})
        for copy, rec in zip(copies, records, strict=True)]
    let_go = [stored.row.model_copy(update={"upload_lease_until": None}) for stored in released]
    repos = ctx.services.repos
    written = repos.items.replace_many([(row, copy.leased.etag) for row, copy in zip(new_rows, copies, strict=True)]
                                       + [(row, stored.etag) for row, stored in zip(let_go, released, strict=True)])
    applied: list[ItemRow] = []
    for row, rec, done in zip(new_rows, records, written[:len(new_rows)], strict=True):
        if done is None:
            record_result(ctx, rec)          # the row moved on under us: the per-file recorder decides
        else:
            applied.append(row)
        ctx.forget_cached(tool, rec.procore_id)
    for stored in released:
        ctx.forget_cached(tool, stored.row.procore_id)
    repos.items_by_sp.upsert_many([ItemBySpRow(link_id=ctx.link.link_id, sp_item_id=row.sp_item_id or "",
                                               item_key=item_key(tool.value, row.procore_id)) for row in applied])
    repos.record_activities([repos.new_activity(ctx.link.link_id, "synced", at=now, tool=tool, item=row.procore_id,
                                                path=row.sp_name or row.procore_name, size=row.size,
                                                change="created") for row in applied])
    for row in applied:
        log.info("synced %s:%s (batch)", tool.value, row.procore_id,
                 extra={"tenant_id": ctx.tenant.tenant_id, "link_id": ctx.link.link_id})
    if ctx.lane is Lane.INITIAL and applied:
        request_completion_check(ctx)


def record_skip(ctx: LinkContext, tool: ToolKey, procore_id: str, reason: str) -> None:
    record_result(ctx, RecordResult(tenant_id=ctx.tenant.tenant_id, link_id=ctx.link.link_id, lane=ctx.lane,
                                    tool=tool, procore_id=procore_id, outcome="skipped", reason=reason))


def record_folder(ctx: LinkContext, tool: ToolKey, row: ItemRow, created: DriveItem, parent_sp: str) -> None:
    """Folders are recorded inline: their children need the id right away."""
    record_result(ctx, RecordResult(
        tenant_id=ctx.tenant.tenant_id, link_id=ctx.link.link_id, lane=ctx.lane, tool=tool,
        procore_id=row.procore_id, outcome="synced", procore_name=row.procore_name,
        procore_parent_id=row.procore_parent_id, sp_item_id=created.id, sp_parent_id=parent_sp,
        sp_name=created.name, sp_etag=created.etag, sp_ctag=created.ctag))


def record_conflict(ctx: LinkContext, tool: ToolKey, procore_id: str, path: str | None, reason: str) -> None:
    """Every conflict is an activity event, whoever wins."""
    repos = ctx.services.repos
    repos.record_activity(repos.new_activity(ctx.link.link_id, "conflict", tool=tool, item=procore_id, path=path,
                                             detail=reason))
    log.info("conflict on %s:%s: %s", tool.value, procore_id, reason,
             extra={"tenant_id": ctx.tenant.tenant_id, "link_id": ctx.link.link_id})


def forget_twin(ctx: LinkContext, row: ItemRow) -> None:
    """Drop an item's mapping (edit beats delete: the surviving side is copied over as a new item)."""
    repos = ctx.services.repos
    repos.items.delete(ctx.link.link_id, item_key(row.tool.value, row.procore_id))
    if row.sp_item_id:
        repos.items_by_sp.delete(ctx.link.link_id, row.sp_item_id)
    ctx.forget_cached(row.tool, row.procore_id)


def twin_of(ctx: LinkContext, sp_item_id: str) -> ItemRow | None:
    """The items row of a SharePoint item (through the reverse index), if it has a twin."""
    by_sp = ctx.services.repos.items_by_sp.get(ctx.link.link_id, sp_item_id)
    if by_sp is None or not by_sp.row.item_key:
        return None
    stored = ctx.services.repos.items.get(ctx.link.link_id, by_sp.row.item_key)
    return stored.row if stored else None
