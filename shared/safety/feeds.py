"""Per-tool Procore change feeds for the reconciliation pass: what changed in a closed `updated_at`
range, sorted ascending and de-duplicated by id, deleted items included (they leave the normal listing
for the recycle bin, so both are read and merged). The hint's resource_name comes from the tool adapter.

One entry per tool in FEEDS; a tool without one is simply not reconciled on the Procore side.
Never imports azure.functions.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from shared.models.api import ToolKey
from shared.models.rows import ItemKind, LinkRow
from shared.procore.client import ProcoreClient
from shared.procore.models import DocumentItem
from shared.procore.paging import dedupe
from shared.safety.watermark import Changed
from shared.tools.documents import scope_of

ChangeFeed = Callable[[ProcoreClient, LinkRow, datetime, datetime], Iterator[Changed]]
_EARLIEST = datetime.min.replace(tzinfo=UTC)


def _changed(item: DocumentItem) -> Changed:
    return Changed(procore_id=str(item.id), kind=ItemKind.FOLDER if item.is_folder else ItemKind.FILE,
                   updated_at=item.updated_at)


def _order(change: Changed) -> datetime:
    return change.updated_at or _EARLIEST


def documents_changes(client: ProcoreClient, link: LinkRow, since: datetime, until: datetime) -> Iterator[Changed]:
    """Folders and files changed in [since, until], live ones and recycled ones merged by time."""
    scope = scope_of(link)
    live = client.documents.list_documents(scope, updated_since=since, updated_until=until)
    binned = client.documents.list_documents(scope, updated_since=since, updated_until=until, in_recycle_bin=True)
    merged = heapq.merge(map(_changed, live), map(_changed, binned), key=_order)
    return dedupe(merged, key=lambda change: change.procore_id)


FEEDS: dict[ToolKey, ChangeFeed] = {
    ToolKey.DOCUMENTS: documents_changes,
}
