"""Queue depth, the age of the oldest waiting message, and poison counts, read from Storage for the
metrics operators alert on (shared/telemetry/metrics.py). The only reader of queue statistics; never
imports azure.functions.
"""

from __future__ import annotations

from datetime import UTC, datetime

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.queue import QueueServiceClient
from pydantic import BaseModel

from shared.config import POISON_SUFFIX


class QueueStats(BaseModel):
    queue: str
    depth: int          # approximate: visible and invisible messages
    oldest_age_s: float  # age of the first visible message (0 when none is visible)

    @property
    def poison(self) -> bool:
        return self.queue.endswith(POISON_SUFFIX)


def read_stats(service: QueueServiceClient, queue: str, now: datetime | None = None) -> QueueStats:
    """One queue's statistics (a queue not created yet is empty)."""
    client = service.get_queue_client(queue)
    now = now or datetime.now(UTC)
    try:
        depth = int(client.get_queue_properties().approximate_message_count or 0)
        peeked = client.peek_messages(max_messages=1) if depth else []
    except ResourceNotFoundError:
        return QueueStats(queue=queue, depth=0, oldest_age_s=0.0)
    age = 0.0
    if peeked and peeked[0].inserted_on is not None:
        age = max(0.0, (now - peeked[0].inserted_on).total_seconds())
    return QueueStats(queue=queue, depth=depth, oldest_age_s=age)
