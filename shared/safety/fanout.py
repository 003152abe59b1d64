"""What the two timers do: walk every link (all tenants' partitions) and put one small message per
link on the live queue; the per-link work runs as a queue step (shared/sync/runners/renew.py and
reconcile.py), so a timer invocation stays short however many links there are.

Messages are spread FAN_OUT_PER_SECOND a second (visibility delay), so thousands of links do not
hit one Procore company or Graph tenant at the same instant. Never imports azure.functions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from shared.models.messages import ReconcileLink, RenewLink
from shared.models.rows import LinkRow, Stage
from shared.runtime import Services
from shared.store.repositories import TENANT_PARTITION
from shared.sync.context import ACTIVE_STAGES

log = logging.getLogger("pcsync.safety")
FAN_OUT_PER_SECOND = 20


def all_links(services: Services) -> Iterator[LinkRow]:
    """Every link row, tenant by tenant (the links table is partitioned by tenant)."""
    repos = services.repos
    for tenant in repos.tenants.query(TENANT_PARTITION):
        for stored in repos.links.query(tenant.row.tenant_id):
            yield stored.row


def _send(services: Services, links: Iterator[LinkRow], make: type[RenewLink] | type[ReconcileLink]) -> int:
    sent = 0
    for link in links:
        services.queues.send(services.settings.queue_live, make(tenant_id=link.tenant_id, link_id=link.link_id),
                             delay_s=sent // FAN_OUT_PER_SECOND)
        sent += 1
    return sent


def fan_out_renewals(services: Services) -> int:
    """One RenewLink per active link (initial sync, regular or paused: their feeds must stay alive)."""
    sent = _send(services, (link for link in all_links(services) if link.stage in ACTIVE_STAGES), RenewLink)
    log.info("renewal timer: %d links", sent)
    return sent


def fan_out_reconciles(services: Services) -> int:
    """One ReconcileLink per link in regular sync, and per paused link (its check for resuming by itself)."""
    wanted = (Stage.REGULAR, Stage.PAUSED)
    sent = _send(services, (link for link in all_links(services) if link.stage in wanted), ReconcileLink)
    log.info("reconcile timer: %d links", sent)
    return sent
