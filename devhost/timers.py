"""Timer triggers: 6-field NCRONTAB (seconds first) in UTC, `run_on_startup`, no overlapping runs.

croniter reads a 6th field as seconds at the END unless `second_at_beginning=True`, so the flag is
mandatory here. Like the host's TimerListener, the next occurrence is computed after a run finishes
(a run longer than the interval skips occurrences) and a failed run is not retried.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from azure.functions.timer import TimerRequest
from croniter import croniter

from devhost.bindings import FunctionFailed, Invoker
from devhost.catalog import FunctionSpec, TimerTriggerSpec
from devhost.settings import ConfigError

log = logging.getLogger("devhost")
PAST_DUE_TOLERANCE_SECONDS = 1.0


def validate_schedule(schedule: str) -> str:
    """Accept only what the host accepts on Flex Consumption: a 6-field NCRONTAB expression."""
    fields = schedule.split()
    if len(fields) != 6:
        raise ConfigError(f"timer schedule {schedule!r} must be a 6-field NCRONTAB expression "
                          "'{second} {minute} {hour} {day} {month} {day-of-week}'")
    if not croniter.is_valid(schedule, second_at_beginning=True):
        raise ConfigError(f"invalid NCRONTAB expression {schedule!r}")
    return schedule


def next_fire(schedule: str, after: datetime) -> datetime:
    """The first occurrence strictly after `after` (aware, UTC)."""
    base = after.astimezone(UTC) if after.tzinfo else after.replace(tzinfo=UTC)
    nxt: datetime = croniter(schedule, base, second_at_beginning=True).get_next(datetime)
    return nxt.astimezone(UTC)


def _now() -> datetime:
    return datetime.now(UTC)


class TimerRunner:
    """Fires one timer function until `stop()`; `drain()` waits for a run in progress."""

    def __init__(self, spec: FunctionSpec, invoker: Invoker) -> None:
        assert isinstance(spec.trigger, TimerTriggerSpec)
        self.spec, self.trigger = spec, spec.trigger
        validate_schedule(self.trigger.schedule)
        self._invoker = invoker
        self._stopping = asyncio.Event()
        self._running: asyncio.Task[None] | None = None
        self._last: datetime | None = None

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        if self.trigger.run_on_startup:
            await self._fire(past_due=False, reason="Timer fired at startup (RunOnStartup)")
        base = _now()
        while not self._stopping.is_set():
            due = next_fire(self.trigger.schedule, base)
            while (wait := (due - _now()).total_seconds()) > 0 and not self._stopping.is_set():
                try:
                    await asyncio.wait_for(self._stopping.wait(), timeout=wait)
                except TimeoutError:
                    pass
            if self._stopping.is_set():
                return
            late = (_now() - due).total_seconds()
            await self._fire(past_due=late > PAST_DUE_TOLERANCE_SECONDS, reason=f"Timer fired at {due.isoformat()}")
            base = max(due, _now())

    async def _fire(self, past_due: bool, reason: str) -> None:
        now = _now()
        status = {"Last": (self._last or now).isoformat(), "Next": next_fire(self.trigger.schedule, now).isoformat(),
                  "LastUpdated": now.isoformat()}
        request = TimerRequest(past_due=past_due, schedule_status=status, schedule={"AdjustForDST": True})
        self._last = now
        self._running = asyncio.ensure_future(self._invoke(request, reason))
        await asyncio.shield(self._running)

    async def _invoke(self, request: TimerRequest, reason: str) -> None:
        try:
            values = await self._invoker.invoke(self.spec, request, reason=reason)
            await self._invoker.flush_queue_outputs(self.spec, values)
        except FunctionFailed:
            pass  # logged by the invoker; the next occurrence simply runs
        except Exception:
            log.exception("%s: writing the output bindings failed", self.spec.name)

    async def drain(self, timeout: float) -> bool:
        if self._running is None or self._running.done():
            return True
        _, pending = await asyncio.wait({self._running}, timeout=timeout)
        return not pending
