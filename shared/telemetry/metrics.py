"""The metrics operators alert on: queue depth, age and poison messages per queue, sync latency per
direction, 429s per service, failed items. Names are stable: infra/ alert rules and the workbook query them.

Instruments come from the global meter provider, so they are no-ops until telemetry is configured.
Never imports azure.functions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from opentelemetry import metrics
from opentelemetry.metrics import Counter, Histogram, Meter, _Gauge

from shared.telemetry.carrier import current_origin

METER_NAME = "pcsync"
QUEUE_DEPTH = "pcsync.queue.depth"
QUEUE_AGE = "pcsync.queue.age"
POISON_DEPTH = "pcsync.queue.poison"
SYNC_LATENCY = "pcsync.sync.latency"
THROTTLED = "pcsync.http.throttled"
FAILED_ITEMS = "pcsync.items.failed"
# A change's direction, by where it came in.
DIRECTIONS = {"procore": "procore_to_sharepoint", "sharepoint": "sharepoint_to_procore"}
SYNCED_EVENTS = frozenset({"synced", "deleted", "conflict"})
FAILED_EVENTS = frozenset({"error"})


@cache
def _meter() -> Meter:
    return metrics.get_meter(METER_NAME)


@cache
def _gauge(name: str, unit: str, description: str) -> _Gauge:
    return _meter().create_gauge(name, unit=unit, description=description)


@cache
def _counter(name: str, description: str) -> Counter:
    return _meter().create_counter(name, unit="1", description=description)


@cache
def _histogram(name: str) -> Histogram:
    return _meter().create_histogram(name, unit="s", description="change announced -> recorded")


def record_queue(queue: str, depth: int, age_s: float, *, poison: bool) -> None:
    if poison:
        _gauge(POISON_DEPTH, "1", "messages in a poison queue").set(depth, {"queue": queue})
        return
    _gauge(QUEUE_DEPTH, "1", "messages waiting in a queue").set(depth, {"queue": queue})
    _gauge(QUEUE_AGE, "s", "age of the oldest visible message").set(age_s, {"queue": queue})


def record_latency(origin: str, seconds: float) -> None:
    direction = DIRECTIONS.get(origin)
    if direction is not None:
        _histogram(SYNC_LATENCY).record(max(0.0, seconds), {"direction": direction})


def count_throttled(service: str) -> None:
    _counter(THROTTLED, "429 answers per service").add(1, {"service": service})


def count_failed(tool: str | None) -> None:
    _counter(FAILED_ITEMS, "items recorded as failed").add(1, {"tool": tool or ""})


def recorded(event: str, tool: str | None) -> None:
    """An activity event was written: a failed item is counted; a synced one observes the latency from
    the moment its change came in (the receiver's request), per direction."""
    if event in FAILED_EVENTS:
        count_failed(tool)
        return
    origin = current_origin()
    if event in SYNCED_EVENTS and origin is not None:
        record_latency(origin.name, (datetime.now(UTC) - origin.at).total_seconds())
