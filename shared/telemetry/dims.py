"""The ids every log line of a step carries (tenant, link, item, operation), as log record attributes.

The Python worker drops `extra` fields on the way to Application Insights, so the ids are attached to the
record itself (a handler filter) and exported by OpenTelemetry's log handler as attributes, which
App Insights stores in `Properties`/customDimensions. Never imports azure.functions.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from shared.telemetry.carrier import current_operation_id

DIMENSIONS = ("tenant_id", "link_id", "item_id")
OPERATION_ID = "operation_id"

_dims: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar("pcsync_dims", default={})  # noqa: B039


def current_dims() -> dict[str, str]:
    return dict(_dims.get())


@contextmanager
def bound(**dims: str | None) -> Iterator[None]:
    """Attach the given ids (None values are skipped) to every log record made inside the block."""
    merged = {**_dims.get(), **{k: v for k, v in dims.items() if v}}
    token = _dims.set(merged)
    try:
        yield
    finally:
        _dims.reset(token)


class DimsFilter(logging.Filter):
    """Puts the bound ids and the operation id on each record a handler emits (an explicit `extra` wins).
    A handler filter, not a record factory: `extra` may not name a key the factory already set."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _dims.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        operation = current_operation_id()
        if operation and not hasattr(record, OPERATION_ID):
            setattr(record, OPERATION_ID, operation)
        return True


def attach_dims(handler: logging.Handler) -> None:
    """Make `handler` emit the bound ids as record attributes (idempotent)."""
    if not any(isinstance(f, DimsFilter) for f in handler.filters):
        handler.addFilter(DimsFilter())
