"""The product's tables and their key layouts (architecture §4) — the only place that knows them.

Activity rows are partitioned by link and UTC day with an inverted-timestamp row key, so a day's
history reads newest first without sorting and old days can be dropped whole. Never imports
azure.functions.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from azure.data.tables import TableServiceClient

from shared.models.deferral import DeferralRow
from shared.models.rows import (
    ActivityRow,
    CursorRow,
    DeleteRow,
    ItemRow,
    LeaseRow,
    LinkRow,
    NotificationRow,
    Row,
    SignInRow,
    SubscriptionRow,
    TenantRow,
)
from shared.models.transfers import TransferRow
from shared.store.tables import Stored, TableRepository
from shared.telemetry.carrier import current_operation_id
from shared.telemetry.metrics import recorded

TENANT_PARTITION = "tenant"
SIGN_IN_PARTITION = "signin"
_MAX_TICKS = 10**19  # larger than any timestamp in microseconds: inverted keys stay positive


class ItemBySpRow(Row):
    """Reverse index: SharePoint item id -> the items row key (empty while a twin is being created)."""

    link_id: str
    sp_item_id: str
    item_key: str
    claimed_at: datetime | None = None
    created_id: str | None = None          # the twin the claim holder created, before it was recorded
    created_name: str | None = None
    created_version: str | None = None
    created_parent: str | None = None
    created_from: str | None = None        # the SharePoint quickXorHash of the bytes it was created from


def item_key(tool: str, procore_id: str) -> str:
    return f"{tool}:{procore_id}"


def inverted_ticks(at: datetime) -> str:
    """`at` as a fixed-width key that sorts newest first."""
    micros = int(at.timestamp() * 1_000_000)
    return f"{_MAX_TICKS - micros:020d}"


def activity_key(at: datetime) -> str:
    return f"{inverted_ticks(at)}-{uuid.uuid4().hex[:8]}"


class Repositories:
    """All tables of one storage account (created on first use)."""

    def __init__(self, tables: TableServiceClient) -> None:
        self.tenants = TableRepository(tables, "tenants", TenantRow, lambda r: (TENANT_PARTITION, r.tenant_id))
        self.links = TableRepository(tables, "links", LinkRow, lambda r: (r.tenant_id, r.link_id))
        self.items = TableRepository(
            tables, "items", ItemRow, lambda r: (r.link_id, item_key(r.tool.value, r.procore_id))
        )
        self.items_by_sp = TableRepository(
            tables, "itemsBySp", ItemBySpRow, lambda r: (r.link_id, r.sp_item_id)
        )
        self.activity = TableRepository(
            tables, "activity", ActivityRow, lambda r: (f"{r.link_id}:{r.day}", r.row_key)
        )
        self.subscriptions = TableRepository(
            tables, "subscriptions", SubscriptionRow, lambda r: (r.kind.value, r.subscription_id)
        )
        self.cursors = TableRepository(tables, "cursors", CursorRow, lambda r: (r.scope, r.kind))
        self.leases = TableRepository(tables, "leases", LeaseRow, lambda r: (r.scope, r.name))
        self.deletes = TableRepository(tables, "deletes", DeleteRow, lambda r: (r.link_id, r.item_key))
        self.transfers = TableRepository(tables, "transfers", TransferRow, lambda r: (r.link_id, r.key))
        self.deferrals = TableRepository(tables, "deferrals", DeferralRow, lambda r: (r.scope, r.key))
        self.notifications = TableRepository(
            tables, "notifications", NotificationRow, lambda r: (r.link_id, r.notification_id)
        )
        self.sign_ins = TableRepository(tables, "signins", SignInRow, lambda r: (SIGN_IN_PARTITION, r.code_id))

    def get_tenant(self, tenant_id: str) -> Stored[TenantRow] | None:
        return self.tenants.get(TENANT_PARTITION, tenant_id)

    def record_activity(self, row: ActivityRow) -> None:
        """Write the event, stamped with the current trace's operation id (telemetry.recorded also
        measures the change's sync latency and counts failed items)."""
        if row.operation_id is None:
            row = row.model_copy(update={"operation_id": current_operation_id()})
        self.activity.upsert(row)
        recorded(row.event, row.tool.value if row.tool else None)

    def record_activities(self, rows: list[ActivityRow]) -> None:
        """`record_activity` of many events: one transaction per partition (link and day) and 100 rows."""
        operation = current_operation_id()
        stamped = [row if row.operation_id is not None else row.model_copy(update={"operation_id": operation})
                   for row in rows]
        self.activity.upsert_many(stamped)
        for row in stamped:
            recorded(row.event, row.tool.value if row.tool else None)

    def new_activity(self, link_id: str, event: str, at: datetime | None = None, **fields: object) -> ActivityRow:
        at = at or datetime.now(UTC)
        return ActivityRow.model_validate(
            {"link_id": link_id, "day": at.date().isoformat(), "row_key": activity_key(at), "at": at,
             "event": event, **fields}
        )

    def recent_activity(self, link_id: str, since: date, until: date) -> Iterator[ActivityRow]:
        """Activity of a link, newest first, from `until` back to `since` (UTC days)."""
        day = until
        while day >= since:
            yield from self.activity_of_day(link_id, day)
            day -= timedelta(days=1)

    def activity_of_day(self, link_id: str, day: date, after_key: str | None = None, *,
                        page_size: int = 1000) -> Iterator[ActivityRow]:
        """One day's activity of a link (one partition), newest first, after `after_key` if given."""
        where, params = ("RowKey gt @after", {"after": after_key}) if after_key else (None, None)
        for stored in self.activity.query(f"{link_id}:{day.isoformat()}", where, params, page_size=page_size):
            yield stored.row
