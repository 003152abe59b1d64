"""Where an item goes in SharePoint: its parent folder's id (mirrored on demand) and its legal name.

Parents are resolved through the items rows by Procore id, never by path, so a renamed or moved
folder on either side does not break anything. A parent not mirrored yet is mirrored first (walking
up until a mirrored ancestor or the tool root), which makes the order of queue messages irrelevant.
A parent whose row says synced while its SharePoint folder is gone (deleted there, the delete not applied
yet, or kept from Procore by edit beats delete) answers a write with 404: its twin is forgotten and the
path mirrored anew (`recreate_parent`), never retried into the void. The initial sync mirrors the folders
of its pages through $batch (`mirror_folders`), 20 a call; whatever that cannot settle goes to the folder's
own step, which knows every case above. At a from-SharePoint initial sync the folders SharePoint has
already are looked up first (one $batch of lookups by path) and adopted, so the files inside them can
be batched at once. Never imports azure.functions.
"""

from __future__ import annotations

import logging
from pathlib import PurePosixPath

from shared import errors
from shared.graph import items as sp_items
from shared.graph.batch import MAX_BATCH
from shared.graph.folders import NewFolder, create_folders
from shared.graph.items import find_at
from shared.graph.models import DriveItem
from shared.models.api import ToolKey
from shared.models.rows import ItemKind, ItemRow, ItemState
from shared.store.repositories import item_key
from shared.store.tables import Stored
from shared.sync.context import LinkContext
from shared.sync.naming import check_path_length, sharepoint_name
from shared.sync.runners.one_way import folder_gone
from shared.sync.runners.record import ensure_item_row, record_folder, record_skip

log = logging.getLogger("pcsync.sync")
MAX_DEPTH = 200


def tool_root(ctx: LinkContext, tool: ToolKey) -> tuple[str, str]:
    """(Procore root id, SharePoint folder id) of a tool; set when the initial sync started."""
    root = ctx.link.tool_roots.get(tool)
    if root is None:
        root = ctx.reload_link().tool_roots.get(tool)
    if root is None:
        raise errors.InvariantBroken(f"link {ctx.link.link_id} has no root for {tool.value} yet")
    return root.procore_id, root.sp_item_id


def sp_path(ctx: LinkContext, tool: ToolKey, row: ItemRow, leaf_name: str) -> PurePosixPath:
    """The item's SharePoint path from the library root (for the 400-character rule)."""
    names = [leaf_name]
    parent = row.procore_parent_id
    root_id, _ = tool_root(ctx, tool)
    for _ in range(MAX_DEPTH):
        if parent is None or parent == root_id:
            break
        stored = ctx.item(tool, parent)
        if stored is None:
            break
        names.append(stored.row.sp_name or stored.row.procore_name)
        parent = stored.row.procore_parent_id
    prefix = [ctx.link.folder_path] if ctx.link.folder_path else []
    tool_folder = ctx.link.tool_roots[tool].sp_folder_name
    return PurePosixPath("/", *prefix, *([tool_folder] if tool_folder else []), *reversed(names))


def legal_name(ctx: LinkContext, tool: ToolKey, row: ItemRow) -> str:
    """The SharePoint name for the row's Procore name and the path check; raises ItemSkipped."""
    at_root = row.procore_parent_id == tool_root(ctx, tool)[0] and not ctx.link.folder_path
    name = sharepoint_name(row.procore_name, is_folder=row.kind is ItemKind.FOLDER, at_library_root=at_root)
    check_path_length(sp_path(ctx, tool, row, name))
    return name


def ensure_parent(ctx: LinkContext, tool: ToolKey, row: ItemRow, depth: int = 0) -> str:
    """The SharePoint id of the row's parent folder, mirroring missing ancestors first."""
    root_id, root_sp = tool_root(ctx, tool)
    parent_id = row.procore_parent_id
    if parent_id is None or parent_id == root_id:
        return root_sp
    return ensure_folder(ctx, tool, parent_id, depth + 1)


def ensure_folder(ctx: LinkContext, tool: ToolKey, procore_id: str, depth: int = 0) -> str:
    """The SharePoint id of a Procore folder's twin, creating it (and its ancestors) if needed."""
    if depth > MAX_DEPTH:
        raise errors.InvariantBroken(f"folder chain deeper than {MAX_DEPTH} (a cycle?) at {procore_id}")
    stored = ctx.item(tool, procore_id)
    if stored is None:
        stored = _adopt_unknown_folder(ctx, tool, procore_id)
    row = stored.row
    if row.state is ItemState.SYNCED and row.sp_item_id:
        return row.sp_item_id
    if row.state is ItemState.SKIPPED:
        raise errors.IllegalName(f"parent folder {row.procore_name!r} is skipped: {row.reason}")
    parent_sp = ensure_parent(ctx, tool, row, depth)
    try:
        name = legal_name(ctx, tool, row)
    except errors.ItemSkipped as exc:
        record_skip(ctx, tool, procore_id, exc.reason)
        raise
    try:
        created = sp_items.ensure_folder(ctx.graph, ctx.drive_id, parent_sp, name)
    except errors.NotFound:
        moved = recreate_parent(ctx, tool, row, parent_sp, depth)
        if moved is None:
            raise
        parent_sp = moved
        created = sp_items.ensure_folder(ctx.graph, ctx.drive_id, parent_sp, name)
    record_folder(ctx, tool, row, created, parent_sp)
    return created.id


def _gone(ctx: LinkContext, sp_item_id: str) -> bool:
    try:
        return sp_items.get_item(ctx.graph, ctx.drive_id, sp_item_id).is_deleted
    except errors.NotFound:
        return True


def _forget_folder_twin(ctx: LinkContext, tool: ToolKey, procore_id: str, gone_sp: str) -> None:
    """The folder's SharePoint twin is gone: its reverse index first (the gone id's own delete, when it
    comes, must find no twin: it would delete the folder and the edit inside it in Procore), then the row
    back to pending so ensure_folder mirrors it anew. Both only while they still name `gone_sp`. Under a
    one-way tool the person's delete of the folder is logged once first (runners/one_way.py)."""
    repos, key = ctx.services.repos, item_key(tool.value, procore_id)
    stored = ctx.item(tool, procore_id, fresh=True)
    if stored is not None and stored.row.sp_item_id == gone_sp:
        folder_gone(ctx, stored.row)
    index = repos.items_by_sp.get(ctx.link.link_id, gone_sp)
    if index is not None and index.row.item_key == key:
        repos.items_by_sp.delete(ctx.link.link_id, gone_sp, index.etag)

    def change(current: ItemRow | None) -> ItemRow | None:
        if current is None or current.sp_item_id != gone_sp:
            return None
        return current.model_copy(update={"state": ItemState.PENDING, "sp_item_id": None, "sp_parent_id": None,
                                          "sp_etag": None, "sp_ctag": None, "sp_not_synced": None,
                                          "reason": "its SharePoint folder was deleted: mirrored anew"})

    repos.items.mutate(ctx.link.link_id, key, change)
    ctx.forget_cached(tool, procore_id)


def recreate_parent(ctx: LinkContext, tool: ToolKey, row: ItemRow, parent_sp: str, depth: int = 0) -> str | None:
    """A write into `parent_sp`, the SharePoint twin of the row's parent, met 404. When that folder is
    gone, forget the twins of every gone folder up the path and mirror the path anew: the parent's new
    id. None when the parent is there (the 404 was about something else) or is the tool's own folder
    (the link's folder is gone: dispatch's pause check finds it)."""
    root_id, _ = tool_root(ctx, tool)
    parent_id = row.procore_parent_id
    if parent_id is None or parent_id == root_id:
        return None
    stored = ctx.item(tool, parent_id, fresh=True)
    if stored is None or stored.row.sp_item_id != parent_sp:
        return ensure_parent(ctx, tool, row, depth)      # mirrored anew meanwhile (another step got there first)
    if not _gone(ctx, parent_sp):
        return None
    folder_id: str | None = parent_id
    for _ in range(MAX_DEPTH):
        if folder_id is None or folder_id == root_id:
            break
        folder = ctx.item(tool, folder_id, fresh=True)
        if folder is None or folder.row.state is not ItemState.SYNCED or not folder.row.sp_item_id:
            break
        twin = folder.row.sp_item_id
        if folder_id != parent_id and not _gone(ctx, twin):
            break
        _forget_folder_twin(ctx, tool, folder_id, twin)
        log.info("SharePoint folder %s of %s:%s is gone: mirrored anew", twin, tool.value, folder_id)
        folder_id = folder.row.procore_parent_id
    return ensure_parent(ctx, tool, row, depth)


def _adopt_unknown_folder(ctx: LinkContext, tool: ToolKey, procore_id: str) -> Stored[ItemRow]:
    """A parent we have no row for (e.g. created while we enumerate): re-read it and add its row."""
    current = ctx.adapter(tool).get(ctx.procore, ctx.link, procore_id, ItemKind.FOLDER)
    if current is None:
        raise errors.NotFound(f"parent folder {procore_id} no longer exists in Procore")
    return ensure_item_row(ctx, current)


def _placed(ctx: LinkContext, tool: ToolKey, row: ItemRow, made: dict[str, str],
            chunk: dict[str, NewFolder]) -> tuple[str, list[str]] | None:
    """(anchor id, path below it) of the row's parent for a batched create: the tool's folder, or a folder
    mirrored already or just now. None: not yet. A folder whose parent is in this chunk waits for the next
    one: a chunk of folders under existing ones runs in parallel (one round trip), while a chunk with a
    path in it would be Graph's fully sequential batch (a round trip per folder)."""
    root_id, root_sp = tool_root(ctx, tool)
    parent = row.procore_parent_id
    if parent is None or parent == root_id:
        return root_sp, []
    if parent in made:
        return made[parent], []
    if parent in chunk:
        return None
    stored = ctx.item(tool, parent)
    if stored is not None and stored.row.state is ItemState.SYNCED and stored.row.sp_item_id:
        return stored.row.sp_item_id, []
    return None


def _existing(ctx: LinkContext, chunk: dict[str, NewFolder]) -> dict[str, DriveItem]:
    """The chunk's folders that SharePoint has already (one $batch of lookups by path), by Procore id."""
    keys = list(chunk)
    answers = find_at(ctx.graph, ctx.drive_id, [(chunk[k].anchor_id, [*chunk[k].path, chunk[k].name]) for k in keys])
    return {keys[i]: item for i, item in answers.items() if item is not None and item.is_folder
            and not item.is_deleted}


def _parents_first(rows: list[ItemRow]) -> list[ItemRow]:
    """The rows ordered so that a folder comes after its parent when both are among them."""
    by_id = {row.procore_id: row for row in rows}
    out: list[ItemRow] = []
    seen: set[str] = set()
    for row in rows:
        chain: list[ItemRow] = []
        current: ItemRow | None = row
        while current is not None and current.procore_id not in seen and len(chain) <= MAX_DEPTH:
            seen.add(current.procore_id)
            chain.append(current)
            current = by_id.get(current.procore_parent_id or "")
        out.extend(reversed(chain))
    return out


def mirror_folders(ctx: LinkContext, tool: ToolKey, rows: list[ItemRow]) -> list[str]:
    """Mirror these pending folder rows of the tool through $batch, parents first, up to 20 a call.
    Returns the ids left to their own step (MirrorFolder): a name taken or too long, a parent not mirrored
    and not among them, a failed or throttled create. Each folder made is recorded as ensure_folder does."""
    todo = _parents_first(list({row.procore_id: row for row in rows if row.state is ItemState.PENDING}.values()))
    left = [row.procore_id for row in rows if row.state is not ItemState.PENDING]
    made: dict[str, str] = {}
    while todo:
        chunk: dict[str, NewFolder] = {}
        rows_of: dict[str, ItemRow] = {}
        later: list[ItemRow] = []
        for row in todo:
            place = None if len(chunk) == MAX_BATCH else _placed(ctx, tool, row, made, chunk)
            if place is None:
                later.append(row)
                continue
            try:
                name = legal_name(ctx, tool, row)
            except errors.ItemSkipped:
                left.append(row.procore_id)      # its own step records why
                continue
            chunk[row.procore_id] = NewFolder(key=row.procore_id, anchor_id=place[0], path=place[1], name=name)
            rows_of[row.procore_id] = row
        if not chunk:                             # the rest wait on parents that are neither here nor mirrored
            left.extend(row.procore_id for row in later)
            break
        if ctx.meets_sharepoint_first(tool):      # from SharePoint: a folder of the path there is its twin
            for pid, found in _existing(ctx, chunk).items():
                record_folder(ctx, tool, rows_of[pid], found, made.get(rows_of[pid].procore_parent_id or "")
                              or found.parent_id or chunk[pid].anchor_id)
                made[pid] = found.id
                del chunk[pid]
            if not chunk:
                todo = later
                continue
        try:
            answers = create_folders(ctx.graph, ctx.drive_id, list(chunk.values()))
        except errors.TransientError:
            left.extend([*chunk, *(row.procore_id for row in later)])
            break
        retry: list[ItemRow] = []
        for pid, spec in chunk.items():
            answer = answers[pid]
            if answer.item is not None:
                parent_sp = answer.item.parent_id or made.get(rows_of[pid].procore_parent_id or "", spec.anchor_id)
                record_folder(ctx, tool, rows_of[pid], answer.item, parent_sp)
                made[pid] = answer.item.id
            elif answer.status == 424:
                retry.append(rows_of[pid])        # an earlier create of the chain failed, not this one
            else:
                left.append(pid)
        todo = [*retry, *later]
    return left
