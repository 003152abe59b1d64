"""Initial sync from SharePoint, second phase: what exists only in SharePoint is copied to Procore.

It runs once every Procore item of the link has been matched or copied, so anything still unmapped
here truly exists on one side only; it walks the SharePoint folder of each tool of the link that takes
part in a from-SharePoint sync (capabilities.from_sharepoint). Each such item gets a provisional items
row (`sp:<id>`, pending) until its Procore twin exists, which keeps the initial sync from completing early.
Never imports azure.functions.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from shared import errors
from shared.graph import items as sp_items
from shared.graph.models import DriveItem
from shared.models.api import Mode, ToolKey
from shared.models.messages import EnumerateSp, ProcoreMetadata, SpToProcore
from shared.models.rows import ItemKind, ItemRow, ItemState, LinkRow
from shared.sync.context import LinkContext, Step
from shared.sync.naming import unsupported_reason
from shared.sync.runners.completion import check_completion, request_completion_check
from shared.sync.runners.tree import tool_root
from shared.tools import TOOLS, is_available

log = logging.getLogger("pcsync.sync")
PROVISIONAL = "sp:"
WALK_THREADS = 4


def provisional_id(sp_item_id: str) -> str:
    return PROVISIONAL + sp_item_id


def _walk(ctx: LinkContext, folder_id: str) -> Iterator[DriveItem]:
    """Every item under the folder, a level at a time (parents before their children), each level's folders
    listed WALK_THREADS at a time: a deep tree costs its depth in round trips, not its folder count."""
    level = [folder_id]
    with ThreadPoolExecutor(max_workers=WALK_THREADS, thread_name_prefix="walk") as pool:
        while level:
            listed = [pool.submit(contextvars.copy_context().run, _children, ctx, folder) for folder in level]
            level = []
            for future in listed:
                for child in future.result():
                    yield child
                    if child.is_folder:
                        level.append(child.id)


def _children(ctx: LinkContext, folder_id: str) -> list[DriveItem]:
    return list(sp_items.iter_children(ctx.graph, ctx.drive_id, folder_id))


def _mapped_sp_ids(ctx: LinkContext) -> set[str]:
    """The link's SharePoint items that have a twin, in one read of the reverse index (a page per thousand)
    rather than one read per item walked: by now nearly every item is mapped."""
    return {stored.row.sp_item_id for stored in ctx.services.repos.items_by_sp.query(ctx.link.link_id)}


def matched_tools(tools: dict[ToolKey, Mode]) -> list[ToolKey]:
    """The link's tools that are on and take part in an initial sync from SharePoint."""
    return [tool for tool, mode in tools.items() if mode is not Mode.OFF and is_available(tool)
            and TOOLS[tool].capabilities.from_sharepoint]


def enumerate_sp(ctx: LinkContext, msg: EnumerateSp) -> int:
    """Plan every unmapped SharePoint item under each matched tool's folder; returns how many."""
    two_way: dict[ToolKey, Mode] = {t: m for t, m in ctx.modes.items() if m is Mode.TWO_WAY}  # one-way: SP-only
    planned = sum(_plan_tool(ctx, msg, tool) for tool in matched_tools(two_way))       # items stay there
    repos = ctx.services.repos

    def done(current: LinkRow | None) -> LinkRow | None:
        return current.model_copy(update={"sp_enumeration": "done"}) if current is not None else None

    repos.links.mutate(ctx.link.tenant_id, ctx.link.link_id, done)
    log.info("SharePoint-only items planned: %d", planned,
             extra={"tenant_id": ctx.link.tenant_id, "link_id": ctx.link.link_id})
    if planned:
        request_completion_check(ctx)   # their records check again as they land
    else:
        check_completion(ctx)           # nothing on its way: done now, not a debounced hop later
    return planned


def _plan_tool(ctx: LinkContext, msg: EnumerateSp, tool: ToolKey) -> int:
    _, root_sp = tool_root(ctx, tool)
    repos = ctx.services.repos
    mapped = _mapped_sp_ids(ctx)
    planned = 0
    for item in _walk(ctx, root_sp):
        if item.id in mapped or repos.items_by_sp.get(ctx.link.link_id, item.id) is not None:
            continue   # read again when not in the snapshot: mapped since it was taken
        if not item.is_folder and unsupported_reason(item.name or ""):
            continue
        row = ItemRow(link_id=ctx.link.link_id, tool=tool, procore_id=provisional_id(item.id),
                      kind=ItemKind.FOLDER if item.is_folder else ItemKind.FILE, state=ItemState.PENDING,
                      procore_name=item.name or "", sp_item_id=item.id, sp_parent_id=item.parent_id,
                      updated_at=datetime.now(UTC))
        try:
            repos.items.create(row)
        except errors.Conflict:
            continue  # planned by an earlier delivery of this message
        common = {"tenant_id": msg.tenant_id, "link_id": msg.link_id, "lane": msg.lane, "tool": tool,
                  "sp_item_id": item.id}
        if item.is_folder:
            ctx.send(Step.METADATA, ProcoreMetadata(**common, action="mirror_folder"))
        else:
            ctx.send(Step.TRANSFER, SpToProcore(**common))
        planned += 1
    return planned
