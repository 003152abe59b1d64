"""Initial sync: set up each tool's root folder, then enumerate the source page by page.

Each page plans its items (a pending row each; the step's new folders are then mirrored through $batch,
20 a call, and only then its files' transfer messages go on the initial-sync queues, so they find their
parents made) and hands the next page to a new message, so a project of any size is enumerated in steps
of seconds. Items already known (e.g. a live change got there first) are left to their own steps, unless still
pending: then the message is sent again, in case the step that planned them died before sending it.
Never imports azure.functions.
"""

from __future__ import annotations

import logging

from shared import errors
from shared.graph import items as sp_items
from shared.graph.batch import MAX_BATCH
from shared.graph.folders import Created, NewFolder, create_folders
from shared.models.api import Mode, ToolKey
from shared.models.messages import EnumeratePage, FetchFile, MirrorFolder
from shared.models.rows import ItemKind, ItemRow, ItemState, LinkRow, ToolRootState
from shared.store.repositories import item_key
from shared.sync.columns import ensure_titled_columns
from shared.sync.context import LinkContext, Step
from shared.sync.derived import synced_items
from shared.sync.naming import unsupported_reason
from shared.sync.privacy import private_skip
from shared.sync.runners.completion import request_completion_check
from shared.sync.runners.reconcile import init_watermarks
from shared.sync.runners.record import pending_row
from shared.sync.runners.tree import mirror_folders
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


def _plan(ctx: LinkContext, item: SourceItem) -> FetchFile | ItemRow | None:
    """Plan one item: its pending row; then the transfer message of a file, the pending row of a folder to
    mirror, or None (skipped, or already planned and done)."""
    repos = ctx.services.repos
    row = pending_row(ctx, item)
    reason = private_skip(item, ctx.tenant.settings) \
        or (unsupported_reason(item.name) if item.kind is ItemKind.FILE else None)
    if reason:
        row = row.model_copy(update={"state": ItemState.SKIPPED, "reason": reason})
    try:
        repos.items.create(row)
    except errors.Conflict:
        known = repos.items.get(ctx.link.link_id, item_key(item.tool.value, item.procore_id))
        if known is None or known.row.state is not ItemState.PENDING:
            return None  # already planned and done (a redelivered page, or a live change got there first)
        row = known.row
        # Still pending: the step that planned it may have died between the row and its message (a host
        # crash), so send the message (again); the steps it starts are idempotent.
    if reason:
        repos.record_activity(repos.new_activity(ctx.link.link_id, "skipped", tool=item.tool,
                                                 item=item.procore_id, path=item.name, detail=reason))
        return None
    if item.kind is ItemKind.FOLDER:
        return row
    common = {"tenant_id": ctx.link.tenant_id, "link_id": ctx.link.link_id, "lane": ctx.lane,
              "tool": item.tool, "procore_id": item.procore_id}
    return FetchFile(**common, version=item.version or "", download_url=item.download_url, size=item.size,
                     modified_at=item.updated_at, columns=ctx.adapter(item.tool).sp_columns(item))


def _send_planned(ctx: LinkContext, tool: ToolKey, folders: list[ItemRow], files: list[FetchFile]) -> None:
    """The step's new folders through $batch (any it cannot settle: their own MirrorFolder step), then
    the files' transfer messages. A crash in between leaves pending rows: the redelivered step sends again."""
    for procore_id in mirror_folders(ctx, tool, folders):
        ctx.send(Step.METADATA, MirrorFolder(tenant_id=ctx.link.tenant_id, link_id=ctx.link.link_id, lane=ctx.lane,
                                             tool=tool, procore_id=procore_id))
    for message in files:
        ctx.send(Step.TRANSFER, message)


def enumerate_pages(ctx: LinkContext, msg: EnumeratePage) -> None:
    adapter = ctx.adapter(msg.tool)
    page: int | None = msg.page
    folders: list[ItemRow] = []
    files: list[FetchFile] = []
    for _ in range(PAGES_PER_STEP):
        assert page is not None
        listing = adapter.list_page(ctx.procore, ctx.link, page)
        for source in listing.items:
            for item in synced_items(adapter, ctx.procore, ctx.link, source):   # a record: its PDF, attachments
                planned = _plan(ctx, item)
                if isinstance(planned, ItemRow):
                    folders.append(planned)
                elif planned is not None:
                    files.append(planned)
        page = listing.next_page
        if page is None:
            break
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

