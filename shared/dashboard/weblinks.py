"""Where an item is in Procore's web app, for people (the dashboard and the status API): its tool adapter's
`web_url` for the link's scope, on the tenant's Procore address. None where the adapter knows no real
address. No I/O. Never imports azure.functions.
"""

from __future__ import annotations

from shared.models.rows import ItemRow, LinkRow, TenantRow
from shared.tools import TOOLS
from shared.tools.base import SourceItem, link_scope


def procore_url(tenant: TenantRow, link: LinkRow, row: ItemRow) -> str | None:
    """The web address of an items row's Procore item (as last agreed: its id, kind and version)."""
    item = SourceItem(tool=row.tool, procore_id=row.procore_id, kind=row.kind, name=row.procore_name,
                      parent_id=row.procore_parent_id, version=row.procore_version)
    return TOOLS[row.tool].web_url(link_scope(link), item, api_base=tenant.procore.base_url)
