"""The spans of one change's trace: the receiver's request (or the timer run that found the change), each
queue step, each Procore or Graph call, and the record step. Span names and attributes are route templates
and ids, never URLs or secrets.

Without a configured provider the OpenTelemetry API hands out no-op spans, so every helper is safe to
call anywhere (unit tests, tools). Never imports azure.functions.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import ParamSpec, TypeVar

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from shared.telemetry import dims, metrics
from shared.telemetry.carrier import (
    Origin,
    TraceCarrier,
    context_of,
    context_of_headers,
    current_origin,
    reset_origin,
    set_origin,
)

TRACER_NAME = "pcsync"
RECORD_SPAN = "record"
TIMER_ORIGIN = "timer"
P = ParamSpec("P")
R = TypeVar("R")


def _tracer() -> trace.Tracer:
    return trace.get_tracer(TRACER_NAME)


def _set_dims(span: Span, values: dict[str, str | None]) -> None:
    for key, value in values.items():
        if value:
            span.set_attribute(key, value)


@contextmanager
def request_span(name: str, headers: dict[str, str], *, origin: str | None = None) -> Iterator[Span]:
    """An HTTP request we serve (webhook receiver, API). `origin` marks a receiver where changes come in:
    the steps it enqueues measure their sync latency from now."""
    parent = context_of_headers({k.lower(): v for k, v in headers.items()})
    token = set_origin(Origin(name=origin, at=datetime.now(UTC))) if origin else None
    try:
        with _tracer().start_as_current_span(name, context=parent, kind=SpanKind.SERVER) as span:
            if origin:
                span.set_attribute("pcsync.origin", origin)
            yield span
    finally:
        if token is not None:
            reset_origin(token)


@contextmanager
def timer_span(name: str) -> Iterator[Span]:
    """One timer run (a safety-net pass), always the root of a new trace: every message it enqueues carries
    it, so an operator follows a reconciliation from the timer to the upload. Its origin is `timer`, which
    is no direction: no sync latency is measured from a timer run (the change was made earlier)."""
    token = set_origin(Origin(name=TIMER_ORIGIN, at=datetime.now(UTC)))
    try:
        with _tracer().start_as_current_span(f"timer {name}", context=Context(), kind=SpanKind.SERVER) as span:
            span.set_attribute("faas.trigger", "timer")
            span.set_attribute("pcsync.origin", TIMER_ORIGIN)
            yield span
    finally:
        reset_origin(token)


@contextmanager
def step_span(queue: str, kind: str, carrier: TraceCarrier | None, *, tenant_id: str | None = None,
              link_id: str | None = None, item_id: str | None = None) -> Iterator[Span]:
    """One queue step, continuing the trace its message carries; the ids go on the span and on every log
    record made inside it."""
    origin = Origin(name=carrier.origin, at=carrier.origin_at) if carrier and carrier.origin and carrier.origin_at \
        else current_origin()
    token = set_origin(origin)
    try:
        with _tracer().start_as_current_span(f"{queue} {kind}", context=context_of(carrier),
                                             kind=SpanKind.CONSUMER) as span:
            span.set_attribute("messaging.system", "azure_storage_queue")
            span.set_attribute("messaging.destination.name", queue)
            _set_dims(span, {"tenant_id": tenant_id, "link_id": link_id, "item_id": item_id})
            with dims.bound(tenant_id=tenant_id, link_id=link_id, item_id=item_id):
                yield span
    finally:
        reset_origin(token)


@contextmanager
def internal_span(name: str, **attributes: str | None) -> Iterator[Span]:
    """A step inside a step (the record step)."""
    with _tracer().start_as_current_span(name, kind=SpanKind.INTERNAL) as span:
        _set_dims(span, dict(attributes))
        yield span


def note_call(service: str, method: str, route: str, status: int | str, elapsed_ms: float) -> None:
    """One Procore or Graph call that just ended, as a client span (backdated to its start) under the
    current step, and a throttling count when the service answered 429."""
    end = time.time_ns()
    start = end - int(elapsed_ms * 1_000_000)
    span = _tracer().start_span(f"{method} {route}", kind=SpanKind.CLIENT, start_time=start)
    span.set_attribute("peer.service", service)
    span.set_attribute("http.request.method", method)
    span.set_attribute("url.template", route)
    if isinstance(status, int):
        span.set_attribute("http.response.status_code", status)
        if status >= 400:
            span.set_status(Status(StatusCode.ERROR))
    else:
        span.set_attribute("error.type", status)
        span.set_status(Status(StatusCode.ERROR))
    for key, value in dims.current_dims().items():
        span.set_attribute(key, value)
    span.end(end_time=end)
    if status == 429:
        metrics.count_throttled(service)


def traced(name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run the decorated function in an internal span `name` (the record step)."""

    def wrap(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            with internal_span(name):
                return fn(*args, **kwargs)

        return run

    return wrap
