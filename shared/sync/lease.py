"""A run lease: one run at a time of a shared job (a drive's delta read), requests coalesced, and never
a lease that outlives its holder.

A request while the lease is held only marks it `again`, so the holder runs once more before letting go;
the mark never extends the lease. Only the holder does, at the end of each round, so a lease left behind
by a crash, or by a release racing a request, expires by itself after `ttl` and the next request takes it
over. (The lease this replaces was refreshed by every request, so a busy drive kept an orphaned lease
alive for good.) A holder may pass the lease on to a step it sends for later (`hand_over`; that step
`resume`s it, once however often its message is delivered): a busy job then runs at a steady pace rather
than round after round. The transitions are pure functions of the row; RunLease applies them ETag-conditionally.
Never imports azure.functions.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from shared.models.rows import LeaseRow
from shared.store.tables import TableRepository


def is_held(current: LeaseRow | None, now: datetime) -> bool:
    """Held by a run that may still be going (its lease has not expired)."""
    return current is not None and current.holder is not None and current.expires_at is not None \
        and current.expires_at > now


def on_request(current: LeaseRow | None, scope: str, name: str, holder: str, now: datetime,
               ttl: timedelta) -> LeaseRow | None:
    """A request for a run: take a free or expired lease, or mark a held one to run again. None: no
    write (the holder is already marked), so a flood of requests does not contend for the row."""
    if current is None or not is_held(current, now):
        return LeaseRow(scope=scope, name=name, holder=holder, expires_at=now + ttl, again=False)
    if current.again:
        return None
    return current.model_copy(update={"again": True})


def on_mark(current: LeaseRow | None, now: datetime) -> LeaseRow | None:
    """A request that never takes: a held lease not yet marked is marked `again`; anything else is left."""
    if current is None or not is_held(current, now) or current.again:
        return None
    return current.model_copy(update={"again": True})


def on_take(current: LeaseRow | None, scope: str, name: str, holder: str, now: datetime,
            ttl: timedelta) -> LeaseRow | None:
    """Take a free or expired lease; a held one is left as it is (no mark)."""
    if current is None or not is_held(current, now):
        return LeaseRow(scope=scope, name=name, holder=holder, expires_at=now + ttl, again=False)
    return None


def on_round_end(current: LeaseRow | None, holder: str, now: datetime, ttl: timedelta) -> LeaseRow | None:
    """The holder finished a round: renewed for one more when a request came in meanwhile, else free.
    None when `holder` no longer holds it (it expired and another run took it: that run reads on)."""
    if current is None or current.holder != holder:
        return None
    if current.again:
        return current.model_copy(update={"again": False, "expires_at": now + ttl})
    return current.model_copy(update={"holder": None, "expires_at": None})


def on_hand_over(current: LeaseRow | None, holder: str, successor: str, now: datetime, pause: timedelta,
                 ttl: timedelta) -> LeaseRow | None:
    """The holder, marked to run again, passes the lease to a step that starts after `pause` (a paced run):
    held for it until `pause` plus `ttl` from now, so requests meanwhile only mark it. None when `holder`
    does not hold it."""
    if current is None or current.holder != holder:
        return None
    return current.model_copy(update={"holder": successor, "expires_at": now + pause + ttl, "again": False})


def on_resume(current: LeaseRow | None, successor: str, holder: str, now: datetime,
              ttl: timedelta) -> LeaseRow | None:
    """The step the lease was passed to (`successor`) takes it as run `holder`, so a second delivery of
    that step finds it taken. None when the lease is not waiting for `successor` (any more)."""
    if current is None or current.holder != successor or not is_held(current, now):
        return None
    return current.model_copy(update={"holder": holder, "expires_at": now + ttl, "again": False})


def on_release(current: LeaseRow | None, holder: str) -> LeaseRow | None:
    """The holder lets go whatever came in (its message is retried, or it hands on to a fresh step that
    reads anyway). None when `holder` does not hold it: a late release frees nobody else's lease."""
    if current is None or current.holder != holder:
        return None
    return current.model_copy(update={"holder": None, "expires_at": None, "again": False})


class RunLease:
    """One run's handle on the lease row `scope`/`name` of `table` (its holder id is random per run)."""

    def __init__(self, table: TableRepository[LeaseRow], scope: str, name: str, ttl: timedelta) -> None:
        self._table, self._scope, self._name, self._ttl = table, scope, name, ttl
        self.holder = uuid.uuid4().hex

    def resume(self, successor: str, now: datetime) -> bool:
        """Take the lease a run passed to the step `successor` (True), unless another delivery of that step
        took it first or it expired (False: then ask with `request` as any run)."""
        stored = self._table.mutate(self._scope, self._name, lambda current: on_resume(
            current, successor, self.holder, now, self._ttl))
        return stored is not None and stored.row.holder == self.holder

    def request(self, now: datetime) -> bool:
        """Ask for a run: True when this run now holds the lease, False when the holder will run again."""
        stored = self._table.mutate(self._scope, self._name, lambda current: on_request(
            current, self._scope, self._name, self.holder, now, self._ttl))
        return stored is not None and stored.row.holder == self.holder

    def mark_if_held(self, now: datetime) -> bool:
        """Ask a run that is going to run once more (True, as `request` would); False when none holds the
        lease, and nothing was written: then the caller starts a run."""
        stored = self._table.mutate(self._scope, self._name, lambda current: on_mark(current, now))
        return stored is not None and is_held(stored.row, now) and stored.row.again

    def take_if_free(self, now: datetime) -> bool:
        """Take the lease if nobody holds it (True); never mark a held one."""
        stored = self._table.mutate(self._scope, self._name, lambda current: on_take(
            current, self._scope, self._name, self.holder, now, self._ttl))
        return stored is not None and stored.row.holder == self.holder

    def end_round(self, now: datetime) -> bool:
        """After a round: True when this run holds the lease for one more round, False when it let go."""
        stored = self._table.mutate(self._scope, self._name,
                                    lambda current: on_round_end(current, self.holder, now, self._ttl))
        return stored is not None and stored.row.holder == self.holder

    def hand_over(self, successor: str, now: datetime, pause: timedelta) -> bool:
        """Pass the lease to the step `successor` that starts after `pause`; False when it is not ours."""
        stored = self._table.mutate(self._scope, self._name, lambda current: on_hand_over(
            current, self.holder, successor, now, pause, self._ttl))
        return stored is not None and stored.row.holder == successor

    def release(self) -> None:
        """Let go (a failed run, or a hand-off to a fresh step); a no-op when the lease is another's."""
        self._table.mutate(self._scope, self._name, lambda current: on_release(current, self.holder))
