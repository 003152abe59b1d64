"""The SharePoint columns of a synced item, in two shapes (to be made one):

- a tool's declared columns (`column_specs`, Photos' description and date taken): `write_columns` reads the
  values from the adapter (`sp_columns`) after the copy is recorded, the columns made once per library; a
  failed write is logged and left (the file itself is synced, a later copy writes them again);
  `refresh_columns` writes only the values that differ from the twin's when the item changed in Procore
  without new content (a photo's description edited later): no copy, no new file version;
- columns named by title ("Procore Tool", "Number", ... of the record tools), carried on the transfer
  messages: `write_titled_columns`. A title maps to one internal name (`column_name`): SharePoint's own
  `Title`, else `Procore` and the title's letters and digits (`Number` -> `ProcoreNumber`), so no built-in
  column is ever taken. Libraries whose columns are known present are remembered per process.
Never imports azure.functions.
"""

from __future__ import annotations

import logging
import threading

from shared import errors
from shared.graph import columns as sp_columns
from shared.graph import fields as sp_fields
from shared.graph.columns import ensure_columns
from shared.graph.fields import update_fields
from shared.graph.session import GraphSession
from shared.models.api import ToolKey
from shared.models.rows import ItemKind, ItemRow, ItemState
from shared.sync.context import LinkContext
from shared.tools.base import SourceItem, column_specs

log = logging.getLogger("pcsync.sync")


def write_columns(ctx: LinkContext, tool: ToolKey, procore_id: str, sp_item_id: str) -> bool:
    """Set the tool's column values on the SharePoint twin; True when values were written."""
    adapter = ctx.adapter(tool)
    specs = column_specs(adapter)
    if not specs:
        return False
    try:
        current = adapter.get(ctx.procore, ctx.link, procore_id, ItemKind.FILE)
        values = adapter.sp_columns(current) if current is not None else {}
        if not values:
            return False
        ensure_columns(ctx.graph, ctx.link.site_id, ctx.drive_id, specs)
        update_fields(ctx.graph, ctx.drive_id, sp_item_id, dict(values))
    except errors.SyncError as exc:
        log.warning("columns of %s:%s not written: %s", tool.value, procore_id, exc,
                    extra={"tenant_id": ctx.link.tenant_id, "link_id": ctx.link.link_id})
        return False
    return True


def stale_columns(wanted: dict[str, str], names: list[str], present: dict[str, object]) -> dict[str, str | None]:
    """The column values to write so the twin shows `wanted` among the tool's column `names` (a value the
    item no longer has is cleared); {} when the twin shows them already."""
    out: dict[str, str | None] = {}
    for name in names:
        value = wanted.get(name)
        have = present.get(name)
        if (value or None) != (str(have) if have not in (None, "") else None):
            out[name] = value
    return out


def refresh_columns(ctx: LinkContext, current: SourceItem, base: ItemRow) -> bool:
    """A synced file changed in Procore without new content (its copy is not planned): bring the twin's
    column values up to date, writing only those that differ. True when values were written. A lock or
    throttling is retried through the queue; any other failure is logged and left."""
    specs = column_specs(ctx.adapter(current.tool))
    if not specs or current.kind is not ItemKind.FILE or base.state is not ItemState.SYNCED or not base.sp_item_id:
        return False
    wanted = ctx.adapter(current.tool).sp_columns(current)
    try:
        present = sp_fields.get_fields(ctx.graph, ctx.drive_id, base.sp_item_id)
        stale = stale_columns(wanted, [spec.name for spec in specs], present)
        if not stale:
            return False
        ensure_columns(ctx.graph, ctx.link.site_id, ctx.drive_id, specs)
        update_fields(ctx.graph, ctx.drive_id, base.sp_item_id, dict(stale))
    except errors.TransientError:
        raise
    except errors.SyncError as exc:
        log.warning("columns of %s:%s not refreshed: %s", current.tool.value, current.procore_id, exc,
                    extra={"tenant_id": ctx.link.tenant_id, "link_id": ctx.link.link_id})
        return False
    log.info("columns of %s:%s refreshed: %s", current.tool.value, current.procore_id, sorted(stale),
             extra={"tenant_id": ctx.link.tenant_id, "link_id": ctx.link.link_id})
    return True


BUILTIN = {"Title": "Title"}
PREFIX = "Procore"

_known: set[tuple[str, str]] = set()       # (drive id, column name) known to exist
_lock = threading.Lock()


def column_name(title: str) -> str:
    """The internal name of the column shown as `title`."""
    if title in BUILTIN:
        return BUILTIN[title]
    letters = "".join(ch for ch in title if ch.isalnum())
    return letters if letters.startswith(PREFIX) else PREFIX + letters


def ensure_titled_columns(session: GraphSession, drive_id: str, titles: list[str]) -> None:
    """Every column of `titles` exists in the drive's library (added once; a concurrent add is fine)."""
    wanted = {column_name(t): t for t in titles if column_name(t) not in BUILTIN.values()}
    with _lock:
        missing = {name: t for name, t in wanted.items() if (drive_id, name) not in _known}
    if not missing:
        return
    present = sp_columns.column_names(session, drive_id)
    for name, title in missing.items():
        if name in present:
            continue
        try:
            sp_columns.add_text_column(session, drive_id, name, title)
        except errors.SyncError:
            if name not in sp_columns.column_names(session, drive_id):   # not added by someone else meanwhile
                raise
    with _lock:
        _known.update((drive_id, name) for name in missing)


def write_titled_columns(session: GraphSession, drive_id: str, item_id: str, values: dict[str, str]) -> None:
    """Set the twin's column values (by title), adding the library's missing columns first."""
    if not values:
        return
    ensure_titled_columns(session, drive_id, list(values))
    sp_fields.update_fields(session, drive_id, item_id, {column_name(t): v for t, v in values.items()})
