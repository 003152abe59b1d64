"""What a tenant can do from the dashboard beyond the lifecycle API: list a link's failed or skipped
items, retry a failed item, and re-sync a link now (the reconciliation the timer runs, on demand).

A retry queues the item's copy again from the side it comes from (a provisional `sp:` row: the
SharePoint file; any other: the Procore item) and marks it pending. Never imports azure.functions.
"""

from __future__ import annotations

from datetime import UTC, datetime

from shared import errors
from shared.dashboard.schemas import ItemEntry, ItemLocation, ItemPage, ResyncResponse, RetryResponse
from shared.dashboard.weblinks import procore_url
from shared.graph import items as sp_items
from shared.models.api import ToolKey
from shared.models.messages import FetchFile, Lane, ReconcileLink, SpToProcore
from shared.models.rows import ItemKind, ItemRow, ItemState, LinkRow, Stage, TenantRow
from shared.onboarding.web import ApiProblem, not_found
from shared.runtime import Services
from shared.store.repositories import item_key
from shared.sync.runners.initial_sp import PROVISIONAL

LISTED_STATES = ("failed", "skipped", "pending")


def parse_state(raw: str | None) -> str:
    if raw not in LISTED_STATES:
        raise ApiProblem.on_field(400, "invalid_request", "state",
                                  f"state must be one of {', '.join(LISTED_STATES)}.")
    return raw


def list_items(services: Services, tenant: TenantRow, link: LinkRow, state: str, limit: int) -> ItemPage:
    found: list[ItemEntry] = []
    for stored in services.repos.items.query(link.link_id, "state eq @s", {"s": state}):
        row = stored.row
        found.append(ItemEntry(tool=row.tool, procore_id=row.procore_id, name=row.sp_name or row.procore_name,
                               kind=row.kind.value, state=row.state.value, reason=row.reason,
                               sp_item_id=row.sp_item_id, size=row.size, updated_at=row.updated_at,
                               procore_url=procore_url(tenant, link, row)))
        if len(found) >= limit:
            break
    return ItemPage(items=found)


def item_location(services: Services, tenant: TenantRow, link: LinkRow, tool_raw: str | None,
                  procore_id: str | None) -> ItemLocation:
    """Where an item (as an activity event names it) is on the web: its SharePoint twin's webUrl, read now,
    and its page in Procore where its tool knows one."""
    tool, procore_id = _parse_key(f"{tool_raw}:{procore_id or ''}")
    stored = services.repos.items.get(link.link_id, item_key(tool.value, procore_id))
    if stored is None:
        raise not_found("item")
    row = stored.row
    url: str | None = None
    if row.sp_item_id:
        try:
            url = sp_items.get_item(services.graph(tenant), link.drive_id, row.sp_item_id).web_url
        except errors.NotFound:
            url = None
    return ItemLocation(tool=tool, procore_id=procore_id, name=row.sp_name or row.procore_name, sharepoint_url=url,
                        procore_url=procore_url(tenant, link, row))


def _parse_key(raw: str | None) -> tuple[ToolKey, str]:
    tool, sep, procore_id = (raw or "").partition(":")
    if not sep or not procore_id or tool not in {t.value for t in ToolKey}:
        raise not_found("item")
    return ToolKey(tool), procore_id


def retry_item(services: Services, link: LinkRow, raw_key: str | None) -> RetryResponse:
    """Queue a failed file's copy again; 404 for an unknown item, 409 unless it is a failed file."""
    if link.stage not in (Stage.REGULAR, Stage.INITIAL_SYNC):
        raise ApiProblem(409, "link_not_running", f"The link is {link.stage.value}; resume it first.")
    tool, procore_id = _parse_key(raw_key)
    key = item_key(tool.value, procore_id)
    stored = services.repos.items.get(link.link_id, key)
    if stored is None:
        raise not_found("item")
    if stored.row.state is not ItemState.FAILED or stored.row.kind is not ItemKind.FILE:
        raise ApiProblem(409, "not_failed", f"Only a failed file can be retried; this item is "
                         f"{stored.row.state.value} ({stored.row.kind.value}).")

    def to_pending(current: ItemRow | None) -> ItemRow | None:
        if current is None or current.state is not ItemState.FAILED:
            raise errors.Conflict("the item changed meanwhile")
        return current.model_copy(update={"state": ItemState.PENDING, "updated_at": datetime.now(UTC)})

    services.repos.items.mutate(link.link_id, key, to_pending)
    common = {"tenant_id": link.tenant_id, "link_id": link.link_id, "lane": Lane.LIVE, "tool": tool}
    if procore_id.startswith(PROVISIONAL):
        services.queues.send(services.settings.queue_transfer,
                             SpToProcore(**common, sp_item_id=procore_id.removeprefix(PROVISIONAL)))
    else:
        services.queues.send(services.settings.queue_transfer, FetchFile(**common, procore_id=procore_id, version=""))
    services.repos.record_activity(services.repos.new_activity(link.link_id, "retry_requested", tool=tool,
                                                               item=procore_id, path=stored.row.procore_name))
    return RetryResponse(tool=tool, procore_id=procore_id, state=ItemState.PENDING.value)


def resync_link(services: Services, link: LinkRow) -> ResyncResponse:
    """Queue a reconciliation of the link now (Graph delta and the Procore changes since the watermark)."""
    if link.stage is not Stage.REGULAR:
        raise ApiProblem(409, "link_not_regular", f"The link is {link.stage.value}; a re-sync runs once it is in "
                         "regular sync.")
    services.queues.send(services.settings.queue_live, ReconcileLink(tenant_id=link.tenant_id, link_id=link.link_id))
    services.repos.record_activity(services.repos.new_activity(link.link_id, "resync_requested"))
    return ResyncResponse(link_id=link.link_id, queued=True)
