"""The local exporters: spans, log records and metric points as JSON lines in one file, so the local
stack's telemetry is greppable and the tests can follow a change through it. Never imports azure.functions.

One line per span (`"type": "span"`), log record (`"log"`) or metric point (`"metric"`); appends are
serialized by a lock, and each line is written whole.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from opentelemetry.sdk._logs import ReadableLogRecord
from opentelemetry.sdk._logs.export import LogRecordExporter, LogRecordExportResult
from opentelemetry.sdk.metrics.export import (
    Gauge,
    MetricExporter,
    MetricExportResult,
    MetricsData,
    Sum,
)
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import format_span_id, format_trace_id


class JsonLinesFile:
    """An append-only JSON-lines file shared by the three exporters."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._out = path.open("a", encoding="utf-8")   # kept open: a record is written per span, not a file open

    def write(self, records: list[dict[str, Any]]) -> None:
        if not records:
            return
        text = "".join(json.dumps(r, default=str, separators=(",", ":")) + "\n" for r in records)
        with self._lock:
            self._out.write(text)
            self._out.flush()      # whole lines, readable at once by whoever follows the file


def _attrs(attributes: Any) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in dict(attributes or {}).items()}


def span_record(span: ReadableSpan) -> dict[str, Any]:
    ctx = span.get_span_context()
    assert ctx is not None
    return {
        "type": "span", "name": span.name, "kind": span.kind.name,
        "trace_id": format_trace_id(ctx.trace_id), "span_id": format_span_id(ctx.span_id),
        "parent_id": format_span_id(span.parent.span_id) if span.parent else None,
        "start_ns": span.start_time, "end_ns": span.end_time, "status": span.status.status_code.name,
        "attributes": _attrs(span.attributes),
    }


class JsonLinesSpanExporter(SpanExporter):
    def __init__(self, out: JsonLinesFile) -> None:
        self._out = out

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self._out.write([span_record(s) for s in spans])
        return SpanExportResult.SUCCESS


class JsonLinesLogExporter(LogRecordExporter):
    def __init__(self, out: JsonLinesFile) -> None:
        self._out = out

    def export(self, batch: Sequence[ReadableLogRecord]) -> LogRecordExportResult:
        lines = []
        for item in batch:
            rec = item.log_record
            lines.append({
                "type": "log", "time_ns": rec.timestamp, "level": rec.severity_text, "body": rec.body,
                "trace_id": format_trace_id(rec.trace_id) if rec.trace_id else None,
                "span_id": format_span_id(rec.span_id) if rec.span_id else None,
                "attributes": _attrs(rec.attributes),
            })
        self._out.write(lines)
        return LogRecordExportResult.SUCCESS

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True

    def shutdown(self) -> None:
        return None


class JsonLinesMetricExporter(MetricExporter):
    def __init__(self, out: JsonLinesFile) -> None:
        super().__init__()
        self._out = out

    def export(self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any) -> MetricExportResult:
        lines: list[dict[str, Any]] = []
        for resource in metrics_data.resource_metrics:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    for point in metric.data.data_points:
                        line: dict[str, Any] = {"type": "metric", "name": metric.name,
                                                "attributes": _attrs(point.attributes)}
                        if isinstance(metric.data, (Gauge, Sum)):
                            line["value"] = point.value  # type: ignore[union-attr]
                        else:
                            line |= {"count": point.count, "sum": point.sum,  # type: ignore[union-attr]
                                     "max": point.max}  # type: ignore[union-attr]
                        lines.append(line)
        self._out.write(lines)
        return MetricExportResult.SUCCESS

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return True

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        return None
