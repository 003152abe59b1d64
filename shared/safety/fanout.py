"""What the timers do: walk every link (all tenants' partitions) and put one small message per link
(per drive for the Graph delta run) on the live queue; the per-link work runs as a queue step
(shared/sync/runners/renew.py, reconcile.py and check.py), so a timer invocation stays short however
many links there are.

Messages are spread FAN_OUT_PER_SECOND a second (visibility delay), so thousands of links do not
hit one Procore company or Graph tenant at the same instant. Never imports azure.functions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

from pydantic import BaseModel

from shared.models.messages import CheckLink, DriveDelta, ReconcileLink, RenewLink
from shared.models.rows import LinkRow, Stage
from shared.runtime import Services
from shared.safety.checks import (
    CHECK_GAP,
    FAN_OUT_PER_SECOND,
    RECONCILE_GAP,
    RECONCILE_SHARE,
    drive_carriers,
    plan_checks,
    turns,
)
from shared.store.repositories import TENANT_PARTITION
from shared.sync.context import ACTIVE_STAGES

log = logging.getLogger("pcsync.safety")


def all_links(services: Services) -> Iterator[LinkRow]:
    """Every link row, tenant by tenant (the links table is partitioned by tenant)."""
    repos = services.repos
    for tenant in repos.tenants.query(TENANT_PARTITION):
        for stored in repos.links.query(tenant.row.tenant_id):
            yield stored.row


def fan_out_renewals(services: Services) -> int:
    """One RenewLink per active link (initial sync, regular or paused: their feeds must stay alive)."""
    sent = _release(services, [RenewLink(tenant_id=link.tenant_id, link_id=link.link_id)
                                for link in all_links(services) if link.stage in ACTIVE_STAGES])
    log.info("renewal timer: %d links", sent)
    return sent


def fan_out_reconciles(services: Services, now: datetime | None = None) -> int:
    """One ReconcileLink per link in regular sync (only the first of each drive asks for the drive's
    delta run: it serves every link on the drive; the Procore pass on the link's turn), and one per paused
    link (its check for resuming)."""
    at = now or datetime.now(UTC)
    links = [link for link in all_links(services) if link.stage in (Stage.REGULAR, Stage.PAUSED)]
    regular = [link for link in links if link.stage is Stage.REGULAR]
    carriers = {link.link_id for link in drive_carriers(regular)}
    due = turns(regular, int(at.timestamp() // RECONCILE_GAP.total_seconds()), RECONCILE_GAP, RECONCILE_SHARE)
    sent = _release(services, [ReconcileLink(tenant_id=link.tenant_id, link_id=link.link_id,
                                             graph=link.link_id in carriers, procore=link.link_id in due)
                               for link in links])
    log.info("reconcile timer: %d links", sent)
    return sent


def fan_out_checks(services: Services, now: datetime | None = None) -> int:
    """The cheap checks: one DriveDelta per drive with a link in regular sync, one CheckLink per such link
    with a Procore change feed whose turn it is (shared.safety.checks.plan_checks; runs are numbered by the
    time, CHECK_GAP apart)."""
    at = now or datetime.now(UTC)
    plan = plan_checks(all_links(services), int(at.timestamp() // CHECK_GAP.total_seconds()))
    messages: list[BaseModel] = [DriveDelta(tenant_id=link.tenant_id, link_id=link.link_id) for link in plan.drives]
    messages += [CheckLink(tenant_id=link.tenant_id, link_id=link.link_id) for link in plan.links]
    sent = _release(services, messages)
    log.info("check timer: %d drives, %d links", len(plan.drives), len(plan.links))
    return sent


def _release(services: Services, messages: list[BaseModel]) -> int:
    """Send the messages FAN_OUT_PER_SECOND a second."""
    for sent, message in enumerate(messages):
        services.queues.send(services.settings.queue_live, message, delay_s=sent // FAN_OUT_PER_SECOND)
    return len(messages)
