"""What a link is doing: its stage (and why it is paused), item counts by state, each tool's mode and
state, the first skipped items, and its activity.

Counts read the link's items partition selecting only `state` and `kind` (a few bytes per row, fine up
to tens of thousands of items). Activity is newest first across the per-day partitions; the
continuation token is opaque to callers (base64 of the last day and row key returned).
Never imports azure.functions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

from shared.dashboard.activity import NO_FILTER, ActivityFilter, kind_of
from shared.dashboard.weblinks import event_url, procore_url
from shared.models.api import Direction, effective_tools
from shared.models.rows import ItemState, LinkRow, Stage
from shared.onboarding import continuation
from shared.onboarding.continuation import Position
from shared.onboarding.schemas import (
    DEFAULT_ACTIVITY_LIMIT,
    DEFAULT_SKIPPED_SHOWN,
    MAX_ACTIVITY_LIMIT,
    ActivityEntry,
    ActivityPage,
    LinkStatus,
    SharePointInfo,
    SkippedItem,
    StateCounts,
)
from shared.onboarding.tools import link_tool_status
from shared.onboarding.web import ApiProblem
from shared.secrets.signing import SigningKey
from shared.store.repositories import Repositories
from shared.sync.pausing import resumes_by_itself

MAX_DAYS_PER_PAGE = 31   # day partitions one activity request may read
MAX_SCANNED_PER_PAGE = 2000   # events one filtered request may read (a short page then carries the continuation)
FILTERED_READ_SIZE = 1000     # a filtered request reads whole table pages, not just the page it answers
_STATES = {s.value for s in ItemState}


def _counts(counter: Counter[str]) -> StateCounts:
    return StateCounts(synced=counter[ItemState.SYNCED.value], pending=counter[ItemState.PENDING.value],
                       skipped=counter[ItemState.SKIPPED.value], failed=counter[ItemState.FAILED.value])


def count_items(repos: Repositories, link_id: str) -> tuple[StateCounts, dict[str, StateCounts]]:
    """(all items by state, the same per kind); the items partition is the link id (repositories.py)."""
    total, by_kind, _ = count_all(repos, link_id)
    return total, by_kind


def count_all(repos: Repositories, link_id: str) -> tuple[StateCounts, dict[str, StateCounts],
                                                          dict[str, StateCounts]]:
    """(all items by state, the same per kind, the same per tool), in one read of the partition."""
    total: Counter[str] = Counter()
    by_kind: dict[str, Counter[str]] = {}
    by_tool: dict[str, Counter[str]] = {}
    for entity in repos.items.select(link_id, ["state", "kind", "tool"]):
        state = str(entity.get("state") or ItemState.PENDING.value)
        state = state if state in _STATES else ItemState.FAILED.value
        total[state] += 1
        by_kind.setdefault(str(entity.get("kind") or "file"), Counter())[state] += 1
        by_tool.setdefault(str(entity.get("tool") or ""), Counter())[state] += 1
    return (_counts(total), {kind: _counts(c) for kind, c in sorted(by_kind.items())},
            {tool: _counts(c) for tool, c in by_tool.items()})


def link_status(repos: Repositories, link: LinkRow, skipped_shown: int = DEFAULT_SKIPPED_SHOWN) -> LinkStatus:
    counts, by_kind, by_tool = count_all(repos, link.link_id)
    stored_tenant = repos.get_tenant(link.tenant_id)
    tenant = stored_tenant.row if stored_tenant is not None else None
    skipped: list[SkippedItem] = []
    if counts.skipped:
        for stored in repos.items.query(link.link_id, "state eq @s", {"s": ItemState.SKIPPED.value}):
            item = stored.row
            skipped.append(SkippedItem(tool=item.tool, procore_id=item.procore_id, name=item.procore_name,
                                       kind=item.kind.value, reason=item.reason,
                                       procore_url=procore_url(tenant, link, item) if tenant else None))
            if len(skipped) >= skipped_shown:
                break
    return LinkStatus(
        link_id=link.link_id, stage=link.stage, stage_reason=link.stage_reason, pause_cause=link.pause_cause,
        resumes_by_itself=link.stage is Stage.PAUSED and resumes_by_itself(link.pause_cause),
        paused_at=link.paused_at, tool_status=link_tool_status(link, by_tool), counts=counts,
        counts_by_kind=by_kind, project_name=link.project_name, procore_company_id=link.procore_company_id,
        procore_project_id=link.procore_project_id,
        sharepoint=SharePointInfo(site_id=link.site_id, drive_id=link.drive_id, folder_path=link.folder_path,
                                  root_item_id=link.root_item_id),
        tools=link.tools,
        effective_tools=effective_tools(link.tools, tenant.settings.direction if tenant else Direction.TWO_WAY),
        initial_sync=link.initial_sync, skipped_items=skipped,
        deletes_held=link.deletes_held, deletes_held_reason=link.deletes_held_reason,
        held_deletes=sorted(d.row.path or d.row.item_key for d in repos.deletes.query(link.link_id)
                            if d.row.state == "held")[:100],
        created_at=link.created_at, updated_at=link.updated_at,
    )


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_ACTIVITY_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ACTIVITY_LIMIT:
        raise ApiProblem.on_field(400, "invalid_request", "limit",
                                  f"limit must be a whole number from 1 to {MAX_ACTIVITY_LIMIT}.")
    return int(raw)


def _keys(signing: SigningKey) -> Iterator[bytes]:
    yield signing.current()
    fresh = signing.refreshed()            # another instance may have created the key first
    if fresh is not None:
        yield fresh


def activity_page(repos: Repositories, link: LinkRow, today: date, limit: int, signing: SigningKey,
                  token: str | None = None, wanted: ActivityFilter = NO_FILTER,
                  api_base: str | None = None) -> ActivityPage:
    """Up to `limit` events that `wanted` matches, newest first, from `token`'s position (without one: the
    newest, or the newest at `wanted.until`). The token is a position in the link's whole history, so a
    filtered walk pages correctly; a page that read MAX_SCANNED_PER_PAGE events or MAX_DAYS_PER_PAGE days
    may be short (even empty) and carries the continuation. With `api_base` (the tenant's Procore address)
    an event names its item's Procore page where the id alone says it."""
    created = link.created_at.date()
    oldest = max(created, wanted.since.date()) if wanted.since else created
    start = (continuation.verify(_keys(signing), token, link.tenant_id, link.link_id, today=today, oldest=created)
             if token else Position(min(today, wanted.until.date()) if wanted.until else today))
    page: list[ActivityEntry] = []
    day, after = start.day, start.after_key
    filtered = wanted != NO_FILTER
    scanned = 0
    for _ in range(MAX_DAYS_PER_PAGE):
        if day < oldest:
            return ActivityPage(items=page, continuation=None)
        for row in repos.activity_of_day(link.link_id, day, after or None,
                                         page_size=FILTERED_READ_SIZE if filtered else limit + 1):
            if wanted.since and row.at < wanted.since:       # newest first: everything after is older still
                return ActivityPage(items=page, continuation=None)
            if len(page) == limit or scanned == MAX_SCANNED_PER_PAGE:
                return ActivityPage(items=page, continuation=_token(signing, link, Position(day, after)))
            scanned += 1
            after = row.row_key
            if wanted.matches(row):
                page.append(ActivityEntry(at=row.at, event=row.event, kind=kind_of(row), tool=row.tool,
                                          item=row.item, path=row.path, detail=row.detail,
                                          operation_id=row.operation_id,
                                          procore_url=event_url(api_base, link, row.tool, row.item)
                                          if api_base else None))
        day, after = day - timedelta(days=1), ""
    more = day >= oldest
    return ActivityPage(items=page, continuation=_token(signing, link, Position(day)) if more else None)


def _token(signing: SigningKey, link: LinkRow, position: Position) -> str:
    return continuation.sign(signing.current(), link.tenant_id, link.link_id, position)
