"""A deferred step never multiplies: one pending delayed copy per message, whatever the duplicates.

Queues deliver at least once, so one message may run twice at the same time. Each run that meets a
transient failure would send its own delayed copy, and each copy again at every retry (CI saw one
locked file retried 40 times in 2 minutes, in 8 chains). Before sending the copy of attempt n, a run
claims the message's deferral row (ETag-conditional): a run that finds another delivery's claim of
attempt n or later drops itself, since that copy does the same work. Claims go by attempt, not by
time (the queue rounds delays to whole seconds, so a copy may run before its nominal due time). The
same delivery claims again (a host retry after a crash between claim and send loses nothing), and a
row left behind by a chain that died unseen is stale STALE_AFTER its due time. The transitions are
pure; Deferrals applies them. Never imports azure.functions.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from pydantic import BaseModel

from shared import errors
from shared.models.deferral import DeferralRow
from shared.store.tables import TableRepository

UNBOUND_SCOPE = "unbound"
STALE_AFTER = timedelta(minutes=10)   # the host's fetch visibility: a crashed run's message is back by then
ATTEMPT_FIELD = "attempt"
TRACE_FIELD = "trace"   # each delivery carries its own span: not part of what the message is


def deferral_key(queue: str, msg: BaseModel) -> str:
    """The same for every delivery and every attempt of one message on one queue."""
    body = msg.model_dump_json(exclude={ATTEMPT_FIELD, TRACE_FIELD})
    return hashlib.sha256(f"{queue}\n{body}".encode()).hexdigest()


def is_stale(current: DeferralRow, now: datetime) -> bool:
    """A claim whose copy should have run long ago (its chain died without ending in our code)."""
    return current.due_at + STALE_AFTER < now


def on_defer(current: DeferralRow | None, scope: str, key: str, holder: str, now: datetime, delay_s: float,
             attempt: int) -> DeferralRow | None:
    """A run of delivery `holder` wants to send the copy of `attempt`, due in `delay_s`: the claim, or None
    when another delivery claimed that attempt or a later one (this run then sends nothing)."""
    if current is not None and current.attempt >= attempt and current.holder != holder \
            and not is_stale(current, now):
        return None
    return DeferralRow(scope=scope, key=key, holder=holder, due_at=now + timedelta(seconds=delay_s),
                       attempt=attempt)


def is_settled(current: DeferralRow | None, attempt: int) -> bool:
    """A run of `attempt` ended without deferring: the row may go unless it claims a later copy (a
    duplicate's, still to run)."""
    return current is not None and current.attempt <= attempt


class Deferrals:
    """The claims of one table (`repos.deferrals`)."""

    def __init__(self, table: TableRepository[DeferralRow]) -> None:
        self._table = table

    def claim(self, scope: str, key: str, holder: str, now: datetime, delay_s: float, attempt: int) -> bool:
        """True: send the delayed copy of `attempt`. False: another delivery's is pending, send none."""
        return self._table.mutate_won(scope, key, lambda current: on_defer(
            current, scope, key, holder, now, delay_s, attempt))

    def settle(self, scope: str, key: str, attempt: int) -> None:
        """A run of a retried message ended without deferring: drop the row unless a duplicate claimed a
        later copy meanwhile."""
        stored = self._table.get(scope, key)
        if stored is None or not is_settled(stored.row, attempt):
            return
        try:
            self._table.delete(scope, key, stored.etag)
        except errors.Conflict:
            pass   # claimed again meanwhile: that copy is pending
