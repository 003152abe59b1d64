"""Batched copy of small new files at the initial sync, Procore -> SharePoint: one step for up to 20 files.

The per-file path costs each small file three queue hops, a staging blob and a dozen table reads; here the
files of a page whose SharePoint parent is known share one message. The step reads their rows in a few
queries, leases the pending ones in one table transaction, downloads each into memory and PUTs it into its
parent as a new file (conflictBehavior fail), a few at a time so latency overlaps, then records them all at
once (runners/record.py `record_batch`). Whatever is not plain -- a row no longer pending or leased, a name
taken (409, also our own file of a replayed batch: the per-file path adopts identical bytes), a download or
upload that fails -- goes to its own FetchFile, which keeps every guarantee of the per-file path. A file another
step holds (most often a duplicate delivery of this batch, which queues deliver at least once) goes there
CONTENDED_DELAY_S later, so its step usually finds it copied rather than downloading it again.

At a from-SharePoint initial sync the batch first looks up each file's SharePoint path (one Graph $batch for
the step): a file with nothing there is copied as above; one whose SharePoint file has the same size is
downloaded and, when the hashes agree, recorded as agreed with that file (nothing uploaded, as
runners/initial_match.py would); any other meeting (another size, other bytes, a folder, a file taken by
another item) goes to its own step, where the planner decides which side wins.
Never imports azure.functions.
"""

from __future__ import annotations

import contextvars
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shared.graph.content import SIMPLE_UPLOAD_MAX, put_new_small
from shared.graph.items import find_at
from shared.graph.models import DriveItem
from shared.graph.quickxor import QuickXorHash
from shared.models.messages import BatchedFile, CopyBatch, FetchFile, Lane
from shared.models.rows import ItemKind, ItemRow, ItemState
from shared.store.repositories import item_key
from shared.store.tables import Stored
from shared.sync.context import LinkContext, Step
from shared.sync.decide import version_already_synced
from shared.sync.runners.initial_match import claimed_elsewhere_many
from shared.sync.runners.record import BatchCopy, record_batch
from shared.sync.runners.upload_lease import UPLOAD_LEASE
from shared.tools import TOOLS
from shared.tools.base import SourceItem, column_specs

log = logging.getLogger("pcsync.sync")
MAX_BATCH_FILES = 20
MAX_BATCH_JSON = 40 * 1024          # raw bytes of one message (64 KiB once base64-encoded, with room)
BATCH_THREADS = 4
CONTENDED_DELAY_S = 10.0            # a file another step holds goes to its own step this much later


def batchable(ctx: LinkContext, msg: FetchFile) -> bool:
    """Can this planned file go in a batch: an initial-sync copy of a listed file small enough for one simple
    upload, with no per-file work at upload (SharePoint columns: Photos, the record tools and Drawings keep
    their own step)?"""
    adapter = TOOLS[msg.tool]
    return ctx.lane is Lane.INITIAL and msg.download_url is not None and msg.size is not None \
        and msg.size <= SIMPLE_UPLOAD_MAX and not msg.columns and not column_specs(adapter)


def batch_messages(ctx: LinkContext, files: list[BatchedFile]) -> list[CopyBatch]:
    """The files in messages of at most MAX_BATCH_FILES (and MAX_BATCH_JSON bytes), one tool each."""
    out: list[CopyBatch] = []
    part: list[BatchedFile] = []
    size = 0
    for file in files:
        length = len(file.model_dump_json())
        if part and (len(part) == MAX_BATCH_FILES or size + length > MAX_BATCH_JSON
                     or part[0].fetch.tool is not file.fetch.tool):
            out.append(_message(ctx, part))
            part, size = [], 0
        part.append(file)
        size += length
    if part:
        out.append(_message(ctx, part))
    return out


def _message(ctx: LinkContext, part: list[BatchedFile]) -> CopyBatch:
    return CopyBatch(tenant_id=ctx.link.tenant_id, link_id=ctx.link.link_id, lane=ctx.lane,
                     tool=part[0].fetch.tool, files=part)


@dataclass(frozen=True)
class _Copied:
    item: DriveItem
    quickxor: str
    size: int


class _Differs(Exception):
    """The SharePoint file of the path holds other bytes: its own step plans which side wins."""


def copy_batch(ctx: LinkContext, msg: CopyBatch) -> None:
    """Copy the batch's plain files (or match them, at a from-SharePoint sync) and record them; every other
    file goes to its own FetchFile step."""
    rows = _read_rows(ctx, msg)
    now = datetime.now(UTC)
    fallback: list[BatchedFile] = []
    contended: list[BatchedFile] = []     # another step holds the file: its own step later, likely a no-op then
    todo: list[tuple[BatchedFile, Stored[ItemRow]]] = []
    for file in msg.files:
        stored = rows.get(file.fetch.procore_id)
        if stored is not None and version_already_synced(stored.row, file.fetch.version):
            continue                      # a duplicate delivery (or a live change) copied it already
        if stored is not None and _leased_elsewhere(stored.row, now):
            contended.append(file)
        elif stored is None or not _plain(stored.row, now):
            fallback.append(file)
        else:
            todo.append((file, stored))
    met = _meet(ctx, todo) if ctx.meets_sharepoint_first(msg.tool) else {}
    fallback.extend(file for file, _ in todo if met.get(file.fetch.procore_id) is False)
    todo = [(file, stored) for file, stored in todo if met.get(file.fetch.procore_id) is not False]
    leased = _lease(ctx, todo, now)
    contended.extend(file for (file, _), lease in zip(todo, leased, strict=True) if lease is None)
    mine: list[tuple[BatchedFile, Stored[ItemRow], DriveItem | None]] = []
    released: list[Stored[ItemRow]] = []
    held = [(file, lease) for (file, _), lease in zip(todo, leased, strict=True) if lease is not None]
    matching = [(file, lease, theirs) for file, lease in held
                if isinstance(theirs := met.get(file.fetch.procore_id), DriveItem)]
    claimed = {file.fetch.procore_id for (file, _, _), taken in zip(matching, claimed_elsewhere_many(
        ctx, [(lease.row, theirs, file.sp_name) for file, lease, theirs in matching]), strict=True) if taken}
    for file, lease in held:
        theirs = met.get(file.fetch.procore_id)
        if file.fetch.procore_id in claimed:
            fallback.append(file)         # another item's twin, or about to be: its own step names this one
            released.append(lease)
        else:
            mine.append((file, lease, theirs if isinstance(theirs, DriveItem) else None))
    results = _copy_all(ctx, [(file, lease.row, theirs) for file, lease, theirs in mine])
    copies: list[BatchCopy] = []
    for (file, lease, _), result in zip(mine, results, strict=True):
        if isinstance(result, _Copied):
            copies.append(BatchCopy(fetch=file.fetch, leased=lease, item=result.item, parent_sp=file.sp_parent_id,
                                    quickxor=result.quickxor, size=result.size))
        else:
            log.info("%s:%s leaves the batch for its own step: %s", file.fetch.tool.value, file.fetch.procore_id,
                     result, extra={"tenant_id": msg.tenant_id, "link_id": msg.link_id})
            fallback.append(file)
            released.append(lease)
    record_batch(ctx, msg.tool, copies, released)
    for file in fallback:
        ctx.send(Step.TRANSFER, file.fetch)
    for file in contended:   # a duplicate delivery of this batch, most often: let the holder finish first
        ctx.send(Step.TRANSFER, file.fetch, delay_s=CONTENDED_DELAY_S)


def _leased_elsewhere(row: ItemRow, now: datetime) -> bool:
    """Another step holds the row's upload lease: it records the file or, failing, its message comes back."""
    return row.state is ItemState.PENDING and row.upload_lease_until is not None and row.upload_lease_until > now


def _plain(row: ItemRow, now: datetime) -> bool:
    """A pending row with no twin, no SharePoint copy on its way and no live upload lease."""
    return row.state is ItemState.PENDING and not row.sp_item_id and not row.awaiting_sp_copy \
        and (row.upload_lease_until is None or row.upload_lease_until <= now)


def _read_rows(ctx: LinkContext, msg: CopyBatch) -> dict[str, Stored[ItemRow]]:
    """The files' items rows by Procore id, in a few queries (not one read each)."""
    keys = [item_key(msg.tool.value, file.fetch.procore_id) for file in msg.files]
    rows = ctx.services.repos.items.query_any(ctx.link.link_id, "RowKey", keys)
    return {stored.row.procore_id: stored for stored in rows}


def _lease(ctx: LinkContext, todo: list[tuple[BatchedFile, Stored[ItemRow]]],
           now: datetime) -> list[Stored[ItemRow] | None]:
    """Take the rows' upload leases in one transaction (as upload_lease.py, each on the ETag read): None for
    a row that changed since (another step has it: its own FetchFile then waits or finds it done)."""
    override = ctx.services.settings.lease_seconds
    until = now + (timedelta(seconds=override) if override else UPLOAD_LEASE)
    return ctx.services.repos.items.replace_many(
        [(stored.row.model_copy(update={"upload_lease_until": until}), stored.etag) for _, stored in todo])


def _meet(ctx: LinkContext, todo: list[tuple[BatchedFile, Stored[ItemRow]]]) -> dict[str, DriveItem | None | bool]:
    """A from-SharePoint sync: what SharePoint has at each file's path, by Procore id: None (nothing: a plain
    copy), the file to match by hash (same size), or False (its own step: another size, a folder, a lookup
    that was not answered)."""
    answers = find_at(ctx.graph, ctx.drive_id, [(file.sp_parent_id, [file.sp_name]) for file, _ in todo])
    out: dict[str, DriveItem | None | bool] = {}
    for i, (file, _) in enumerate(todo):
        pid = file.fetch.procore_id
        if i not in answers:
            out[pid] = False
        elif (theirs := answers[i]) is None:
            out[pid] = None
        else:
            same = not theirs.is_folder and not theirs.is_deleted and theirs.size == file.fetch.size \
                and theirs.quick_xor_hash is not None
            out[pid] = theirs if same else False
    return out


def _copy_all(ctx: LinkContext,
              files: list[tuple[BatchedFile, ItemRow, DriveItem | None]]) -> list[_Copied | Exception]:
    """Each file downloaded and uploaded (or matched), BATCH_THREADS at a time (each in the step's trace and
    log context)."""
    if not files:
        return []
    with ThreadPoolExecutor(max_workers=min(BATCH_THREADS, len(files)), thread_name_prefix="batch") as pool:
        futures = [pool.submit(contextvars.copy_context().run, _copy_one, ctx, file, row, theirs)
                   for file, row, theirs in files]
        return [future.result() for future in futures]


def _copy_one(ctx: LinkContext, file: BatchedFile, row: ItemRow, theirs: DriveItem | None) -> _Copied | Exception:
    """Procore's bytes into memory (hashed), then one PUT as a new file, or, when SharePoint has a file of the
    same size at the path (`theirs`), that file when the hashes agree; any failure is this file's answer."""
    msg = file.fetch
    source = SourceItem(tool=msg.tool, procore_id=msg.procore_id, kind=ItemKind.FILE, name=row.procore_name,
                        parent_id=row.procore_parent_id, version=msg.version, size=msg.size,
                        download_url=msg.download_url, updated_at=msg.modified_at)
    try:
        data = b"".join(TOOLS[msg.tool].fetch(ctx.procore, ctx.link, source))
        if len(data) > SIMPLE_UPLOAD_MAX:
            return ValueError(f"{len(data)} bytes: more than one simple upload")
        quickxor = QuickXorHash(data).b64digest()
        if theirs is not None:
            if quickxor != theirs.quick_xor_hash:
                return _Differs("SharePoint's file of the path holds other bytes")
            return _Copied(item=theirs, quickxor=quickxor, size=len(data))   # identical: nothing uploaded
        item = put_new_small(ctx.graph, ctx.drive_id, file.sp_parent_id, file.sp_name, data, "fail")
    except Exception as exc:   # noqa: BLE001 - per file: its own step handles (and records) whatever it was
        return exc
    return _Copied(item=item, quickxor=quickxor, size=len(data))
