"""Logger names, the one-line-per-external-call format, and redaction of URLs and headers.

Graph upload-session URLs carry `tempauth` and Procore storage URLs carry signatures, so full URLs
are never logged: only the scheme, host and path (query dropped). Never imports azure.functions.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from urllib.parse import urlsplit

from shared.telemetry.spans import note_call

ROOT_LOGGER = "pcsync"
SENSITIVE_HEADERS = frozenset({"authorization", "x-functions-key", "cookie", "set-cookie", "x-ms-client-secret"})


def get_logger(package: str) -> logging.Logger:
    """`get_logger("graph")` -> the `pcsync.graph` logger."""
    return logging.getLogger(f"{ROOT_LOGGER}.{package}")


def sanitize_url(url: str) -> str:
    """Drop query string, fragment and user info: they may carry tokens or signatures."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}" if parts.scheme else parts.path


def sanitize_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: ("***" if k.lower() in SENSITIVE_HEADERS else v) for k, v in headers.items()}


def log_call(
    logger: logging.Logger,
    method: str,
    route_template: str,
    status: int | str,
    elapsed_ms: float,
    **dimensions: str,
) -> None:
    """The one INFO line per external call, and its client span in the current trace (shared.telemetry);
    `dimensions` (tenant_id, link_id) go on the record as attributes."""
    note_call(logger.name.rsplit(".", 1)[-1], method, route_template, status, elapsed_ms)
    logger.info("%s %s -> %s in %.0f ms", method, route_template, status, elapsed_ms, extra=dimensions)


# Libraries that log full request URLs (with SAS/tempauth query strings) at INFO: quiet them.
NOISY_LIBRARIES = ("httpx", "httpcore", "azure.core.pipeline.policies.http_logging_policy", "msal")


def quiet_libraries() -> None:
    """Raise noisy third-party loggers to WARNING so no full URL is ever logged (our own call line,
    with the route template, replaces theirs)."""
    for name in NOISY_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
