"""The SharePoint columns of a file copied from Procore: the values its tool's adapter shows beside the
file (`sp_columns`), written after the copy is recorded, the columns made once per library.

A tool that declares no columns costs nothing here. A column write that fails is logged and left: the
file itself is synced and recorded, and a later copy writes the columns again. Never imports
azure.functions.
"""

from __future__ import annotations

import logging

from shared import errors
from shared.graph.columns import ensure_columns
from shared.graph.fields import update_fields
from shared.models.api import ToolKey
from shared.models.rows import ItemKind
from shared.sync.context import LinkContext
from shared.tools.base import column_specs

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
