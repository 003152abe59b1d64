"""The queue half of the Graph receiver: which notifications of a batch are ours, and one DriveDelta per
link they name (the delta step coalesces). When the link's drive has a delta run going, its lease is only
marked to read once more, as the DriveDelta step would do, without a message and a step for it: an initial
sync's own uploads bring a notification a few times a second, and each cost two steps.

The HTTP half (shared.onboarding.receivers) only parsed, hashed the clientState and enqueued, so a
flood of made-up subscription ids costs the caller nothing here. The subscriptions are read at most
once per batch: point reads for a few ids, one scan of the Graph partition for many (bounded by our
own subscriptions, never by what a caller sends). Hashes are compared in constant time.
Never imports azure.functions.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from shared.graph.subscriptions import drive_of
from shared.models.messages import DriveDelta, GraphNotice, GraphNotices
from shared.models.rows import SubscriptionKind
from shared.runtime import Services
from shared.store.tables import check_key
from shared.sync.runners.delta import mark_running

log = logging.getLogger("pcsync.webhooks")
POINT_READS_UP_TO = 20   # more distinct ids than this in one message: one partition scan instead


@dataclass(frozen=True)
class _Owner:
    tenant_id: str
    link_id: str
    secret_hash: str
    drive_id: str | None


@dataclass(frozen=True)
class NoticesOutcome:
    accepted: int
    ignored: int
    links: tuple[tuple[str, str], ...]


def _legal(sid: str) -> bool:
    try:
        check_key(sid)
    except ValueError:
        return False
    return True


def _owners(services: Services, sids: set[str]) -> dict[str, _Owner]:
    repo = services.repos.subscriptions
    partition = SubscriptionKind.GRAPH.value
    found: dict[str, _Owner] = {}
    if len(sids) <= POINT_READS_UP_TO:
        for sid in sids:
            stored = repo.get(partition, sid) if _legal(sid) else None
            if stored is not None:
                found[sid] = _Owner(stored.row.tenant_id, stored.row.link_id, stored.row.secret_hash,
                                    drive_of(stored.row.resource))
        return found
    for entity in repo.select(partition, ["subscription_id", "tenant_id", "link_id", "secret_hash", "resource"]):
        sid = str(entity.get("subscription_id") or "")
        if sid in sids:
            found[sid] = _Owner(str(entity["tenant_id"]), str(entity["link_id"]), str(entity["secret_hash"]),
                                drive_of(str(entity.get("resource") or "")))
    return found


def _trusted(note: GraphNotice, owner: _Owner | None) -> bool:
    expected = owner.secret_hash if owner is not None else ""
    return hmac.compare_digest(note.state_hash, expected) and owner is not None


def check_notices(services: Services, msg: GraphNotices) -> NoticesOutcome:
    """Drop unknown subscriptions and wrong clientStates; send one DriveDelta per link named."""
    owners = _owners(services, {n.sid for n in msg.notices})
    links: set[tuple[str, str, str | None]] = set()
    accepted = ignored = 0
    for note in msg.notices:
        owner = owners.get(note.sid)
        if owner is None or not _trusted(note, owner):
            ignored += 1
            continue
        accepted += 1
        if note.lifecycle:
            log.info("graph lifecycle event %s for subscription %s", note.lifecycle, note.sid)
        else:
            links.add((owner.tenant_id, owner.link_id, owner.drive_id))
    if ignored:
        log.warning("graph notifications ignored: %d with an unknown subscription or a wrong clientState", ignored)
    now = datetime.now(UTC)
    running: dict[tuple[str, str], bool] = {}   # (tenant, drive) -> its run was marked: read once per drive
    for tenant_id, link_id, drive_id in sorted(links, key=lambda x: (x[0], x[1])):
        if drive_id is not None:
            drive = (tenant_id, drive_id)
            if drive not in running:
                running[drive] = mark_running(services, tenant_id, drive_id, now)
            if running[drive]:
                continue
        services.queues.send(services.settings.queue_live, DriveDelta(tenant_id=tenant_id, link_id=link_id))
    return NoticesOutcome(accepted=accepted, ignored=ignored,
                          links=tuple(sorted((tenant_id, link_id) for tenant_id, link_id, _ in links)))
