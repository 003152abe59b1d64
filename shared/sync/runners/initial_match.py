"""Initial sync from SharePoint, first phase: a Procore file meets the SharePoint file of its path before
anything is uploaded. Identical content (Procore's bytes hashed against SharePoint's quickXorHash) is
recorded as agreed with nothing copied either way; a newer SharePoint copy is adopted without reading
Procore's bytes when the sizes already tell the contents apart. Never imports azure.functions.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime

from shared import errors
from shared.graph import items as sp_items
from shared.graph.models import DriveItem
from shared.graph.quickxor import QuickXorHash
from shared.models.api import InitialSync
from shared.models.messages import FetchFile, RecordResult, UploadFile
from shared.models.rows import ItemKind, ItemRow, ItemState
from shared.store.repositories import item_key
from shared.sync.columns import write_columns, write_titled_columns
from shared.sync.context import LinkContext, Step
from shared.sync.decide import procore_state, sharepoint_state
from shared.sync.naming import sharepoint_name, unsupported_reason
from shared.sync.plan.planner import plan
from shared.sync.plan.state import PlanInput
from shared.sync.plan.vocabulary import ActionKind, Plan, Side
from shared.sync.runners import transfer
from shared.sync.runners.planning import policy_for
from shared.sync.runners.record import record_result
from shared.sync.runners.tree import ensure_parent, legal_name
from shared.sync.runners.upload_lease import lease_upload, release_upload
from shared.sync.transfer import budget
from shared.tools.base import SourceItem

log = logging.getLogger("pcsync.sync")


def fetch_file(ctx: LinkContext, msg: FetchFile) -> None:
    """The fetch step: at a from-SharePoint initial sync, first match the file against SharePoint's file of
    its path; whatever the match leaves undecided (or any other sync) takes the transfer path."""
    if not _matching(ctx, msg) or not _matched(ctx, msg):
        transfer.fetch_file(ctx, msg)


def _matching(ctx: LinkContext, msg: FetchFile) -> bool:
    """A listed, one-step file of a tool that meets SharePoint first."""
    return ctx.meets_sharepoint_first(msg.tool) and msg.download_url is not None and msg.size is not None \
        and not budget.is_large(msg.size)


def _matched(ctx: LinkContext, msg: FetchFile) -> bool:
    """True when this step decided the file (recorded as identical, or SharePoint's newer copy adopted)."""
    stored = ctx.item(msg.tool, msg.procore_id, fresh=True)
    row = stored.row if stored is not None else None
    if row is None or row.state is not ItemState.PENDING or row.sp_item_id or unsupported_reason(row.procore_name):
        return False
    try:
        parent_sp = ensure_parent(ctx, msg.tool, row)
        name = legal_name(ctx, msg.tool, row)
    except errors.ItemSkipped:
        return False   # the transfer path records why
    existing = sp_items.get_child(ctx.graph, ctx.drive_id, parent_sp, name)
    if existing is None or existing.is_folder or existing.is_deleted:
        return False   # nothing there to match: a plain copy
    leased = lease_upload(ctx, msg.tool, msg.procore_id, None)
    if leased is None:
        return False   # another step holds the item: the transfer path waits for it
    try:
        done = _decide(ctx, msg, leased, existing, parent_sp, name)
    except BaseException:
        release_upload(ctx, leased)
        raise
    if not done:
        release_upload(ctx, leased)
    return done


def _decide(ctx: LinkContext, msg: FetchFile, row: ItemRow, existing: DriveItem, parent_sp: str, name: str) -> bool:
    """Plan the pair as the upload step would on meeting the file (True: decided here, the lease with it)."""
    if claimed_elsewhere(ctx, row, existing, name):
        return False
    source = SourceItem(tool=msg.tool, procore_id=msg.procore_id, kind=ItemKind.FILE, name=row.procore_name,
                        parent_id=row.procore_parent_id, version=msg.version, size=msg.size,
                        download_url=msg.download_url, updated_at=msg.modified_at)
    chunks: list[bytes] | None = None
    quickxor: str | None = None
    if existing.size is None or existing.size == msg.size:   # only then can the bytes be the same
        try:
            chunks, quickxor = _download(ctx, source)
        except (errors.NotFound, errors.PermissionDenied):
            return False   # the listed URL expired: the transfer path reads the file again
    planned = plan(PlanInput(procore_state(source, None, hash=quickxor),
                             sharepoint_state(existing, None, by_us=transfer.written_by_us(ctx, existing)), None,
                             replace(policy_for(ctx, msg.tool), initial=InitialSync.FROM_SHAREPOINT)))
    content = next((a for a in planned.actions if a.kind is ActionKind.REPLACE_CONTENT), None)
    if content is None and _identical(planned):
        _record_identical(ctx, msg, source, row, existing, parent_sp)
        return True
    if content is not None and content.target is Side.PROCORE:   # SharePoint's copy is newer: it goes to Procore
        transfer.adopt_newer_sp(ctx, row, existing)
        return True
    if chunks is None or quickxor is None or content is None:
        return False   # Procore's bytes go up (or a skip): the transfer path reads and sends them
    release_upload(ctx, row)   # the upload step takes the lease again
    _stage_and_send(ctx, msg, source, chunks, quickxor)
    return True


def _identical(planned: Plan) -> bool:
    return set(planned.kinds()) == {ActionKind.RECORD_ONLY}


def _download(ctx: LinkContext, source: SourceItem) -> tuple[list[bytes], str]:
    """Procore's bytes (a one-step file: held in memory) and their QuickXorHash."""
    hashing = QuickXorHash()
    chunks: list[bytes] = []
    for chunk in ctx.adapter(source.tool).fetch(ctx.procore, ctx.link, source):
        hashing.update(chunk)
        chunks.append(chunk)
    return chunks, hashing.b64digest()


def claimed_elsewhere(ctx: LinkContext, row: ItemRow, existing: DriveItem, name: str) -> bool:
    """Is the SharePoint file another item's twin, or about to be (another item of the same Procore folder,
    whose name maps to this one, is being copied right now: Plan.pdf and plan.pdf)? Then it is not ours to
    match (the transfer path gives this item a name of its own)."""
    return claimed_elsewhere_many(ctx, [(row, existing, name)])[0]


def claimed_elsewhere_many(ctx: LinkContext, files: list[tuple[ItemRow, DriveItem, str]]) -> list[bool]:
    """`claimed_elsewhere` for a batch's files, in a few reads for all of them rather than two each (the
    second one a scan of the link's partition: per file, a 2,000-file sync's scans grew with its square)."""
    if not files:
        return []
    repos, link_id = ctx.services.repos, ctx.link.link_id
    sp_ids = list(dict.fromkeys(existing.id for _, existing, _ in files))
    twin_of = {stored.row.sp_item_id: stored.row.item_key
               for stored in repos.items_by_sp.query_any(link_id, "RowKey", sp_ids)}
    # One read of the partition for the rest: recorded a moment ago (their reverse index not written yet),
    # or leased.
    rest = [i for i in sp_ids if i not in twin_of]
    others = [stored.row for stored in repos.items.query_any(
        link_id, "sp_item_id", rest, also="upload_lease_until gt @now", parameters={"now": datetime.now(UTC)})
    ] if rest else []
    out: list[bool] = []
    for row, existing, name in files:
        own = item_key(row.tool.value, row.procore_id)
        twin = twin_of.get(existing.id)
        out.append(twin != own if twin is not None else _about_to_be_another(others, own, row, existing, name))
    return out


def _about_to_be_another(others: list[ItemRow], own: str, row: ItemRow, existing: DriveItem, name: str) -> bool:
    wanted = name.lower()
    for other in others:
        if item_key(other.tool.value, other.procore_id) == own:
            continue
        if other.sp_item_id == existing.id:
            return True
        if other.procore_parent_id != row.procore_parent_id:
            continue
        try:
            if sharepoint_name(other.procore_name, is_folder=other.kind is ItemKind.FOLDER).lower() == wanted:
                return True
        except errors.ItemSkipped:
            continue
    return False


def _record_identical(ctx: LinkContext, msg: FetchFile, source: SourceItem, row: ItemRow, existing: DriveItem,
                      parent_sp: str) -> None:
    """Record the pair as agreed, as an upload that found the same bytes in place would (columns included)."""
    columns = ctx.adapter(msg.tool).sp_columns(source) or msg.columns
    if columns:
        write_titled_columns(ctx.graph, ctx.drive_id, existing.id, columns)
    record_result(ctx, RecordResult(
        tenant_id=msg.tenant_id, link_id=msg.link_id, lane=msg.lane, tool=msg.tool, procore_id=msg.procore_id,
        outcome="synced", version=msg.version, procore_name=row.procore_name,
        procore_parent_id=row.procore_parent_id, sp_item_id=existing.id,
        sp_parent_id=existing.parent_id or parent_sp, sp_name=existing.name, sp_etag=existing.etag,
        sp_ctag=existing.ctag, sp_quickxor=existing.quick_xor_hash, size=existing.size,
        changed_at=msg.modified_at))
    write_columns(ctx, msg.tool, msg.procore_id, existing.id)
    log.info("matched %s:%s by content: identical on both sides, nothing copied", msg.tool.value, msg.procore_id,
             extra={"tenant_id": ctx.link.tenant_id, "link_id": ctx.link.link_id})


def _stage_and_send(ctx: LinkContext, msg: FetchFile, source: SourceItem, chunks: list[bytes], quickxor: str) -> None:
    """Procore's newer bytes, read once already: staged and handed to the upload step (as a fetch would)."""
    version = msg.version
    staged = ctx.services.staging.put(transfer.staged_name(msg, version), iter(chunks))
    ctx.send(Step.TRANSFER, UploadFile(
        tenant_id=msg.tenant_id, link_id=msg.link_id, lane=msg.lane, tool=msg.tool, procore_id=msg.procore_id,
        version=version, staged_blob=staged.name, size=staged.size, sha256=staged.sha256, quickxor=quickxor,
        modified_at=msg.modified_at, name=source.name, parent_id=source.parent_id, kept_beside=msg.kept_beside,
        columns=ctx.adapter(msg.tool).sp_columns(source) or msg.columns))
