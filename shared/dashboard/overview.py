"""A tenant's dashboard figures, read from the store: per link its counts, progress and pace, storage and
last change each way; transfers and deletes over the window; and both services' reachability.

Reads the links partition, each link's items (state, kind, size only) and its activity day partitions
inside the window; the arithmetic is in figures.py. Never imports azure.functions.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from shared.dashboard import figures, reachability
from shared.dashboard.schemas import WINDOW_HOURS, LinkFigures, Overview
from shared.models.rows import ActivityRow, ItemState, LinkRow, Stage, TenantRow
from shared.onboarding.schemas import StateCounts
from shared.runtime import Services
from shared.store.repositories import Repositories

_STATES = {s.value for s in ItemState}


def _items(repos: Repositories, link_id: str) -> tuple[StateCounts, int]:
    """(counts by state, bytes of the synced files) in one read of the items partition."""
    counter: Counter[str] = Counter()
    stored_bytes = 0
    for entity in repos.items.select(link_id, ["state", "kind", "size"]):
        state = str(entity.get("state") or ItemState.PENDING.value)
        state = state if state in _STATES else ItemState.FAILED.value
        counter[state] += 1
        if state == ItemState.SYNCED.value and entity.get("kind") == "file":
            size = entity.get("size")
            stored_bytes += int(getattr(size, "value", size) or 0)   # an Int64 column comes back typed
    return StateCounts(synced=counter["synced"], pending=counter["pending"], skipped=counter["skipped"],
                       failed=counter["failed"]), stored_bytes


def _link_figures(repos: Repositories, link: LinkRow, events: list[ActivityRow], now: datetime) -> LinkFigures:
    counts, stored_bytes = _items(repos, link.link_id)
    last = figures.last_synced(events)
    initial = link.stage is Stage.INITIAL_SYNC
    pace = figures.pace((e.at for e in events if e.event == "synced" and e.size is not None), link.created_at,
                        now, counts.pending) if initial else figures.Pace(None, None)
    held = sum(1 for d in repos.deletes.query(link.link_id) if d.row.state == "held") if link.deletes_held else 0
    return LinkFigures(
        link_id=link.link_id, project_name=link.project_name, stage=link.stage, counts=counts,
        progress=figures.progress(counts) if initial else None, storage_bytes=stored_bytes,
        files_per_hour=pace.files_per_hour, expected_finish=pace.expected_finish,
        last_to_sharepoint=last.get("to_sharepoint"), last_to_procore=last.get("to_procore"),
        held_deletes=held, conflicts=sum(1 for e in events if e.event == "conflict"))


def build_overview(services: Services, tenant: TenantRow, window: str, now: datetime) -> Overview:
    repos = services.repos
    links = sorted((s.row for s in repos.links.query(tenant.tenant_id) if s.row.stage is not Stage.DELETED),
                   key=lambda r: r.created_at)
    since = now - timedelta(hours=WINDOW_HOURS[window])
    all_events: list[ActivityRow] = []
    per_link: list[LinkFigures] = []
    for link in links:
        first_day = max(since, link.created_at).date()
        events = [e for e in repos.recent_activity(link.link_id, first_day, now.date()) if e.at >= since]
        all_events.extend(events)
        per_link.append(_link_figures(repos, link, events, now))
    largest = [f.link_id for f in sorted(per_link, key=lambda f: f.storage_bytes, reverse=True)]
    return Overview.model_validate({
        "tenant_id": tenant.tenant_id, "tenant_name": tenant.name, "window": window, "generated_at": now,
        "bucket_seconds": figures.bucket_seconds(window),
        "transfers": figures.transfer_buckets(all_events, now, window),
        "latency": figures.latency_buckets(all_events, now, window),
        "latency_summary": figures.latency_summary(all_events), "links": per_link,
        "largest_links": largest, "services": reachability.probe_services(services, tenant, links)})
