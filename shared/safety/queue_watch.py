"""Every queue's depth and oldest message age, and every poison queue's count, as metrics (a timer runs
it once a minute, on one instance): what the operator's alert rules and workbook in infra/ read.
Never imports azure.functions.
"""

from __future__ import annotations

import logging

from shared.config import queue_names
from shared.runtime import Services
from shared.store.queue_stats import QueueStats, read_stats
from shared.telemetry import metrics

log = logging.getLogger("pcsync.safety")


def measure_queues(services: Services) -> list[QueueStats]:
    stats = [read_stats(services.storage.queues, name) for name in queue_names(services.settings)]
    for s in stats:
        metrics.record_queue(s.queue, s.depth, s.oldest_age_s, poison=s.poison)
        if s.poison and s.depth:
            log.warning("%d message(s) in %s: steps that failed on every delivery", s.depth, s.queue)
    return stats
