"""Turn telemetry on once per process, from the environment: Application Insights when
APPLICATIONINSIGHTS_CONNECTION_STRING is set (with the app's managed identity when
APPLICATIONINSIGHTS_AUTHENTICATION_STRING says `Authorization=AAD`), else the JSON-lines file named by
PCSYNC_TELEMETRY_FILE, else no exporter. The setting names are fields of shared/config.py (tests/infra
checks the deployed ones). Never imports azure.functions.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry._logs import set_logger_provider
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from shared.logging import ROOT_LOGGER
from shared.telemetry.dims import attach_dims
from shared.telemetry.jsonl import (
    JsonLinesFile,
    JsonLinesLogExporter,
    JsonLinesMetricExporter,
    JsonLinesSpanExporter,
)

CONNECTION_SETTING = "APPLICATIONINSIGHTS_CONNECTION_STRING"
AUTH_SETTING = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING"
FILE_SETTING = "PCSYNC_TELEMETRY_FILE"
METRIC_INTERVAL_SETTING = "PCSYNC_METRIC_INTERVAL_MS"
DEFAULT_METRIC_INTERVAL_MS = 60_000
SERVICE_NAME = "pcsync"
# Instrumentations that would record full request URLs (Graph upload URLs carry `tempauth`, Procore
# storage URLs signatures): off. Our own client spans (spans.note_call) name the route template instead.
URL_RECORDING_INSTRUMENTATIONS = ("httpx", "requests", "urllib", "urllib3")

_lock = threading.Lock()
_configured: str | None = None


def configure_telemetry(env: Mapping[str, str] | None = None) -> str:
    """Configure once; returns which exporter is in use: "azure_monitor", "file" or "none"."""
    global _configured
    env = os.environ if env is None else env
    with _lock:
        if _configured is not None:
            return _configured
        if env.get(CONNECTION_SETTING):
            _configure_azure_monitor(env)
            _configured = "azure_monitor"
        elif env.get(FILE_SETTING):
            interval = int(env.get(METRIC_INTERVAL_SETTING) or DEFAULT_METRIC_INTERVAL_MS)
            _configure_file(Path(env[FILE_SETTING]), interval)
            _configured = "file"
        else:
            _configured = "none"
        return _configured


def managed_identity_client_id(auth: str | None) -> str | None:
    """`ClientId=<id>;Authorization=AAD` -> the id (the setting the Functions host reads too)."""
    parts = dict(p.split("=", 1) for p in (auth or "").split(";") if "=" in p)
    if parts.get("Authorization", "").upper() != "AAD":
        return None
    return parts.get("ClientId") or ""


def _configure_azure_monitor(env: Mapping[str, str]) -> None:
    from azure.monitor.opentelemetry import configure_azure_monitor

    options: dict[str, Any] = {
        "connection_string": env[CONNECTION_SETTING],
        "logger_name": ROOT_LOGGER,
        "instrumentation_options": {name: {"enabled": False} for name in URL_RECORDING_INSTRUMENTATIONS},
        "enable_live_metrics": False,
    }
    client_id = managed_identity_client_id(env.get(AUTH_SETTING))
    if client_id is not None:
        from azure.identity import ManagedIdentityCredential

        options["credential"] = ManagedIdentityCredential(client_id=client_id or None)
    configure_azure_monitor(**options)
    for handler in logging.getLogger(ROOT_LOGGER).handlers:   # the distro's OpenTelemetry log handler
        attach_dims(handler)


def _configure_file(path: Path, metric_interval_ms: int) -> None:
    from opentelemetry.instrumentation.logging.handler import LoggingHandler

    out = JsonLinesFile(path)
    resource = Resource.create({"service.name": SERVICE_NAME})
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(out)))
    trace.set_tracer_provider(tracer_provider)
    logger_provider = LoggerProvider(resource=resource)
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(JsonLinesLogExporter(out)))
    set_logger_provider(logger_provider)
    handler = LoggingHandler(logger_provider=logger_provider)
    attach_dims(handler)
    logging.getLogger(ROOT_LOGGER).addHandler(handler)
    reader = PeriodicExportingMetricReader(JsonLinesMetricExporter(out), export_interval_millis=metric_interval_ms)
    metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=[reader]))
