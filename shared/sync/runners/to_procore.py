"""SharePoint -> Procore: mirror folders, copy files (fetch to staging, then upload), follow renames,
moves and deletes. The mirror image of transfer.py / metadata.py, for the two-way tools: every Procore
read and write goes through the item's tool adapter (ctx.adapter), never to a tool's API directly.

A SharePoint item without a twin is claimed first (an itemsBySp row with an empty key), so two
deliveries of the same change never create two Procore items; a claim older than CLAIM_TIMEOUT is
taken over. Parents are resolved by SharePoint id through the mapping, mirrored on demand.
Identity checks use the servers' hashes only: SharePoint's quickXorHash, read from the item. Procore
keeps no content hash, and a Procore file is never downloaded just to hash it: a Procore version made
since the agreed state counts as a change (the conflict policy decides; if Procore wins, its copy to
SharePoint is compared there with SharePoint's quickXorHash and only recorded when identical).
Files above the step budget move in steps (shared/sync/transfer). A live change's small file is uploaded in
the step that fetched it (a failure retries the fetch); an initial sync's goes on as its own message.
Never imports azure.functions.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from shared import errors
from shared.graph import items as sp_items
from shared.graph import ranges
from shared.graph.models import DriveItem
from shared.graph.quickxor import QuickXorHash
from shared.models.api import ToolKey
from shared.models.messages import FetchFile, Lane, ProcoreMetadata, RecordResult, SpMetadata, SpToProcore
from shared.models.rows import ItemKind, ItemRow, ItemState
from shared.models.transfers import Direction, TransferRow
from shared.procore.conflicts import NameTaken
from shared.store.items import rekey_item
from shared.store.repositories import ItemBySpRow, item_key
from shared.store.staging import StagingMissing
from shared.sync.conflict import Side
from shared.sync.context import LinkContext, Step
from shared.sync.decide import agreed_pair, procore_state, sharepoint_state
from shared.sync.plan.aspects import plan_content, plan_metadata
from shared.sync.plan.planner import plan
from shared.sync.plan.state import PlanInput
from shared.sync.plan.vocabulary import Action, ActionKind
from shared.sync.quiet import superseded
from shared.sync.runners.breaker import admit_delete
from shared.sync.runners.completion import request_completion_check
from shared.sync.runners.folder_delete import keep_procore_edits_below
from shared.sync.runners.one_way import delete_withheld
from shared.sync.runners.planning import conflict_of, copy_beside, policy_for, write_beside
from shared.sync.runners.record import (
    change_of,
    forget_twin,
    is_replay,
    live_latency_ms,
    record_conflict,
    record_result,
    twin_of,
)
from shared.sync.runners.tree import tool_root
from shared.sync.runners.upload_lease import LeaseHeld, lease_upload, release_upload
from shared.sync.transfer import budget, gate, start
from shared.sync.transfer.send_procore import begin_upload
from shared.sync.transfer.send_sp import Continued, Restart
from shared.sync.transfer.staged import StagedSource
from shared.telemetry.spans import RECORD_SPAN, traced
from shared.tools.base import SourceItem, child_named, link_scope

log = logging.getLogger("pcsync.sync")
CLAIM_TIMEOUT = timedelta(minutes=10)
MAX_DEPTH = 200
PROVISIONAL = "sp:"  # items rows planned by the from-SharePoint initial sync before a twin exists
LOCK_RETRY_CAP_S = 300.0


def _claim(ctx: LinkContext, sp_item_id: str) -> bool:
    """Claim the creation of a twin; False if someone else holds a live claim or it exists."""
    now = datetime.now(UTC)

    def change(current: ItemBySpRow | None) -> ItemBySpRow | None:
        live_claim = current is not None and current.claimed_at is not None and \
            now - current.claimed_at < CLAIM_TIMEOUT
        if current is not None and (current.item_key or live_claim):
            return None
        return ItemBySpRow(link_id=ctx.link.link_id, sp_item_id=sp_item_id, item_key="", claimed_at=now)

    return ctx.services.repos.items_by_sp.mutate_won(ctx.link.link_id, sp_item_id, change)


@traced(RECORD_SPAN)
def _record_twin(ctx: LinkContext, tool: ToolKey, procore_id: str, kind: ItemKind, sp: DriveItem,
                 procore_name: str, procore_parent: str, version: str | None, quickxor: str | None,
                 previous_ids: list[str] | None = None) -> None:
    repos = ctx.services.repos
    row = ItemRow(link_id=ctx.link.link_id, tool=tool, procore_id=procore_id, kind=kind, state=ItemState.SYNCED,
                  procore_name=procore_name, procore_parent_id=procore_parent, procore_version=version,
                  sp_item_id=sp.id, sp_parent_id=sp.parent_id, sp_name=sp.name, sp_etag=sp.etag, sp_ctag=sp.ctag,
                  sp_quickxor=quickxor, size=sp.size or 0, updated_at=datetime.now(UTC),
                  previous_ids=previous_ids or [])   # a re-keyed item keeps its old ids
    before = repos.items.get(ctx.link.link_id, item_key(tool.value, procore_id))
    if before is not None and is_replay(before.row, row.model_copy(update={"previous_ids": before.row.previous_ids})):
        if before.row.upload_lease_until is not None:   # a duplicate delivery of a step already recorded:
            repos.items.upsert(row)                      # it may release a lease, but it is no second event
        return
    change = "updated" if before is None and previous_ids else change_of(before.row if before else None, row)
    repos.items.upsert(row)
    repos.items.delete(ctx.link.link_id, item_key(tool.value, PROVISIONAL + sp.id))  # from_sharepoint plan
    repos.items_by_sp.upsert(ItemBySpRow(link_id=ctx.link.link_id, sp_item_id=sp.id,
                                         item_key=item_key(tool.value, procore_id)))
    repos.record_activity(repos.new_activity(ctx.link.link_id, "synced", tool=tool, item=procore_id,
                                             path=sp.name, detail="from SharePoint", change=change,
                                             size=(sp.size or 0) if kind is ItemKind.FILE else None,
                                             latency_ms=live_latency_ms(ctx, sp.last_modified, datetime.now(UTC))
                                             if kind is ItemKind.FILE else None))
    if ctx.lane is Lane.INITIAL:  # an initial sync from SharePoint waits for this item too
        request_completion_check(ctx)


def _follow_rekey(ctx: LinkContext, twin: ItemRow, written: SourceItem) -> list[str]:
    """A tool without versions keeps new bytes under a new Procore id (the old item went to its recycle bin):
    the item moves to that id with its SharePoint twin, agreed state and history (store.items.rekey_item).
    The item's earlier Procore ids (none when it kept its id)."""
    if written.procore_id == twin.procore_id:
        return twin.previous_ids
    moved = rekey_item(ctx.services.repos, ctx.link.link_id, twin.key, written.key, procore_version=written.version,
                       procore_name=written.name)
    ctx.forget_cached(twin.tool, twin.procore_id)
    return moved.row.previous_ids


def procore_parent(ctx: LinkContext, tool: ToolKey, sp_parent_id: str | None, depth: int = 0) -> str:
    """The Procore folder id of a SharePoint folder, mirroring it (and its ancestors) when needed."""
    root_procore, root_sp = tool_root(ctx, tool)
    if sp_parent_id is None or sp_parent_id == root_sp:
        return root_procore
    twin = twin_of(ctx, sp_parent_id)
    if twin is not None:
        return twin.procore_id
    if depth > MAX_DEPTH:
        raise errors.InvariantBroken("SharePoint folder chain too deep (a cycle?)")
    folder = sp_items.get_item(ctx.graph, ctx.drive_id, sp_parent_id)
    return mirror_folder(ctx, tool, folder, depth + 1)


def mirror_folder(ctx: LinkContext, tool: ToolKey, folder: DriveItem, depth: int = 0) -> str:
    """Create (or adopt) the Procore twin of a SharePoint folder; returns its Procore id."""
    twin = twin_of(ctx, folder.id)
    if twin is not None:
        return twin.procore_id
    parent = procore_parent(ctx, tool, folder.parent_id, depth)
    if not _claim(ctx, folder.id):
        raise errors.TransientError(f"folder {folder.id} is being mirrored by another step", retry_after=2)
    name = folder.name or "Untitled folder"
    try:
        created = ctx.adapter(tool).create_container(ctx.procore, ctx.link, parent, name)
    except BaseException:
        ctx.services.repos.items_by_sp.delete(ctx.link.link_id, folder.id)
        raise
    _record_twin(ctx, tool, created.procore_id, ItemKind.FOLDER, folder, created.name, parent, None, None)
    return created.procore_id


def _sp_state(msg: SpToProcore) -> str | None:
    """What SharePoint said the item's hash was when these bytes were fetched. Whether SharePoint changed
    is asked server to server: SharePoint may serve an Office file with other bytes than its hash says."""
    return msg.sp_quickxor or msg.quickxor


def fetch_from_sp(ctx: LinkContext, msg: SpToProcore) -> None:
    try:
        item = sp_items.get_item(ctx.graph, ctx.drive_id, msg.sp_item_id)
    except errors.NotFound:
        return  # gone meanwhile: its delete goes through detect
    if item.is_deleted or item.is_folder:
        return
    if superseded(msg.seen_etag, item.etag, item.modified_by_app, ctx.tenant.microsoft.client_id):
        log.info("%s was saved again since; that save's own change copies it", msg.sp_item_id)
        return
    if budget.is_large(item.size) and item.quick_xor_hash and item.size is not None:   # copied in steps
        twin = twin_of(ctx, msg.sp_item_id)
        if twin is not None and twin.sp_quickxor == item.quick_xor_hash:
            return   # these bytes are in Procore already (a duplicate or late delivery)
        start.start_to_procore(ctx, msg.model_copy(update={
            "phase": "upload", "quickxor": "", "sp_quickxor": item.quick_xor_hash, "etag": item.etag,
            "size": item.size}), msg.tool, item.quick_xor_hash, item.etag, item.size)
        return
    hashing = QuickXorHash()   # streamed once, SharePoint -> staging blob, hashed on the way (no temp file)
    version = item.quick_xor_hash or item.etag or uuid.uuid4().hex
    staged = ctx.services.staging.put(f"{msg.link_id}/sp/{msg.sp_item_id}/{version}",
                                      _hashed(ranges.iter_from(ctx.graph, ctx.drive_id, msg.sp_item_id, 0, None),
                                              hashing))
    upload = msg.model_copy(update={
        "phase": "upload", "staged_blob": staged.name, "quickxor": hashing.b64digest(),
        "sp_quickxor": item.quick_xor_hash, "etag": item.etag, "size": staged.size})
    if msg.lane is Lane.LIVE:
        upload_to_procore(ctx, upload)   # a live change goes on at once: no queue hop between the two phases
    else:
        ctx.send(Step.TRANSFER, upload)


def _hashed(chunks: Iterator[bytes], hashing: QuickXorHash) -> Iterator[bytes]:
    for chunk in chunks:
        hashing.update(chunk)
        yield chunk


def _writable(ctx: LinkContext, twin: ItemRow, current: SourceItem, action: str) -> None:
    """A file checked out in Procore is not overwritten: retry after the checkout (capped), and mark the
    row so that the check-in's webhook resumes the change at once (resume_after_checkin)."""
    until = current.locked_until
    now = datetime.now(UTC)
    if until is None or until <= now:
        return

    def mark(current: ItemRow | None) -> ItemRow | None:
        if current is None or current.checkout_wait == action:
            return None
        return current.model_copy(update={"checkout_wait": action})

    ctx.services.repos.items.mutate(ctx.link.link_id, item_key(twin.tool.value, twin.procore_id), mark)
    wait = min((until - now).total_seconds(), LOCK_RETRY_CAP_S)
    raise errors.Locked(f"checked out in Procore until {until.isoformat()}", retry_after=wait)


def resume_after_checkin(ctx: LinkContext, row: ItemRow, lane: Lane) -> bool:
    """A Procore change to an item whose SharePoint change waits on a checkout: try that change again now
    (if the file is still checked out, it waits again). True when something was resumed."""
    if row.checkout_wait is None or not row.sp_item_id:
        return False

    def clear(current: ItemRow | None) -> ItemRow | None:
        if current is None or current.checkout_wait is None:
            return None
        return current.model_copy(update={"checkout_wait": None})

    if not ctx.services.repos.items.mutate_won(ctx.link.link_id, item_key(row.tool.value, row.procore_id), clear):
        return False  # another step resumed it
    common = {"tenant_id": ctx.link.tenant_id, "link_id": ctx.link.link_id, "lane": lane, "tool": row.tool,
              "sp_item_id": row.sp_item_id}
    if row.checkout_wait == "upload":
        ctx.send(Step.TRANSFER, SpToProcore(**common))
    elif row.checkout_wait in ("move", "recycle"):
        ctx.send(Step.METADATA, ProcoreMetadata(**common, action=row.checkout_wait))
    return True


def _procore_won(ctx: LinkContext, msg: SpToProcore, twin: ItemRow, item: DriveItem) -> bool:
    """SharePoint's new content meets Procore's current state: the planner says whose content wins (Procore
    keeps no content hash, so a version made since the agreed state is a change, never downloaded just to
    hash it). True when nothing is written to Procore here (Procore's side is then copied, or kept)."""
    current = ctx.adapter(twin.tool).get(ctx.procore, ctx.link, twin.procore_id, ItemKind.FILE)
    locked = current is not None and current.locked_until is not None and current.locked_until > datetime.now(UTC)
    procore = procore_state(current, twin, locked=locked)
    sharepoint = sharepoint_state(item, twin, by_us=False, changed=True)  # these bytes are SharePoint's change
    planned = plan_content(PlanInput(procore, sharepoint, agreed_pair(twin), policy_for(ctx, twin.tool)))
    kinds, conflict = planned.kinds(), conflict_of(planned)
    if current is None or procore is None:   # deleted in Procore: the edit comes back (one-way: stays in SharePoint)
        if conflict is not None:
            record_conflict(ctx, twin.tool, twin.procore_id, item.name, conflict.reason)
        forget_twin(ctx, twin)
        if ActionKind.RESTORE in kinds:
            ctx.send(Step.TRANSFER, msg.model_copy(update={"phase": "fetch", "staged_blob": None}))
        return True
    if ActionKind.DEFER in kinds:
        _writable(ctx, twin, current, "upload")   # raises Locked: looked at again after the checkout
    version = current.version or ""
    if ActionKind.KEEP_BOTH_COPY in kinds:
        # keep_both is applied by the Procore -> SharePoint step, which holds both contents at once
        ctx.send(Step.TRANSFER, FetchFile(tenant_id=msg.tenant_id, link_id=msg.link_id, lane=msg.lane,
                                          tool=twin.tool, procore_id=twin.procore_id, version=version))
        return True
    if conflict is not None:
        record_conflict(ctx, twin.tool, twin.procore_id, item.name, conflict.reason)
    content = next((a for a in planned.actions if a.kind is ActionKind.REPLACE_CONTENT), None)
    if content is not None and content.target is Side.SHAREPOINT:   # Procore's content wins: it goes to SharePoint
        ctx.send(Step.TRANSFER, FetchFile(tenant_id=msg.tenant_id, link_id=msg.link_id, lane=msg.lane,
                                          tool=twin.tool, procore_id=twin.procore_id, version=version))
        return True
    return content is None   # SharePoint's wins: uploaded by the caller; anything else writes nothing


def upload_to_procore(ctx: LinkContext, msg: SpToProcore) -> None:
    key = budget.transfer_key(Direction.TO_PROCORE, msg.tool, msg.sp_item_id, msg.sp_quickxor or "")
    gate.upload_step(ctx, msg.size, key, lambda chunked_key: _upload_to_procore(ctx, msg, chunked_key),
                     msg.sp_item_id)


def _upload_to_procore(ctx: LinkContext, msg: SpToProcore, chunked_key: str | None) -> None:
    assert msg.staged_blob is not None
    item = sp_items.get_item(ctx.graph, ctx.drive_id, msg.sp_item_id)
    if item.quick_xor_hash and _sp_state(msg) and item.quick_xor_hash != _sp_state(msg):
        # SharePoint holds other bytes than these by now (saved again, or a late duplicate delivery):
        # the newer state went through detect itself; older bytes must never overwrite newer ones.
        log.info("%s changed since it was fetched; these bytes are stale", msg.sp_item_id)
        ctx.services.staging.delete(msg.staged_blob)
        return
    twin = twin_of(ctx, msg.sp_item_id)
    if twin is not None and twin.sp_quickxor != _sp_state(msg):
        leased = lease_upload(ctx, twin.tool, twin.procore_id, twin.sp_item_id)
        if leased is None:
            raise LeaseHeld(f"another upload of {msg.sp_item_id} to Procore is running")
        try:
            _upload_onto(ctx, msg, item, chunked_key, leased.upload_lease_until)
        except Continued:
            raise   # the lease stays with the transfer's steps
        except BaseException:
            release_upload(ctx, leased)
            raise
        release_upload(ctx, leased)
        return
    _upload_onto(ctx, msg, item, chunked_key, None)


def _upload_onto(ctx: LinkContext, msg: SpToProcore, item: DriveItem, chunked_key: str | None = None,
                 lease_until: datetime | None = None) -> None:
    """Upload the staged SharePoint bytes to the item's Procore twin (or as a new Procore file)."""
    assert msg.staged_blob is not None
    twin = twin_of(ctx, msg.sp_item_id)  # again, under the lease: another delivery may have finished
    if twin is not None and (twin.sp_quickxor == _sp_state(msg) or
                             (not msg.conflict_resolved and _procore_won(ctx, msg, twin, item))):
        ctx.services.staging.delete(msg.staged_blob)
        return  # already there (a redelivery), the same bytes, or Procore won the conflict
    if twin is None and _adopt_created(ctx, msg, item):
        return   # an earlier delivery created the Procore file but could not record it: recorded now
    if twin is None and not _claim(ctx, msg.sp_item_id):
        raise errors.TransientError(f"file {msg.sp_item_id} is being created by another step", retry_after=2)
    adapter = ctx.adapter(msg.tool)
    name = item.name or "Untitled"
    history: list[str] | None = None   # a re-keyed twin's earlier Procore ids
    try:
        parent = twin.procore_parent_id if twin is not None and twin.procore_parent_id else \
            procore_parent(ctx, msg.tool, item.parent_id)
        if chunked_key is not None:   # large: the transfer's steps send the bytes, then attach_chunked_upload
            claim = ctx.services.repos.items_by_sp.get(ctx.link.link_id, msg.sp_item_id) if twin is None else None
            begin_upload(ctx, chunked_key, twin_id=twin.procore_id if twin is not None else None, parent_id=parent,
                         name=name, lease_until=lease_until, claimed_at=claim.row.claimed_at if claim else None)
        staged = StagedSource(ctx.services.staging, msg.staged_blob)   # read from the blob, no temp file
        upload = ctx.procore.uploads.upload(link_scope(ctx.link), staged, filename=name)
        if twin is not None:
            written = adapter.replace_content(ctx.procore, ctx.link, twin.procore_id, upload.uuid)
            history = _follow_rekey(ctx, twin, written)
        else:
            written = adapter.create_content(ctx.procore, ctx.link, parent, name, upload.uuid)
    except Continued:
        raise   # the claim stays with the transfer's steps
    except StagingMissing:
        if twin is None:
            ctx.services.repos.items_by_sp.delete(ctx.link.link_id, msg.sp_item_id)
        log.info("staged bytes of %s are gone (a duplicate delivery finished?); fetching again", msg.sp_item_id)
        ctx.send(Step.TRANSFER, msg.model_copy(update={"phase": "fetch", "staged_blob": None}))
        return
    except NameTaken as taken:
        if twin is not None:
            raise
        try:
            _created_on_both(ctx, msg, item, parent, taken)
        finally:
            _release_claim(ctx, msg.sp_item_id)
        return
    except BaseException:
        if twin is None:
            ctx.services.repos.items_by_sp.delete(ctx.link.link_id, msg.sp_item_id)
        raise
    if twin is None:
        _note_created(ctx, msg, written, parent)
    _record_twin(ctx, msg.tool, written.procore_id, ItemKind.FILE, item.model_copy(update={"etag": msg.etag}),
                 written.name, parent, written.version, _sp_state(msg), history)
    ctx.services.staging.delete(msg.staged_blob)


def _release_claim(ctx: LinkContext, sp_item_id: str) -> None:
    """Drop a creation claim that no twin replaced (a recorded pair is kept)."""
    stored = ctx.services.repos.items_by_sp.get(ctx.link.link_id, sp_item_id)
    if stored is not None and not stored.row.item_key:
        ctx.services.repos.items_by_sp.delete(ctx.link.link_id, sp_item_id)


def _created_on_both(ctx: LinkContext, msg: SpToProcore, item: DriveItem, parent: str, taken: NameTaken, *,
                     in_steps: bool = False) -> None:
    """SharePoint's new file meets a Procore file of the same name in the same folder that nobody mapped yet
    (a person made it): the planner matches them, as the Procore-first path does (transfer._onto_unmapped),
    and says whose content wins, or that the loser is kept beside; this step writes what it says.
    `in_steps`: a large file's last step, whose upload the refused create spent; when SharePoint wins, the
    transfer restarts from its staged bytes onto the pair (Restart keeps them)."""
    assert msg.staged_blob is not None
    adapter = ctx.adapter(msg.tool)
    name = item.name or "Untitled"
    existing = child_named(adapter, ctx.procore, ctx.link, parent, name, ItemKind.FILE)
    if existing is None:   # a folder holds the name (our bug to see), or the file went meanwhile (try again)
        if child_named(adapter, ctx.procore, ctx.link, parent, name, ItemKind.FOLDER) is not None:
            raise taken
        raise errors.TransientError(f"{name!r} was taken in Procore and is free again", retry_after=2)
    known = ctx.services.repos.items.get(ctx.link.link_id, item_key(msg.tool.value, existing.procore_id))
    if known is not None and known.row.sp_item_id and known.row.sp_item_id != item.id:
        raise taken   # another SharePoint item's twin holds the name: not this rule's case
    by_us = item.modified_by_app is not None and item.modified_by_app == ctx.tenant.microsoft.client_id
    initial = ctx.link.initial_sync if ctx.lane is Lane.INITIAL else None
    planned = plan(PlanInput(procore_state(existing, None), sharepoint_state(item, None, by_us=by_us), None,
                             replace(policy_for(ctx, msg.tool), initial=initial)))
    conflict = conflict_of(planned)
    beside, to_procore = copy_beside(planned)
    if beside is not None and budget.is_large(item.size if beside.source is Side.SHAREPOINT else existing.size):
        # a large loser's copy is written in steps, by the Procore-first path (transfer._onto_unmapped), which
        # meets the same two files and plans the same: this step hands the pair over, writing nothing
        ctx.send(Step.TRANSFER, FetchFile(tenant_id=msg.tenant_id, link_id=msg.link_id, lane=msg.lane, tool=msg.tool,
                                          procore_id=existing.procore_id, version=existing.version or ""))
        ctx.services.staging.delete(msg.staged_blob)
        return
    if conflict is not None:
        record_conflict(ctx, msg.tool, existing.procore_id, name, conflict.reason)
    if beside is not None:
        _keep_loser_beside(ctx, msg, item, existing, beside, to_procore)
    content = next((a for a in planned.actions if a.kind is ActionKind.REPLACE_CONTENT), None)
    sp_item = item.model_copy(update={"etag": msg.etag})
    if content is not None and content.target is Side.SHAREPOINT:   # Procore's content wins: it goes to SharePoint
        _pair_for_procore_copy(ctx, msg, sp_item, existing, parent)
        ctx.send(Step.TRANSFER, FetchFile(tenant_id=msg.tenant_id, link_id=msg.link_id, lane=msg.lane, tool=msg.tool,
                                          procore_id=existing.procore_id, version=existing.version or ""))
    elif content is not None and in_steps:   # SharePoint's content wins: the staged bytes go again, onto the pair
        _pair_for_sp_copy(ctx, msg, sp_item, existing, parent)
        raise Restart(f"{name!r} was taken in Procore: SharePoint's content goes as a new version of it")
    elif content is not None:   # SharePoint's content wins: a new version of the Procore file
        staged = StagedSource(ctx.services.staging, msg.staged_blob)
        upload = ctx.procore.uploads.upload(link_scope(ctx.link), staged, filename=name)
        written = adapter.replace_content(ctx.procore, ctx.link, existing.procore_id, upload.uuid)
        _record_twin(ctx, msg.tool, written.procore_id, ItemKind.FILE, sp_item, written.name, parent, written.version,
                     _sp_state(msg))
    elif ActionKind.RECORD_ONLY in planned.kinds():   # identical by the servers' hashes
        _record_twin(ctx, msg.tool, existing.procore_id, ItemKind.FILE, sp_item, existing.name, parent,
                     existing.version, _sp_state(msg))
    else:
        log.info("%s meets Procore's %s, not copied: %s", msg.sp_item_id, existing.procore_id,
                 "; ".join(a.reason for a in planned.actions))
    ctx.services.staging.delete(msg.staged_blob)


def _keep_loser_beside(ctx: LinkContext, msg: SpToProcore, item: DriveItem, existing: SourceItem, copy: Action,
                       to_procore: bool) -> None:
    """keep_both: the losing side's content beside the winner in SharePoint (SharePoint's from the staged
    bytes, Procore's streamed through a staging blob)."""
    assert msg.staged_blob is not None
    staging = ctx.services.staging
    if copy.source is Side.SHAREPOINT:
        write_beside(ctx, msg.tool, msg.lane, item.parent_id, copy, StagedSource(staging, msg.staged_blob), to_procore)
        return
    blob = staging.put(f"{msg.link_id}/procore/{existing.procore_id}/{existing.version or uuid.uuid4().hex}",
                       ctx.adapter(msg.tool).fetch(ctx.procore, ctx.link, existing))
    try:
        write_beside(ctx, msg.tool, msg.lane, item.parent_id, copy, StagedSource(staging, blob.name), to_procore)
    finally:
        staging.delete(blob.name)


def _pair_for_sp_copy(ctx: LinkContext, msg: SpToProcore, sp: DriveItem, existing: SourceItem, parent: str) -> None:
    """Map the pair before SharePoint's winning content goes to Procore in steps (a large file): Procore's
    version is the agreed one, SharePoint's content not yet synced, so the SharePoint -> Procore transfer
    sends it as a new version of `existing` (the one-step upload's bytes were spent on the refused create)."""
    repos = ctx.services.repos
    key = item_key(msg.tool.value, existing.procore_id)
    repos.items.upsert(ItemRow(link_id=ctx.link.link_id, tool=msg.tool, procore_id=existing.procore_id,
                               kind=ItemKind.FILE, state=ItemState.PENDING, procore_name=existing.name,
                               procore_parent_id=parent, procore_version=existing.version, sp_item_id=sp.id,
                               sp_parent_id=sp.parent_id, sp_name=sp.name, sp_etag=None, sp_ctag=None,
                               sp_quickxor=None, size=existing.size or 0, updated_at=datetime.now(UTC)))
    repos.items.delete(ctx.link.link_id, item_key(msg.tool.value, PROVISIONAL + sp.id))
    repos.items_by_sp.upsert(ItemBySpRow(link_id=ctx.link.link_id, sp_item_id=sp.id, item_key=key))
    ctx.forget_cached(msg.tool, existing.procore_id)


def _pair_for_procore_copy(ctx: LinkContext, msg: SpToProcore, sp: DriveItem, existing: SourceItem,
                           parent: str) -> None:
    """Map the pair before Procore's winning content is copied over SharePoint's: SharePoint's state is the
    agreed one, Procore's version not yet synced (pending), so the Procore -> SharePoint step writes it."""
    repos = ctx.services.repos
    key = item_key(msg.tool.value, existing.procore_id)
    repos.items.upsert(ItemRow(link_id=ctx.link.link_id, tool=msg.tool, procore_id=existing.procore_id,
                               kind=ItemKind.FILE, state=ItemState.PENDING, procore_name=existing.name,
                               procore_parent_id=parent, procore_version=None, sp_item_id=sp.id,
                               sp_parent_id=sp.parent_id, sp_name=sp.name, sp_etag=sp.etag, sp_ctag=sp.ctag,
                               sp_quickxor=_sp_state(msg), size=sp.size or 0, updated_at=datetime.now(UTC)))
    repos.items.delete(ctx.link.link_id, item_key(msg.tool.value, PROVISIONAL + sp.id))
    repos.items_by_sp.upsert(ItemBySpRow(link_id=ctx.link.link_id, sp_item_id=sp.id, item_key=key))
    ctx.forget_cached(msg.tool, existing.procore_id)


def _note_created(ctx: LinkContext, msg: SpToProcore, written: SourceItem, parent: str) -> None:
    """Write the new Procore file into the creation claim before recording the twin: if the record fails,
    the retry adopts this file (_adopt_created) instead of waiting out the claim or creating a second one."""

    def note(current: ItemBySpRow | None) -> ItemBySpRow | None:
        if current is None or current.item_key:
            return None   # recorded meanwhile (a duplicate delivery adopted it): nothing to note
        return current.model_copy(update={"created_id": written.procore_id, "created_name": written.name,
                                          "created_version": written.version, "created_parent": parent,
                                          "created_from": _sp_state(msg)})

    ctx.services.repos.items_by_sp.mutate(ctx.link.link_id, msg.sp_item_id, note)


def _adopt_created(ctx: LinkContext, msg: SpToProcore, item: DriveItem) -> bool:
    """A creation claim that names the Procore file it created (the record failed after the create): record
    that file as the twin now, with the SharePoint state it was made from; bytes newer than those go on as
    a new version (this message again, which now finds the twin). True when it adopted."""
    claim = ctx.services.repos.items_by_sp.get(ctx.link.link_id, msg.sp_item_id)
    if claim is None or claim.row.item_key or claim.row.created_id is None:
        return False
    created = claim.row
    log.info("adopting Procore file %s created earlier for %s", created.created_id, msg.sp_item_id)
    _record_twin(ctx, msg.tool, created.created_id or "", ItemKind.FILE, item.model_copy(update={"etag": msg.etag}),
                 created.created_name or item.name or "Untitled", created.created_parent or "",
                 created.created_version, created.created_from)
    if created.created_from != _sp_state(msg):
        ctx.send(Step.TRANSFER, msg)
    elif msg.staged_blob:
        ctx.services.staging.delete(msg.staged_blob)
    return True


def attach_chunked_upload(ctx: LinkContext, msg: SpToProcore, row: TransferRow, upload_uuid: str) -> None:
    """The last step of a large upload completed `upload_uuid`: attach it to the twin (a new version) or
    as a new Procore file, and record the pair, as a one-step upload would."""
    adapter = ctx.adapter(msg.tool)
    item = sp_items.get_item(ctx.graph, ctx.drive_id, msg.sp_item_id)
    parent = row.parent_id or ""
    history: list[str] | None = None
    if row.twin_id is not None:
        written = adapter.replace_content(ctx.procore, ctx.link, row.twin_id, upload_uuid)
        twin = twin_of(ctx, msg.sp_item_id)
        history = _follow_rekey(ctx, twin, written) if twin is not None else None
    elif _adopt_created(ctx, msg, item):
        return   # this step, done again, had created the file before its record failed
    else:
        try:
            written = adapter.create_content(ctx.procore, ctx.link, parent, row.name or item.name or "Untitled",
                                             upload_uuid)
        except NameTaken as taken:   # a person made the name in Procore while the bytes went: rule (d)
            try:
                _created_on_both(ctx, msg, item, parent, taken, in_steps=True)
            finally:
                _release_claim(ctx, msg.sp_item_id)
            return
        _note_created(ctx, msg, written, parent)
    _record_twin(ctx, msg.tool, written.procore_id, ItemKind.FILE, item.model_copy(update={"etag": msg.etag}),
                 written.name, parent, written.version, _sp_state(msg), history)
    if msg.staged_blob:
        ctx.services.staging.delete(msg.staged_blob)


def _back_in_sharepoint(ctx: LinkContext, sp_item_id: str) -> bool:
    """A delete applied late (after the settle window, a held delete, a checkout) asks SharePoint again:
    a file restored from its recycle bin meanwhile must not be deleted in Procore."""
    try:
        return not sp_items.get_item(ctx.graph, ctx.drive_id, sp_item_id).is_deleted
    except errors.NotFound:
        return False


def procore_metadata(ctx: LinkContext, msg: ProcoreMetadata) -> None:
    if msg.action == "mirror_folder":
        folder = sp_items.get_item(ctx.graph, ctx.drive_id, msg.sp_item_id)
        if not folder.is_deleted:
            mirror_folder(ctx, msg.tool, folder)
        return
    twin = twin_of(ctx, msg.sp_item_id)
    if twin is None:
        return
    adapter = ctx.adapter(twin.tool)
    common = {"tenant_id": msg.tenant_id, "link_id": msg.link_id, "lane": msg.lane, "tool": twin.tool,
              "procore_id": twin.procore_id}
    if msg.action == "recycle":
        if _back_in_sharepoint(ctx, msg.sp_item_id):
            log.info("%s is in SharePoint again (restored?): its delete is not applied", msg.sp_item_id)
            return
        if delete_withheld(ctx, twin, msg.lane):   # one-way since the delete was seen: Procore keeps it
            return
        if twin.kind is ItemKind.FOLDER:
            if not admit_delete(ctx, twin):
                return
            if keep_procore_edits_below(ctx, twin):
                return
            adapter.delete(ctx.procore, ctx.link, twin.procore_id, ItemKind.FOLDER)
        else:
            current = adapter.get(ctx.procore, ctx.link, twin.procore_id, ItemKind.FILE)
            planned = plan_content(PlanInput(procore_state(current, twin), None, agreed_pair(twin),
                                             policy_for(ctx, twin.tool)))
            kept = conflict_of(planned)
            if current is not None and kept is not None:   # the Procore edit beats the delete
                record_conflict(ctx, twin.tool, twin.procore_id, current.name, kept.reason)
                forget_twin(ctx, twin)
                if ActionKind.RESTORE in planned.kinds():
                    ctx.send(Step.TRANSFER, FetchFile(**common, version=current.version or ""))
                return
            if not admit_delete(ctx, twin):
                return
            if current is not None:
                _writable(ctx, twin, current, "recycle")
                adapter.delete(ctx.procore, ctx.link, twin.procore_id, ItemKind.FILE)
        record_result(ctx, RecordResult(**common, outcome="deleted", reason="deleted in SharePoint"))
        return
    item = sp_items.get_item(ctx.graph, ctx.drive_id, msg.sp_item_id)
    parent = procore_parent(ctx, twin.tool, item.parent_id)
    name = item.name or twin.procore_name
    current = adapter.get(ctx.procore, ctx.link, twin.procore_id, twin.kind)
    back = _won_in_procore(ctx, twin, item, current)   # Procore's own rename or move, when the planner keeps it
    if current is not None and ActionKind.RENAME in back:
        name = current.name
    if current is not None and ActionKind.MOVE in back:
        parent = current.parent_id or parent
    procore_name, procore_parent_id = (current.name, current.parent_id) if current is not None and back \
        else (twin.procore_name, twin.procore_parent_id)
    new_name = name if name != procore_name else None
    new_parent = parent if parent != procore_parent_id else None
    if new_name is not None or new_parent is not None:
        if twin.kind is ItemKind.FILE:
            if current is None:
                raise errors.NotFound(f"file {twin.procore_id} is gone from Procore")
            _writable(ctx, twin, current, "move")
        adapter.move(ctx.procore, ctx.link, twin.procore_id, twin.kind, name=new_name, parent_id=new_parent)
    _record_twin(ctx, twin.tool, twin.procore_id, twin.kind, item, name, parent, twin.procore_version,
                 twin.sp_quickxor)
    if back:   # Procore's name or place goes to SharePoint (after this record, so it sees the change)
        ctx.send(Step.METADATA, SpMetadata(**common, action="move"))


def _won_in_procore(ctx: LinkContext, twin: ItemRow, item: DriveItem, current: SourceItem | None) -> set[ActionKind]:
    """Renamed or moved in SharePoint: the planner weighs it against Procore's current name and place (a
    different rename or move there too: the newer wins). The aspects Procore keeps (and sends to SharePoint)."""
    if current is None or current.deleted:
        return set()
    planned = plan_metadata(PlanInput(procore_state(current, twin, metadata=True),
                                      sharepoint_state(item, twin, by_us=False), agreed_pair(twin),
                                      policy_for(ctx, twin.tool)))
    return {a.kind for a in planned.actions
            if a.target is Side.SHAREPOINT and a.kind in (ActionKind.RENAME, ActionKind.MOVE)}
