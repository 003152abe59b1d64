"""The weekly digest: the timer queues one notification per tenant that wants it (settings.weekly_digest,
on by default), and the notification step gathers the tenant's week from the tables when it sends it, so
the mail goes out through Graph sendMail exactly as every other notification (claimed once, sent once).
Never imports azure.functions.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime

from shared.models.messages import SendNotification
from shared.models.rows import ItemState, LinkRow, Stage, TenantRow
from shared.runtime import Services
from shared.store.repositories import TENANT_PARTITION, Repositories
from shared.sync.digest import MAX_LISTED, ItemNote, LinkDigest, digest_week, render_digest

log = logging.getLogger("pcsync.sync")
SYNCED_EVENTS = ("synced", "rekeyed")


def _label(link: LinkRow) -> str:
    where = f"Procore project {link.procore_project_id}" if link.procore_project_id else "Procore company Documents"
    return f"{link.project_name} ({where}) <-> SharePoint {link.folder_path}"


def _notes(repos: Repositories, link_id: str, state: ItemState) -> tuple[list[ItemNote], int]:
    notes: list[ItemNote] = []
    total = 0
    for stored in repos.items.query(link_id, "state eq @s", {"s": state.value}):
        total += 1
        if len(notes) < MAX_LISTED:
            row = stored.row
            notes.append(ItemNote(tool=row.tool.value, name=row.sp_name or row.procore_name or row.procore_id,
                                  reason=row.reason or "no reason recorded"))
    return notes, total


def gather_link(repos: Repositories, link: LinkRow, since: datetime, until: datetime) -> LinkDigest:
    """One link's week, from its activity in [since, until) (synced, deleted, conflicts) and its items
    (skipped, failed now)."""
    synced: Counter[str] = Counter()
    deleted: Counter[str] = Counter()
    conflicts: list[str] = []
    for event in repos.recent_activity(link.link_id, since.date(), until.date()):
        if not since <= event.at < until:
            continue
        tool = event.tool.value if event.tool else "other"
        if event.event in SYNCED_EVENTS:
            synced[tool] += 1
        elif event.event == "deleted":
            deleted[tool] += 1
        elif event.event == "conflict":
            conflicts.append(f"{event.path or event.item or '?'}: {event.detail or ''}".rstrip(": "))
    skipped, skipped_total = _notes(repos, link.link_id, ItemState.SKIPPED)
    failed, failed_total = _notes(repos, link.link_id, ItemState.FAILED)
    held = sorted(d.row.path or d.row.item_key for d in repos.deletes.query(link.link_id) if d.row.state == "held")
    return LinkDigest(label=_label(link), synced=dict(synced), deleted=dict(deleted), conflicts=conflicts,
                      skipped=skipped, skipped_total=skipped_total, failed=failed, failed_total=failed_total,
                      held_deletes=held)


def tenant_links(repos: Repositories, tenant_id: str) -> list[LinkRow]:
    return sorted((s.row for s in repos.links.query(tenant_id) if s.row.stage is not Stage.DELETED),
                  key=lambda link: link.link_id)


def render_for(repos: Repositories, tenant: TenantRow, since: datetime, until: datetime) -> tuple[str, str]:
    """The digest mail (subject, body) of every link of the tenant."""
    links = [gather_link(repos, link, since, until) for link in tenant_links(repos, tenant.tenant_id)]
    return render_digest(tenant.name, links, since, until)


def fan_out_digests(services: Services, now: datetime) -> int:
    """Queue this week's digest for every tenant that wants one and has a link; returns how many."""
    repos = services.repos
    since, until, notification_id = digest_week(now)
    queued = 0
    for stored in repos.tenants.query(TENANT_PARTITION):
        tenant = stored.row
        links = tenant_links(repos, tenant.tenant_id)
        if not tenant.settings.weekly_digest or not tenant.notify or not links:
            continue
        services.queues.send(services.settings.queue_notify, SendNotification(
            tenant_id=tenant.tenant_id, link_id=links[0].link_id, notification_id=notification_id,
            subject="", body="", digest_since=since, digest_until=until))
        queued += 1
    log.info("weekly digest queued for %d tenant(s)", queued)
    return queued
