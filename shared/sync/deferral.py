"""A deferred step never multiplies: one pending delayed copy per message, whatever the duplicates.

Queues deliver at least once, so one message may run twice at the same time. Each run that meets a
transient failure would send its own delayed copy, and each copy again at every retry (CI saw one
locked file retried 40 times in 2 minutes, in 8 chains). Before sending, a run claims the message's
deferral row (ETag-conditional): a run that finds another delivery's copy still pending drops itself,
since that copy does the same work. The claim is taken again by the same delivery (a host retry after
a crash between claim and send loses nothing) and by anyone once the pending copy is due. The
transitions are pure; Deferrals applies them. Never imports azure.functions.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from pydantic import BaseModel

from shared import errors
from shared.models.deferral import DeferralRow
from shared.store.tables import TableRepository

UNBOUND_SCOPE = "unbound"
ATTEMPT_FIELD = "attempt"


def deferral_key(queue: str, msg: BaseModel) -> str:
    """The same for every delivery and every attempt of one message on one queue."""
    body = msg.model_dump_json(exclude={ATTEMPT_FIELD})
    return hashlib.sha256(f"{queue}\n{body}".encode()).hexdigest()


def is_pending(current: DeferralRow | None, now: datetime) -> bool:
    """Is a delayed copy still waiting to become visible?"""
    return current is not None and current.due_at > now


def on_defer(current: DeferralRow | None, scope: str, key: str, holder: str, now: datetime, delay_s: float,
             attempt: int) -> DeferralRow | None:
    """A run of delivery `holder` wants to send a copy due in `delay_s`: the claim, or None when another
    delivery's copy is still pending (this run then sends nothing)."""
    if is_pending(current, now) and current is not None and current.holder != holder:
        return None
    return DeferralRow(scope=scope, key=key, holder=holder, due_at=now + timedelta(seconds=delay_s),
                       attempt=attempt)


def is_settled(current: DeferralRow | None, now: datetime) -> bool:
    """After a run ends without deferring: the row may go once no copy is pending any more."""
    return current is not None and not is_pending(current, now)


class Deferrals:
    """The claims of one table (`repos.deferrals`)."""

    def __init__(self, table: TableRepository[DeferralRow]) -> None:
        self._table = table

    def claim(self, scope: str, key: str, holder: str, now: datetime, delay_s: float, attempt: int) -> bool:
        """True: send the delayed copy. False: another delivery's copy is pending, drop this run's."""
        return self._table.mutate_won(scope, key, lambda current: on_defer(
            current, scope, key, holder, now, delay_s, attempt))

    def settle(self, scope: str, key: str, now: datetime) -> None:
        """A retried message finished: drop its row unless a duplicate deferred it again meanwhile."""
        stored = self._table.get(scope, key)
        if stored is None or not is_settled(stored.row, now):
            return
        try:
            self._table.delete(scope, key, stored.etag)
        except errors.Conflict:
            pass   # claimed again meanwhile: that copy is pending
