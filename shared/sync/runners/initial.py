"""Initial sync: set up each tool's root folder, then enumerate the source page by page.

Each page plans its items (a pending row each, written in table transactions; the step's new folders are
then mirrored through $batch, 20 a call, and only then its files' transfer messages go on the initial-sync
queues, so they find their parents made: small files in CopyBatch messages of up to 20, runners/batch.py)
and hands the next page to a new message, so a project of any size is enumerated in steps
of seconds. Items already known (e.g. a live change got there first) are left to their own steps, unless still
pending: then the message is sent again, in case the step that planned them died before sending it.
Never imports azure.functions.
"""

from __future__ import annotations

import contextlib
import logging

from shared import errors
from shared.graph import items as sp_items
from shared.graph.batch import MAX_BATCH
from shared.graph.folders import Created, NewFolder, create_folders
from shared.models.api import Mode, ToolKey
from shared.models.messages import BatchedFile, EnumeratePage, FetchFile, MirrorFolder
from shared.models.rows import ItemKind, ItemRow, ItemState, LinkRow, ToolRootState
from shared.store.repositories import item_key
from shared.sync.columns import ensure_titled_columns
from shared.sync.context import LinkContext, Step
from shared.sync.derived import synced_items
from shared.sync.naming import unsupported_reason
from shared.sync.privacy import private_skip
from shared.sync.runners.batch import batch_messages, batchable
from shared.sync.runners.completion import request_completion_check
from shared.sync.runners.reconcile import init_watermarks
from shared.sync.runners.record import pending_row
from shared.sync.runners.tree import legal_name, mirror_folders, tool_root
from shared.tools import is_available
from shared.tools.base import SourceItem

log = logging.getLogger("pcsync.sync")
PAGES_PER_STEP = 5


def _active_tools(link: LinkRow) -> list[ToolKey]:
    return [tool for tool, mode in link.tools.items() if mode is not Mode.OFF and is_available(tool)]


def start_initial_sync(ctx: LinkContext) -> None:
    """Create each tool's SharePoint folder under the link root and start enumerating."""
    link = ctx.link
    if link.root_item_id is None:
        raise errors.InvariantBroken(f"link {link.link_id} has no SharePoint root folder id")
    init_watermarks(ctx)  # the reconcile timer starts from here: changes during the sync, not the whole project
    roots: dict[ToolKey, ToolRootState] = dict(link.tool_roots)
    wanted: dict[ToolKey, ToolRootState] = {}
    for tool in _active_tools(link):
        if tool in roots:
            continue
        root = ctx.adapter(tool).root(ctx.procore, link)
        if root.sp_columns:    # the library's columns, once here rather than by every upload step at once
            ensure_titled_columns(ctx.graph, link.drive_id, list(root.sp_columns))
        wanted[tool] = ToolRootState(procore_id=root.procore_id, sp_item_id=link.root_item_id,
                                     sp_folder_name=root.sp_folder_name)
    roots.update(_tool_folders(ctx, link.root_item_id, wanted))

    def change(current: LinkRow | None) -> LinkRow | None:
        if current is None:
            return None
        return current.model_copy(update={"tool_roots": {**roots, **current.tool_roots}})

    ctx.services.repos.links.mutate(link.tenant_id, link.link_id, change)
    ctx.reload_link()
    for tool in _active_tools(link):
        if tool not in ctx.link.enumerated:
            ctx.send(Step.DETECT, EnumeratePage(tenant_id=link.tenant_id, link_id=link.link_id, tool=tool, page=1))
    if not _active_tools(link):
        request_completion_check(ctx)


def _tool_folders(ctx: LinkContext, root_id: str, wanted: dict[ToolKey, ToolRootState]) -> dict[ToolKey, ToolRootState]:
    """The tools' folders under the link's folder, made in one $batch (in parallel); one already there (a
    redelivery) or a failed create is ensured on its own. A tool without a folder name uses the link's."""
    named = {tool: state for tool, state in wanted.items() if state.sp_folder_name}
    made: dict[str, Created] = {}
    for start in range(0, len(named), MAX_BATCH):
        part = list(named.items())[start:start + MAX_BATCH]
        made.update(create_folders(ctx.graph, ctx.link.drive_id, [
            NewFolder(key=tool.value, anchor_id=root_id, name=state.sp_folder_name or "") for tool, state in part]))
    out = dict(wanted)
    for tool, state in named.items():
        item = made[tool.value].item
        if item is None:
            item = sp_items.ensure_folder(ctx.graph, ctx.link.drive_id, root_id, state.sp_folder_name or "")
        out[tool] = state.model_copy(update={"sp_item_id": item.id})
    return out


def _deleted_since(ctx: LinkContext) -> set[str]:
    """Items rows keys of the link's deletes (detected on either side) that were not discarded. A page
    listed before such a delete (a slow or redelivered step: one took 67 s between its listing and its
    rows) still names the item, whose row is gone by now."""
    return {d.row.item_key for d in ctx.services.repos.deletes.query(ctx.link.link_id) if d.row.state != "discarded"}


def _plan(ctx: LinkContext, items: list[SourceItem]) -> tuple[list[ItemRow], list[tuple[ItemRow, FetchFile]]]:
    """Plan a step's items: their pending rows (created in table transactions, not one call each); then the
    pending rows of the folders to mirror and the files' rows with their transfer messages. An item skipped
    (its reason recorded) or already planned and done is left out."""
    repos = ctx.services.repos
    planned: dict[str, tuple[SourceItem, ItemRow, str | None]] = {}
    for item in items:
        row = pending_row(ctx, item)
        reason = private_skip(item, ctx.tenant.settings) \
            or (unsupported_reason(item.name) if item.kind is ItemKind.FILE else None)
        if reason:
            row = row.model_copy(update={"state": ItemState.SKIPPED, "reason": reason})
        planned.setdefault(item_key(item.tool.value, item.procore_id), (item, row, reason))
    created = repos.items.create_many([row for _, row, _ in planned.values()])
    gone = _deleted_since(ctx)   # read after the rows are written: a delete recorded before them wins
    folders: list[ItemRow] = []
    files: list[tuple[ItemRow, FetchFile]] = []
    skipped = []
    for (key, (item, row, reason)), stored in zip(planned.items(), created, strict=True):
        if key in gone:   # synced, then deleted after this page was listed: a stale listing must not bring it back
            if stored is not None:
                with contextlib.suppress(errors.Conflict):   # changed since: whoever changed it has it
                    repos.items.delete(ctx.link.link_id, key, stored.etag)
            continue
        if stored is None:
            known = repos.items.get(ctx.link.link_id, key)
            if known is None or known.row.state is not ItemState.PENDING:
                continue  # already planned and done (a redelivered page, or a live change got there first)
            row = known.row
            # Still pending: the step that planned it may have died between the row and its message (a host
            # crash), so send the message (again); the steps it starts are idempotent.
        if reason:
            skipped.append(repos.new_activity(ctx.link.link_id, "skipped", tool=item.tool, item=item.procore_id,
                                              path=item.name, detail=reason))
        elif item.kind is ItemKind.FOLDER:
            folders.append(row)
        else:
            files.append((row, FetchFile(
                tenant_id=ctx.link.tenant_id, link_id=ctx.link.link_id, lane=ctx.lane, tool=item.tool,
                procore_id=item.procore_id, version=item.version or "", download_url=item.download_url,
                size=item.size, modified_at=item.updated_at, columns=ctx.adapter(item.tool).sp_columns(item))))
    repos.record_activities(skipped)
    return folders, files


def _placed(ctx: LinkContext, tool: ToolKey, row: ItemRow, msg: FetchFile) -> BatchedFile | None:
    """A file for a CopyBatch: batchable, its parent's SharePoint folder known and its legal name found; else
    None (its own FetchFile step, which also mirrors a missing parent and records a name it must skip)."""
    if not batchable(ctx, msg):
        return None
    root_id, root_sp = tool_root(ctx, tool)
    parent_sp: str | None = root_sp
    if row.procore_parent_id is not None and row.procore_parent_id != root_id:
        parent = ctx.item(tool, row.procore_parent_id)
        ok = parent is not None and parent.row.state is ItemState.SYNCED
        parent_sp = parent.row.sp_item_id if ok and parent is not None else None
    if parent_sp is None:
        return None
    try:
        name = legal_name(ctx, tool, row)
    except errors.ItemSkipped:
        return None
    return BatchedFile(fetch=msg, sp_parent_id=parent_sp, sp_name=name)


def _send_planned(ctx: LinkContext, tool: ToolKey, folders: list[ItemRow],
                  files: list[tuple[ItemRow, FetchFile]]) -> None:
    """The step's new folders through $batch (any it cannot settle: their own MirrorFolder step), then the
    files' transfer messages: small ones whose parent is known in CopyBatch messages (runners/batch.py), the
    rest one FetchFile each. A crash in between leaves pending rows: the redelivered step sends again."""
    for procore_id in mirror_folders(ctx, tool, folders):
        ctx.send(Step.METADATA, MirrorFolder(tenant_id=ctx.link.tenant_id, link_id=ctx.link.link_id, lane=ctx.lane,
                                             tool=tool, procore_id=procore_id))
    batched: list[BatchedFile] = []
    for row, message in files:
        placed = _placed(ctx, tool, row, message)
        if placed is None:
            ctx.send(Step.TRANSFER, message)
        else:
            batched.append(placed)
    for batch in batch_messages(ctx, batched):
        ctx.send(Step.TRANSFER, batch)


def enumerate_pages(ctx: LinkContext, msg: EnumeratePage) -> None:
    adapter = ctx.adapter(msg.tool)
    page: int | None = msg.page
    items: list[SourceItem] = []
    for _ in range(PAGES_PER_STEP):
        assert page is not None
        listing = adapter.list_page(ctx.procore, ctx.link, page)
        for source in listing.items:
            items.extend(synced_items(adapter, ctx.procore, ctx.link, source))   # a record: its PDF, attachments
        page = listing.next_page
        if page is None:
            break
    folders, files = _plan(ctx, items)
    _send_planned(ctx, msg.tool, folders, files)
    if page is not None:
        ctx.send(Step.DETECT, msg.model_copy(update={"page": page}))
        return

    def change(current: LinkRow | None) -> LinkRow | None:
        if current is None or msg.tool in current.enumerated:
            return None
        return current.model_copy(update={"enumerated": [*current.enumerated, msg.tool]})

    ctx.services.repos.links.mutate(ctx.link.tenant_id, ctx.link.link_id, change)
    log.info("enumerated %s", msg.tool.value, extra={"tenant_id": ctx.link.tenant_id, "link_id": ctx.link.link_id})
    request_completion_check(ctx)

