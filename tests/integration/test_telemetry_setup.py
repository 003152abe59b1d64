"""shared/telemetry/setup.py in a fresh process each (it configures process-wide providers once): with an
Application Insights connection string, the Azure Monitor distro with the app's managed identity, the ids
filter on its log handler and no instrumentation that records full URLs; with a file, JSON lines of spans
and logs carrying the ids."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# An ingestion endpoint on loopback that nothing answers: the exporter's sends fail quietly.
CONNECTION = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/"
PROBE = """
import json, logging
import httpx
from opentelemetry import trace
from shared.telemetry.dims import DimsFilter
from shared.telemetry.setup import configure_telemetry
from shared.telemetry import spans
kind = configure_telemetry()
handlers = logging.getLogger("pcsync").handlers
logging.getLogger("pcsync").setLevel(logging.INFO)
with spans.step_span("live-changes", "ProcoreChange", None, tenant_id="t1", link_id="l1", item_id="9"):
    logging.getLogger("pcsync.sync").info("planned")
print(json.dumps({"kind": kind, "handlers": [type(h).__name__ for h in handlers],
                  "filtered": [any(isinstance(f, DimsFilter) for f in h.filters) for h in handlers],
                  "httpx_wrapped": hasattr(httpx.Client.send, "__wrapped__"),
                  "provider": type(trace.get_tracer_provider()).__name__}))
"""


def _probe(env: dict[str, str]) -> dict[str, object]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("APPLICATIONINSIGHTS_", "PCSYNC_TELEMETRY", "PCSYNC_METRIC"))}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env={**clean, **env}, capture_output=True,
                         text=True, timeout=60, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_app_insights_with_the_identity_and_no_url_recording_instrumentation() -> None:
    got = _probe({"APPLICATIONINSIGHTS_CONNECTION_STRING": CONNECTION,
                  "APPLICATIONINSIGHTS_AUTHENTICATION_STRING": "ClientId=11111111-1111-1111-1111-111111111111;"
                                                               "Authorization=AAD"})
    assert got["kind"] == "azure_monitor" and got["provider"] == "TracerProvider"
    assert got["handlers"] and all(got["filtered"]), got     # the ids reach App Insights as attributes
    assert got["httpx_wrapped"] is False                      # no span with a full (signed) URL


def test_the_local_file_gets_spans_and_logs_with_the_ids(tmp_path: Path) -> None:
    path = tmp_path / "telemetry.jsonl"
    got = _probe({"PCSYNC_TELEMETRY_FILE": str(path)})
    assert got["kind"] == "file"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    (log,) = [r for r in lines if r["type"] == "log"]
    (span,) = [r for r in lines if r["type"] == "span"]
    assert log["body"] == "planned" and log["trace_id"] == span["trace_id"]
    assert {k: log["attributes"][k] for k in ("tenant_id", "link_id", "item_id")} == \
        {"tenant_id": "t1", "link_id": "l1", "item_id": "9"}
    assert log["attributes"]["operation_id"] == span["trace_id"]
    assert span["name"] == "live-changes ProcoreChange" and span["kind"] == "CONSUMER"


def test_nothing_configured_exports_nothing(tmp_path: Path) -> None:
    got = _probe({})
    assert got["kind"] == "none" and got["handlers"] == [] and got["provider"] != "TracerProvider"
