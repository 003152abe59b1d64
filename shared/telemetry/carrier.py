"""The trace context a queue message carries (W3C `traceparent`) and where the change entered the pipeline.

Every queue message has an optional `trace`; a message without one (queued before tracing existed, or
by a tool) simply starts a new trace. Never imports azure.functions.
"""

from __future__ import annotations

import contextvars
from datetime import datetime

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from pydantic import BaseModel, ConfigDict, Field

TRACEPARENT = "traceparent"
TRACEPARENT_PATTERN = r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
_PROPAGATOR = TraceContextTextMapPropagator()


class TraceCarrier(BaseModel):
    """What a queue message carries so its step joins the trace of the change that caused it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    traceparent: str = Field(pattern=TRACEPARENT_PATTERN, max_length=55)
    origin: str | None = Field(None, max_length=40)   # procore | sharepoint | timer | api: where the change came in
    origin_at: datetime | None = None                  # when it came in (sync latency is measured from here)


class Origin(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    at: datetime


_origin: contextvars.ContextVar[Origin | None] = contextvars.ContextVar("pcsync_origin", default=None)


def current_origin() -> Origin | None:
    return _origin.get()


def set_origin(origin: Origin | None) -> contextvars.Token[Origin | None]:
    return _origin.set(origin)


def reset_origin(token: contextvars.Token[Origin | None]) -> None:
    _origin.reset(token)


def current_carrier() -> TraceCarrier | None:
    """The carrier of the current span (None when nothing is traced: telemetry off, or no span open)."""
    headers: dict[str, str] = {}
    _PROPAGATOR.inject(headers)
    parent = headers.get(TRACEPARENT)
    if parent is None:
        return None
    origin = current_origin()
    return TraceCarrier(traceparent=parent, origin=origin.name if origin else None,
                        origin_at=origin.at if origin else None)


def context_of(carrier: TraceCarrier | None) -> Context | None:
    """The parent context a step continues (None: a new trace)."""
    if carrier is None:
        return None
    return _PROPAGATOR.extract({TRACEPARENT: carrier.traceparent})


def context_of_headers(headers: dict[str, str]) -> Context | None:
    """The parent context of an incoming HTTP request that names one (a caller's `traceparent`)."""
    parent = headers.get(TRACEPARENT)
    if not parent:
        return None
    ctx = _PROPAGATOR.extract({TRACEPARENT: parent})
    return ctx if trace.get_current_span(ctx).get_span_context().is_valid else None


def current_operation_id() -> str | None:
    """The operation id of the current trace (its W3C trace id: App Insights' `operation_Id`)."""
    span_context = trace.get_current_span().get_span_context()
    return trace.format_trace_id(span_context.trace_id) if span_context.is_valid else None
