"""Where an item is in Procore's web app, for people (the dashboard and the status API): its tool adapter's
`web_url` for the link's scope, on the tenant's Procore address. None where the adapter knows no real
address. No I/O. Never imports azure.functions.
"""

from __future__ import annotations

from shared.models.api import ToolKey
from shared.models.rows import ItemKind, ItemRow, LinkRow, TenantRow
from shared.tools import TOOLS
from shared.tools.base import SourceItem, link_scope


def procore_url(tenant: TenantRow, link: LinkRow, row: ItemRow) -> str | None:
    """The web address of an items row's Procore item (as last agreed: its id, kind and version)."""
    item = SourceItem(tool=row.tool, procore_id=row.procore_id, kind=row.kind, name=row.procore_name,
                      parent_id=row.procore_parent_id, version=row.procore_version)
    return TOOLS[row.tool].web_url(link_scope(link), item, api_base=tenant.procore.base_url)


def event_url(api_base: str, link: LinkRow, tool: ToolKey | None, item: str | None) -> str | None:
    """The web address of an activity event's item, from what the event names (its tool and Procore id) with
    no read: a record's page; None where the tool needs more than the id (a drawing: its revision, which the
    items route and the item's location give) or knows no address."""
    if tool is None or not item:
        return None
    source = SourceItem(tool=tool, procore_id=item, kind=ItemKind.FILE, name=item, parent_id=None)
    try:
        return TOOLS[tool].web_url(link_scope(link), source, api_base=api_base)
    except ValueError:                # an id that is no item key (a SharePoint id in an old event)
        return None
