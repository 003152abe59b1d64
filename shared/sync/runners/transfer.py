"""Transfer: fetch (Procore -> staging blob, hashing on the way), then upload (staging -> SharePoint).

Uploads are idempotent by (item, version): a version already recorded is not sent again, and a name
that already exists in the target folder is adopted when it holds the same bytes (QuickXorHash) or
when no other item owns it — a retried upload never leaves a duplicate. A file whose legal name is
taken by a different item gets ` (<Procore id>)` appended. One upload of an item runs at a time.
SharePoint may store other bytes than we sent (it rewrites Office files), so the agreed state recorded
after an upload is what the server reports, and SharePoint content last written by our own app is never
taken for a person's edit. Identity is SharePoint's own quickXorHash against the hash of the Procore
bytes taken while they are staged (Procore keeps no content hash; nothing is downloaded only to hash
it). Files above the step budget are fetched and uploaded in steps (shared/sync/transfer).
Never imports azure.functions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Protocol

from shared import errors
from shared.graph import items as sp_items
from shared.graph import ranges
from shared.graph import upload as sp_upload
from shared.graph.content import Transfer
from shared.graph.models import DriveItem
from shared.graph.quickxor import QuickXorHash
from shared.models.messages import FetchFile, Lane, RecordResult, SpMetadata, SpToProcore, UploadFile, WriteBeside
from shared.models.rows import ItemKind, ItemRow, ItemState
from shared.models.transfers import Direction
from shared.store.repositories import ItemBySpRow, item_key
from shared.store.staging import StagingMissing
from shared.sync.columns import write_columns, write_titled_columns
from shared.sync.conflict import Side
from shared.sync.context import LinkContext, Step
from shared.sync.decide import agreed_pair, procore_state, sharepoint_state, version_already_synced
from shared.sync.naming import sharepoint_name, unsupported_reason
from shared.sync.plan.aspects import plan_content
from shared.sync.plan.planner import plan
from shared.sync.plan.state import PlanInput
from shared.sync.plan.vocabulary import ActionKind, Plan
from shared.sync.runners.beside import finish_beside, start_copy
from shared.sync.runners.planning import conflict_of, copy_beside, policy_for, write_beside
from shared.sync.runners.record import ensure_item_row, record_conflict, record_result, record_skip
from shared.sync.runners.tree import ensure_parent, legal_name, recreate_parent
from shared.sync.runners.upload_lease import LeaseHeld, lease_upload, release_upload
from shared.sync.transfer import budget, gate, start
from shared.sync.transfer.send_sp import ChunkedSender, Continued
from shared.sync.transfer.staged import StagedSource
from shared.tools.base import SourceItem

log = logging.getLogger("pcsync.sync")
MAX_FILE_BYTES = 250 * 1000**3  # SharePoint's per-file limit


def staged_name(msg: FetchFile | UploadFile, version: str) -> str:
    return f"{msg.link_id}/{msg.tool.value}/{msg.procore_id}/{version}"


class _Hashing:
    """Pass chunks through while computing the QuickXorHash SharePoint will report."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = chunks
        self.hash = QuickXorHash()

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self.hash.update(chunk)
            yield chunk


def _follow_missed_move(ctx: LinkContext, msg: FetchFile | UploadFile, row: ItemRow) -> None:
    """This version is already in SharePoint, but the step was planned with another name or parent
    than the agreed one (a rename raced an earlier copy that did not carry it): follow it now. The
    metadata step re-reads Procore, so this converges whatever the order of events."""
    if msg.name is not None and (msg.name, msg.parent_id) != (row.procore_name, row.procore_parent_id):
        ctx.send(Step.METADATA, SpMetadata(tenant_id=msg.tenant_id, link_id=msg.link_id, lane=msg.lane,
                                           tool=msg.tool, procore_id=msg.procore_id, action="move"))


def _listed(msg: FetchFile, row: ItemRow | None) -> SourceItem | None:
    """The item as the listing that planned this fetch saw it (no extra Procore call)."""
    if msg.download_url is None or row is None:
        return None
    return SourceItem(tool=msg.tool, procore_id=msg.procore_id, kind=ItemKind.FILE, name=row.procore_name,
                      parent_id=row.procore_parent_id, version=msg.version, size=msg.size,
                      download_url=msg.download_url, updated_at=msg.modified_at)


def fetch_file(ctx: LinkContext, msg: FetchFile) -> None:
    adapter = ctx.adapter(msg.tool)
    stored = ctx.item(msg.tool, msg.procore_id, fresh=True)
    if stored is not None and version_already_synced(stored.row, msg.version):
        _follow_missed_move(ctx, msg, stored.row)
        return
    current = _listed(msg, stored.row if stored else None)
    if current is None:
        current = adapter.get(ctx.procore, ctx.link, msg.procore_id, ItemKind.FILE)
        if current is None and stored is not None and stored.row.state is ItemState.SYNCED and stored.row.sp_item_id:
            return  # gone after it was copied: the delete's own webhook recycles the twin (breaker and all)
        if current is None:
            record_result(ctx, RecordResult(tenant_id=msg.tenant_id, link_id=msg.link_id, lane=msg.lane,
                                            tool=msg.tool, procore_id=msg.procore_id, outcome="deleted",
                                            reason="deleted in Procore before it was copied"))
            return
        stored = ensure_item_row(ctx, current, replan=True)
        if version_already_synced(stored.row, current.version or ""):
            return
    version = current.version or ""
    columns = adapter.sp_columns(current) or msg.columns   # a listed item carries them in the message
    reason = unsupported_reason(current.name)
    if reason:
        record_skip(ctx, msg.tool, msg.procore_id, reason)
        return
    if (current.size or 0) > MAX_FILE_BYTES:
        record_skip(ctx, msg.tool, msg.procore_id, "larger than SharePoint's 250 GB file limit")
        return
    if budget.is_large(current.size) and current.download_url:   # copied over several steps
        start.start_to_sp(ctx, UploadFile(
            tenant_id=msg.tenant_id, link_id=msg.link_id, lane=msg.lane, tool=msg.tool, procore_id=msg.procore_id,
            version=version, staged_blob=staged_name(msg, version), size=current.size or 0, sha256="", quickxor="",
            modified_at=current.updated_at, name=current.name, parent_id=current.parent_id,
            kept_beside=msg.kept_beside, columns=columns), current.download_url)
        return
    try:
        hashing = _Hashing(adapter.fetch(ctx.procore, ctx.link, current))
        staged = ctx.services.staging.put(staged_name(msg, version), hashing)
    except (errors.NotFound, errors.PermissionDenied):
        if msg.download_url is None:
            raise
        log.info("listed download URL of %s no longer works; reading the file again", msg.procore_id)
        fetch_file(ctx, msg.model_copy(update={"download_url": None}))
        return
    ctx.send(Step.TRANSFER, UploadFile(
        tenant_id=msg.tenant_id, link_id=msg.link_id, lane=msg.lane, tool=msg.tool, procore_id=msg.procore_id,
        version=version, staged_blob=staged.name, size=staged.size, sha256=staged.sha256,
        quickxor=hashing.hash.b64digest(), modified_at=current.updated_at, name=current.name,
        parent_id=current.parent_id, kept_beside=msg.kept_beside, columns=columns))


class Sender(Protocol):
    """Writes the staged bytes to SharePoint: at once from a local file, or in steps (ChunkedSender,
    which starts the session and raises Continued)."""

    def new(self, parent_id: str, name: str, conflict: str) -> Transfer: ...

    def replace(self, item_id: str) -> Transfer: ...


class _ContentSender:
    """Writes content (the staging blob, read by range) to SharePoint in this step."""

    def __init__(self, ctx: LinkContext, content: sp_upload.Content) -> None:
        self._ctx, self.content = ctx, content

    def new(self, parent_id: str, name: str, conflict: str) -> Transfer:
        return sp_upload.upload_new(self._ctx.graph, self._ctx.drive_id, parent_id, name, self.content,
                                    conflict=conflict)

    def replace(self, item_id: str) -> Transfer:
        return sp_upload.upload_replace(self._ctx.graph, self._ctx.drive_id, item_id, self.content)


@contextmanager
def _local_copy(ctx: LinkContext, msg: UploadFile, src: Sender) -> Iterator[sp_upload.Content]:
    """The staged bytes for keep_both's conflict copy, read from the staging blob (no temp file)."""
    yield src.content if isinstance(src, _ContentSender) else StagedSource(ctx.services.staging, msg.staged_blob)


def _owner_of(ctx: LinkContext, sp_item_id: str) -> str | None:
    stored = ctx.services.repos.items_by_sp.get(ctx.link.link_id, sp_item_id)
    if stored is not None:
        return stored.row.item_key
    # Recorded a moment ago, its reverse index not written yet (the record writes the row first): still its.
    for twin in ctx.services.repos.items.query(ctx.link.link_id, "sp_item_id eq @s", {"s": sp_item_id}):
        return item_key(twin.row.tool.value, twin.row.procore_id)
    return None


def _with_suffix(name: str, procore_id: str) -> str:
    """`name (<id>).ext`, with no ':' of a derived item's id: its own number ("12:attachment:345" -> 345), else
    its source's ("12:pdf" -> 12)."""
    segments = procore_id.split(":")
    own = segments[-1] if segments[-1].isdigit() else segments[0]
    stem, dot, ext = name.rpartition(".")
    return f"{stem} ({own}).{ext}" if dot and stem else f"{name} ({own})"


def _onto_twin(ctx: LinkContext, msg: UploadFile, row: ItemRow, sp_id: str, src: Sender) -> Transfer | None:
    """A new Procore version onto an existing SharePoint twin: both sides' current state goes to the planner,
    which says whose content wins (and whether a keep-both copy is written). None: nothing written here."""
    now = sp_items.get_item(ctx.graph, ctx.drive_id, sp_id)
    if now.quick_xor_hash == msg.quickxor:
        return Transfer(size=msg.size, quick_xor_hash=msg.quickxor, item=now)  # same bytes: just record
    procore = SourceItem(tool=msg.tool, procore_id=msg.procore_id, kind=ItemKind.FILE, name=row.procore_name,
                         parent_id=row.procore_parent_id, version=msg.version, size=msg.size,
                         updated_at=msg.modified_at)
    planned = plan_content(PlanInput(procore_state(procore, row, hash=msg.quickxor, changed=True),
                                     sharepoint_state(now, row, by_us=written_by_us(ctx, now)), agreed_pair(row),
                                     policy_for(ctx, msg.tool)))
    if _resolve(ctx, msg, now, src, planned):
        return None
    content = next((a for a in planned.actions if a.kind is ActionKind.REPLACE_CONTENT), None)
    if content is not None and content.target is Side.PROCORE:   # SharePoint's content wins: it goes to Procore
        ctx.send(Step.TRANSFER, SpToProcore(tenant_id=msg.tenant_id, link_id=msg.link_id, lane=msg.lane,
                                            tool=msg.tool, sp_item_id=sp_id, conflict_resolved=True))
        return None
    if content is None:   # a skip (the tool turned off meanwhile): nothing written
        log.info("new version of %s not copied: %s", msg.procore_id, "; ".join(a.reason for a in planned.actions))
        return None
    return src.replace(sp_id)


def _resolve(ctx: LinkContext, msg: UploadFile, sp_now: DriveItem, src: Sender, planned: Plan) -> bool:
    """A planned conflict: its `conflict` activity, and keep_both's copy of the loser beside the winner
    (Procore's from the staged bytes, SharePoint's read by range: no temp file). True when the loser is
    large: its copy goes first, in steps (runners/beside.py), and this step writes nothing more."""
    conflict = conflict_of(planned)
    beside, to_procore = copy_beside(planned)
    loser = None if beside is None else msg.quickxor if beside.source is Side.PROCORE else sp_now.quick_xor_hash
    if loser is not None and loser == msg.kept_beside:
        return False   # its copy is written (and the conflict recorded) by the steps this one follows
    if conflict is not None:
        record_conflict(ctx, msg.tool, msg.procore_id, sp_now.name, conflict.reason)
    if beside is None:
        return False
    if loser is not None and budget.is_large(msg.size if beside.source is Side.PROCORE else sp_now.size):
        start_copy(ctx, msg, beside, to_procore, sp_now, loser)
        return True
    with _local_copy(ctx, msg, src) as procore_bytes:
        content = procore_bytes if beside.source is Side.PROCORE else \
            ranges.ItemContent(ctx.graph, ctx.drive_id, sp_now.id, sp_now.size or 0, sp_now.etag)
        write_beside(ctx, msg.tool, msg.lane, sp_now.parent_id, beside, content, to_procore)
    return False


def _upload(ctx: LinkContext, msg: UploadFile, row: ItemRow, parent_sp: str, name: str,
            src: Sender) -> Transfer | None:
    if row.sp_item_id:
        try:
            return _onto_twin(ctx, msg, row, row.sp_item_id, src)
        except StagingMissing:
            raise   # our staged bytes are gone (a duplicate finished), not the twin: never write around the plan
        except errors.NotFound:
            log.info("twin of %s vanished in SharePoint; uploading it again", msg.procore_id)
            _forget_vanished_twin(ctx, msg, row.sp_item_id)
    try:
        return _upload_new(ctx, msg, row, parent_sp, name, src)
    except StagingMissing:
        raise
    except errors.NotFound:
        moved = recreate_parent(ctx, msg.tool, row, parent_sp)   # the parent folder is gone in SharePoint
        if moved is None:
            raise
        return _upload_new(ctx, msg, row, moved, name, src)


def _forget_vanished_twin(ctx: LinkContext, msg: UploadFile, sp_item_id: str) -> None:
    """The twin is gone from SharePoint and a new one is about to be written: the gone id's reverse index
    goes first, so that id's delete, when it comes, finds no twin (it would delete the edit in Procore)."""
    try:
        if not sp_items.get_item(ctx.graph, ctx.drive_id, sp_item_id).is_deleted:
            return                      # still there: the 404 was about something else
    except errors.NotFound:
        pass
    index = ctx.services.repos.items_by_sp.get(ctx.link.link_id, sp_item_id)
    if index is not None and index.row.item_key == item_key(msg.tool.value, msg.procore_id):
        ctx.services.repos.items_by_sp.delete(ctx.link.link_id, sp_item_id, index.etag)


def _upload_new(ctx: LinkContext, msg: UploadFile, row: ItemRow, parent_sp: str, name: str,
                src: Sender) -> Transfer | None:
    """A new SharePoint file for the item in `parent_sp`, adopting or replacing one of its name that is
    ours to take."""
    drive = ctx.drive_id
    own_key = item_key(msg.tool.value, msg.procore_id)
    for candidate in (name, _with_suffix(name, msg.procore_id)):
        try:
            return src.new(parent_sp, candidate, "fail")
        except errors.Conflict:
            existing = sp_items.get_child(ctx.graph, drive, parent_sp, candidate)
            if existing is None or existing.is_folder:
                continue
            owner = _owner_of(ctx, existing.id)
            if owner not in (None, own_key):
                continue  # another item's file: try the disambiguated name
            if owner is None and _uploading_elsewhere(ctx, msg, row, candidate,
                                                      recorded_too=written_by_us(ctx, existing)):
                continue  # another item's copy under the same SharePoint name, not recorded yet: never take it
            if existing.quick_xor_hash == msg.quickxor and existing.size == msg.size:
                return Transfer(size=msg.size, quick_xor_hash=msg.quickxor, item=existing)  # identical: adopt
            if owner is None:
                return _onto_unmapped(ctx, msg, row, existing, src)
            return src.replace(existing.id)
    raise errors.Conflict(f"no free name for {name!r} in its SharePoint folder")


def _onto_unmapped(ctx: LinkContext, msg: UploadFile, row: ItemRow, existing: DriveItem,
                   src: Sender) -> Transfer | None:
    """A new Procore file meets an unmapped SharePoint file of the same name: the planner matches them (the
    same file made on both sides) and says whose content wins, or that the loser is kept beside."""
    procore = SourceItem(tool=msg.tool, procore_id=msg.procore_id, kind=ItemKind.FILE, name=row.procore_name,
                         parent_id=row.procore_parent_id, version=msg.version, size=msg.size,
                         updated_at=msg.modified_at)
    initial = ctx.link.initial_sync if ctx.lane is Lane.INITIAL else None
    planned = plan(PlanInput(procore_state(procore, None, hash=msg.quickxor),
                             sharepoint_state(existing, None, by_us=written_by_us(ctx, existing)), None,
                             replace(policy_for(ctx, msg.tool), initial=initial)))
    if _resolve(ctx, msg, existing, src, planned):
        return None
    content = next((a for a in planned.actions if a.kind is ActionKind.REPLACE_CONTENT), None)
    if content is not None and content.target is Side.PROCORE:   # SharePoint's copy wins: a new Procore version
        adopt_newer_sp(ctx, row, existing)
        return None
    if content is None and ActionKind.RECORD_ONLY in planned.kinds():   # identical by the servers' hashes
        return Transfer(size=msg.size, quick_xor_hash=msg.quickxor, item=existing)
    return src.replace(existing.id)


def _uploading_elsewhere(ctx: LinkContext, msg: UploadFile, row: ItemRow, candidate: str, *,
                         recorded_too: bool = False) -> bool:
    """Is another item of the link being copied to this SharePoint name right now (two Procore names that
    map to one SharePoint name, Plan.pdf and plan.pdf, or two phones' IMG_0001.jpg, copied at once)? Its
    upload lease is live, it has the same Procore parent and its name maps to this one. The unowned file is
    then its, not ours to replace. `recorded_too` (the file is our own write): any such sibling counts, lease
    or not, since the sibling may have released its lease a moment before its record lands."""
    own = item_key(msg.tool.value, msg.procore_id)
    wanted = candidate.lower()
    query, params = (("procore_parent_id eq @p", {"p": row.procore_parent_id})
                     if recorded_too and row.procore_parent_id is not None
                     else ("upload_lease_until gt @now", {"now": datetime.now(UTC)}))
    for stored in ctx.services.repos.items.query(ctx.link.link_id, query, params):
        other = stored.row
        if item_key(other.tool.value, other.procore_id) == own or other.procore_parent_id != row.procore_parent_id:
            continue
        if other.tool is not msg.tool or other.state is ItemState.SKIPPED:
            continue
        try:
            name = sharepoint_name(other.procore_name, is_folder=other.kind is ItemKind.FOLDER)
        except errors.ItemSkipped:
            continue
        if name.lower() == wanted:
            return True
    return False


def written_by_us(ctx: LinkContext, item: DriveItem) -> bool:
    """Is SharePoint's current state of the item our own write? Its hash can still differ from the bytes
    we sent (SharePoint rewrites Office files) or from the recorded baseline (an upload whose record
    was lost), but it is no person's edit: never a conflict, never a newer SharePoint copy."""
    return item.modified_by_app is not None and item.modified_by_app == ctx.tenant.microsoft.client_id


def adopt_newer_sp(ctx: LinkContext, row: ItemRow, existing: DriveItem) -> None:
    """Initial sync from SharePoint: the SharePoint file of the same path is newer, so it wins. Map the
    pair (still pending) and send SharePoint's bytes to Procore as a new version of the Procore file."""
    repos = ctx.services.repos
    key = item_key(row.tool.value, row.procore_id)
    repos.items.upsert(row.model_copy(update={
        "state": ItemState.PENDING, "sp_item_id": existing.id, "sp_parent_id": existing.parent_id,
        "sp_name": existing.name, "sp_etag": existing.etag, "sp_ctag": existing.ctag, "sp_quickxor": None,
        "awaiting_sp_copy": True, "upload_lease_until": None}))
    repos.items_by_sp.upsert(ItemBySpRow(link_id=ctx.link.link_id, sp_item_id=existing.id, item_key=key))
    ctx.forget_cached(row.tool, row.procore_id)
    ctx.send(Step.TRANSFER, SpToProcore(tenant_id=ctx.link.tenant_id, link_id=ctx.link.link_id, lane=ctx.lane,
                                        tool=row.tool, sp_item_id=existing.id))


def upload_file(ctx: LinkContext, msg: UploadFile) -> None:
    gate.upload_step(ctx, msg.size, budget.transfer_key(Direction.TO_SP, msg.tool, msg.procore_id, msg.version),
                     lambda chunked_key: _upload_file(ctx, msg, chunked_key), msg.procore_id)


def _upload_file(ctx: LinkContext, msg: UploadFile, chunked_key: str | None) -> None:
    stored = ctx.item(msg.tool, msg.procore_id, fresh=True)
    if stored is None:
        raise errors.InvariantBroken(f"upload of {msg.procore_id} without an items row")
    row = stored.row
    if version_already_synced(row, msg.version) or row.awaiting_sp_copy:
        _follow_missed_move(ctx, msg, row)
        ctx.services.staging.delete(msg.staged_blob)
        return
    leased = lease_upload(ctx, msg.tool, msg.procore_id, row.sp_item_id)
    if leased is None:
        raise LeaseHeld(f"another upload of {msg.procore_id} is running")
    try:
        _upload_leased(ctx, msg, leased, chunked_key)
    except Continued:
        raise   # the lease and the staged bytes stay with the transfer's steps
    except BaseException:
        release_upload(ctx, leased)  # whatever failed, the retry must not wait out our lease (a no-op once recorded)
        raise


def _upload_leased(ctx: LinkContext, msg: UploadFile, leased: ItemRow, chunked_key: str | None) -> None:
    row = leased  # read again under the lease: a delivery of this version may have finished meanwhile
    if version_already_synced(row, msg.version) or row.awaiting_sp_copy:
        release_upload(ctx, leased)
        _follow_missed_move(ctx, msg, row)
        ctx.services.staging.delete(msg.staged_blob)
        return
    try:
        parent_sp = ensure_parent(ctx, msg.tool, row)
        name = legal_name(ctx, msg.tool, row) if not row.sp_item_id else (row.sp_name or row.procore_name)
    except errors.ItemSkipped as exc:
        release_upload(ctx, leased)
        record_skip(ctx, msg.tool, msg.procore_id, exc.reason)
        ctx.services.staging.delete(msg.staged_blob)
        return
    try:
        if chunked_key is not None:
            result = _upload(ctx, msg, row, parent_sp, name,
                             ChunkedSender(ctx, chunked_key, parent_sp, leased.upload_lease_until))
        else:   # straight from the staging blob (its size read first: a blob gone is known before any write)
            content = StagedSource(ctx.services.staging, msg.staged_blob)
            result = _upload(ctx, msg, row, parent_sp, name, _ContentSender(ctx, content))
    except Continued:
        raise   # the lease and the staged bytes stay with the transfer's steps
    except StagingMissing:
        release_upload(ctx, leased)
        log.info("staged bytes of %s are gone (a duplicate delivery finished?); fetching again", msg.procore_id)
        ctx.send(Step.TRANSFER, FetchFile(tenant_id=msg.tenant_id, link_id=msg.link_id, lane=msg.lane,
                                          tool=msg.tool, procore_id=msg.procore_id, version=msg.version,
                                          name=msg.name, parent_id=msg.parent_id))
        return
    if result is None:
        release_upload(ctx, leased)
        ctx.services.staging.delete(msg.staged_blob)
        return
    _record_upload(ctx, msg, row, parent_sp, result)


def finish_chunked_upload(ctx: LinkContext, msg: UploadFile | WriteBeside, parent_sp: str, item: DriveItem) -> None:
    """The last step of a large upload committed `item`: record it as a one-step upload would (a keep-both
    copy carries its conflict's winner on)."""
    if isinstance(msg, WriteBeside):
        finish_beside(ctx, msg, item)
        return
    stored = ctx.item(msg.tool, msg.procore_id, fresh=True)
    if stored is None:
        raise errors.InvariantBroken(f"upload of {msg.procore_id} without an items row")
    _record_upload(ctx, msg, stored.row, parent_sp, Transfer(size=msg.size, quick_xor_hash=msg.quickxor, item=item))


def _record_upload(ctx: LinkContext, msg: UploadFile, row: ItemRow, parent_sp: str, result: Transfer) -> None:
    item = result.item
    if item is None:
        raise errors.InvariantBroken("Graph upload finished without returning the item")
    if msg.columns:   # before the record: a failed write is retried with the upload (same bytes: no new copy)
        write_titled_columns(ctx.graph, ctx.drive_id, item.id, msg.columns)
    # Recorded inline (there is no record queue): until the twin's id is in the items row, another
    # step for this item could not know the twin exists (and might upload a second one). The baseline is
    # the server's view of the write (eTag, cTag, quickXorHash, size), not the bytes we sent: SharePoint
    # rewrites Office files as it stores them, and a baseline of the sent bytes would make the next delta,
    # reconciliation or duplicate delivery see a change in SharePoint that nobody made.
    record_result(ctx, RecordResult(
        tenant_id=msg.tenant_id, link_id=msg.link_id, lane=msg.lane, tool=msg.tool, procore_id=msg.procore_id,
        outcome="synced", version=msg.version, procore_name=row.procore_name,
        procore_parent_id=row.procore_parent_id, sp_item_id=item.id, sp_parent_id=item.parent_id or parent_sp,
        sp_name=item.name, sp_etag=item.etag, sp_ctag=item.ctag,
        sp_quickxor=item.quick_xor_hash or result.quick_xor_hash,
        size=item.size if item.size is not None else result.size, changed_at=msg.modified_at))
    write_columns(ctx, msg.tool, msg.procore_id, item.id)   # the metadata a tool shows beside its files
    _follow_missed_move(ctx, msg, row)
    ctx.services.staging.delete(msg.staged_blob)
