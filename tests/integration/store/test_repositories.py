"""The product's tables: key layouts and activity ordering."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from shared.models.api import ToolKey
from shared.models.rows import ItemKind, ItemRow
from shared.store.clients import StorageClients
from shared.store.repositories import Repositories, item_key


def test_activity_reads_newest_first_across_days(storage: StorageClients) -> None:
    repos = Repositories(storage.tables)
    link = "l" + uuid.uuid4().hex[:8]
    start = datetime(2026, 3, 1, 23, 59, 58, tzinfo=UTC)
    times = [start + timedelta(seconds=s) for s in (0, 1, 2, 3)]  # crosses midnight
    for i, at in enumerate(times):
        repos.record_activity(repos.new_activity(link, "synced", at=at, detail=str(i)))
    seen = [row.detail for row in repos.recent_activity(link, start.date(), start.date() + timedelta(days=1))]
    assert seen == ["3", "2", "1", "0"]


def test_item_rows_are_keyed_by_tool_and_procore_id(storage: StorageClients) -> None:
    repos = Repositories(storage.tables)
    link = "l" + uuid.uuid4().hex[:8]
    row = ItemRow(link_id=link, tool=ToolKey.DOCUMENTS, procore_id="42", kind=ItemKind.FILE,
                  procore_name="a.pdf", size=3 * 2**31, updated_at=datetime.now(UTC))
    repos.items.create(row)
    got = repos.items.get(link, item_key("documents", "42"))
    assert got is not None and got.row == row
