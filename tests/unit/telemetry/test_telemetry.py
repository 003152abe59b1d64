"""shared/telemetry without I/O: a step continues the trace its message carries, a message without one
still parses and starts a new trace, log records carry the bound ids, a 429 is counted per service, and the
deferral key ignores the trace. Spans go to an in-memory exporter on a provider of the test's own (the
global provider is never set here)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.models import messages as m
from shared.store.queues import with_trace
from shared.sync.deferral import deferral_key
from shared.telemetry import carrier, dims, spans
from shared.telemetry.setup import managed_identity_client_id

PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture
def exported(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(spans, "_tracer", lambda: provider.get_tracer("test"))
    yield exporter
    provider.shutdown()


def _change(**extra: object) -> m.ProcoreChange:
    fields: dict[str, object] = {"tenant_id": "t1", "link_id": "l1", "tool": "documents", "resource_name": "Files",
                                 "resource_id": 7, "event_type": "create", **extra}
    return m.ProcoreChange.model_validate(fields)


def test_a_message_queued_before_tracing_still_parses_without_a_trace() -> None:
    old = '{"schema_version":1,"tenant_id":"t1","link_id":"l1","lane":"live","attempt":0,"kind":"procore_change",' \
          '"tool":"documents","resource_name":"Files","resource_id":7,"event_type":"create"}'
    msg = m.DETECT.validate_json(old)
    assert isinstance(msg, m.ProcoreChange) and msg.trace is None


def test_a_malformed_traceparent_is_refused() -> None:
    with pytest.raises(ValueError):
        _change(trace={"traceparent": "00-not-a-trace"})


def test_the_receiver_span_is_what_the_queued_message_carries_and_the_step_continues_it(
        exported: InMemorySpanExporter) -> None:
    with spans.request_span("POST /api/webhooks/procore/t1/l1", {}, origin="procore") as request:
        queued = with_trace(_change())
    assert isinstance(queued, m.ProcoreChange) and queued.trace is not None
    request_ctx = request.get_span_context()
    assert queued.trace.traceparent.split("-")[1] == trace.format_trace_id(request_ctx.trace_id)
    assert queued.trace.origin == "procore" and queued.trace.origin_at is not None

    parsed = m.DETECT.validate_json(queued.model_dump_json())
    with spans.step_span("live-changes", "ProcoreChange", parsed.trace, tenant_id="t1", link_id="l1"):
        assert carrier.current_operation_id() == trace.format_trace_id(request_ctx.trace_id)
        assert carrier.current_origin() is not None and carrier.current_origin().name == "procore"  # type: ignore[union-attr]
        spans.note_call("graph", "PUT", "/drives/{drive-id}/items/{item-id}/content", 201, 40.0)
    done = {s.name: s for s in exported.get_finished_spans()}
    step = done["live-changes ProcoreChange"]
    assert step.parent is not None and step.parent.span_id == request_ctx.span_id
    call = done["PUT /drives/{drive-id}/items/{item-id}/content"]
    assert call.parent is not None and call.parent.span_id == step.context.span_id
    assert call.attributes is not None and call.attributes["tenant_id"] == "t1"
    assert call.end_time is not None and call.start_time is not None
    assert call.end_time - call.start_time == 40_000_000


def test_without_a_span_nothing_is_stamped_and_an_old_trace_is_kept() -> None:
    plain = _change()
    assert with_trace(plain) is plain
    traced = _change(trace={"traceparent": PARENT})
    assert with_trace(traced) == traced


def test_a_step_without_a_trace_starts_a_new_one(exported: InMemorySpanExporter) -> None:
    with spans.step_span("transfer", "FetchFile", None, tenant_id="t1"):
        pass
    (step,) = exported.get_finished_spans()
    assert step.parent is None


def test_a_caller_traceparent_header_is_continued(exported: InMemorySpanExporter) -> None:
    with spans.request_span("GET /api/tenants/t1", {"Traceparent": PARENT}):
        pass
    (request,) = exported.get_finished_spans()
    assert request.parent is not None and trace.format_span_id(request.parent.span_id) == PARENT.split("-")[2]


def test_log_records_carry_the_bound_ids_and_an_explicit_extra_wins(exported: InMemorySpanExporter) -> None:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep()
    dims.attach_dims(handler)
    dims.attach_dims(handler)
    assert len(handler.filters) == 1
    log = logging.getLogger("pcsync.test_dims")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        with spans.step_span("metadata", "SpMetadata", None, tenant_id="t1", link_id="l1", item_id="42"):
            log.info("renamed")
            log.info("other tenant", extra={"tenant_id": "t2"})
        log.info("outside")
    finally:
        log.removeHandler(handler)
    inside, explicit, outside = records
    assert (inside.tenant_id, inside.link_id, inside.item_id) == ("t1", "l1", "42")  # type: ignore[attr-defined]
    assert len(inside.operation_id) == 32  # type: ignore[attr-defined]
    assert explicit.tenant_id == "t2"  # type: ignore[attr-defined]
    assert not hasattr(outside, "tenant_id") and not hasattr(outside, "operation_id")


def test_a_timer_run_is_a_new_trace_that_the_messages_it_queues_continue(exported: InMemorySpanExporter) -> None:
    with spans.request_span("POST /api/other", {"traceparent": PARENT}):     # never the parent of a timer run
        with spans.timer_span("reconcile_links") as run:
            queued = with_trace(m.ReconcileLink(tenant_id="t1", link_id="l1"))
    assert isinstance(queued, m.ReconcileLink) and queued.trace is not None
    run_ctx = run.get_span_context()
    assert queued.trace.traceparent.split("-")[1:3] == [trace.format_trace_id(run_ctx.trace_id),
                                                          trace.format_span_id(run_ctx.span_id)]
    assert queued.trace.origin == spans.TIMER_ORIGIN
    parsed = m.DETECT.validate_json(queued.model_dump_json())
    with spans.step_span("live-changes", "ReconcileLink", parsed.trace, tenant_id="t1", link_id="l1"):
        assert carrier.current_operation_id() == trace.format_trace_id(run_ctx.trace_id)
    done = {s.name: s for s in exported.get_finished_spans()}
    timer = done["timer reconcile_links"]
    assert timer.parent is None and timer.kind is trace.SpanKind.SERVER
    assert timer.attributes is not None and timer.attributes["faas.trigger"] == "timer"
    step = done["live-changes ReconcileLink"]
    assert step.parent is not None and step.parent.span_id == run_ctx.span_id
    assert carrier.current_origin() is None


def test_the_deferral_key_ignores_the_trace() -> None:
    assert deferral_key("q", _change()) == deferral_key("q", _change(trace={"traceparent": PARENT}))
    assert deferral_key("q", _change()) != deferral_key("q", _change(event_type="update"))


def test_a_step_measures_latency_from_where_its_change_came_in() -> None:
    came_in = datetime.now(UTC) - timedelta(seconds=30)
    traced = carrier.TraceCarrier(traceparent=PARENT, origin="sharepoint", origin_at=came_in)
    with spans.step_span("transfer", "SpToProcore", traced):
        origin = carrier.current_origin()
    assert origin is not None and origin.name == "sharepoint" and origin.at == came_in
    assert carrier.current_origin() is None


@pytest.mark.parametrize(("auth", "client_id"), [
    ("ClientId=abc-123;Authorization=AAD", "abc-123"),
    ("Authorization=AAD", ""),
    ("", None),
    (None, None),
    ("ClientId=abc;Authorization=Key", None),
])
def test_the_authentication_string_names_the_identity(auth: str | None, client_id: str | None) -> None:
    assert managed_identity_client_id(auth) == client_id
