"""Host configuration: host.json options, local.settings.json Values and `%SETTING%` references.

Pure parsing only (no storage, no HTTP). host.json keys are matched case-insensitively, like .NET
configuration binding; TimeSpan strings follow .NET `TimeSpan.Parse` ("[d.]hh:mm[:ss[.fffffff]]",
a bare integer is days). Environment values win over local.settings.json, as in Core Tools.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("devhost")

DEFAULT_ROUTE_PREFIX = "api"
DEFAULT_MAX_DEQUEUE_COUNT = 5
DEFAULT_BATCH_SIZE = 16
MAX_BATCH_SIZE = 32
DEFAULT_VISIBILITY_TIMEOUT = 0.0
LOCAL_MAX_POLLING_INTERVAL = 2.0  # the docs: "during local development ... defaults to two seconds"
MIN_POLLING_INTERVAL = 0.1
ENCODINGS = ("base64", "none")

# App settings override host.json as `AzureFunctionsJobHost__<path>` (the real host's configuration
# binding, e.g. AzureFunctionsJobHost__functionTimeout=00:01:00); functionTimeout and the queues'
# maxPollingInterval are read here.
HOST_JSON_OVERRIDE_PREFIX = "AzureFunctionsJobHost__"
FUNCTION_TIMEOUT = "functionTimeout"
MAX_POLLING_OVERRIDE = HOST_JSON_OVERRIDE_PREFIX + "extensions__queues__maxPollingInterval"

_TIMESPAN = re.compile(r"^\s*(-)?(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?\s*$")
_SETTING_REF = re.compile(r"%([^%]+)%")


class ConfigError(ValueError):
    """host.json, local.settings.json or a binding refers to something invalid or missing."""


def parse_timespan(value: str | int | float) -> float:
    """Parse a .NET TimeSpan string into seconds: "00:00:30" -> 30.0, "1.00:00:00" -> 86400.0."""
    if isinstance(value, bool):
        raise ConfigError(f"not a TimeSpan: {value!r}")
    if isinstance(value, int | float):
        value = str(value)
    if re.fullmatch(r"\s*-?\d+\s*", value):
        return float(int(value)) * 86400.0  # TimeSpan.Parse("5") is five days
    m = _TIMESPAN.match(value)
    if not m:
        raise ConfigError(f"not a TimeSpan: {value!r}")
    sign, days, hours, minutes, seconds, fraction = m.groups()
    h, mi, s = int(hours), int(minutes), int(seconds or 0)
    if h > 23 or mi > 59 or s > 59:
        raise ConfigError(f"TimeSpan component out of range: {value!r}")
    total = int(days or 0) * 86400 + h * 3600 + mi * 60 + s + (int(fraction.ljust(7, "0")) / 1e7 if fraction else 0)
    return -total if sign else float(total)


def _get(section: Mapping[str, object], key: str) -> object | None:
    for k, v in section.items():
        if k.lower() == key.lower():
            return v
    return None


def _section(section: Mapping[str, object], key: str) -> Mapping[str, object]:
    value = _get(section, key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"host.json: {key} must be an object")
    return value


def _int(section: Mapping[str, object], key: str, default: int, low: int, high: int) -> int:
    value = _get(section, key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).lstrip("-").isdigit():
        raise ConfigError(f"host.json: queues.{key} must be an integer, got {value!r}")
    number = int(value)
    if not low <= number <= high:
        raise ConfigError(f"host.json: queues.{key} must be within {low}..{high}, got {number}")
    return number


@dataclass(frozen=True)
class QueueOptions:
    """`extensions.queues` of host.json, defaults as the storage extension 5.x applies them locally."""

    message_encoding: str = "base64"
    max_dequeue_count: int = DEFAULT_MAX_DEQUEUE_COUNT
    visibility_timeout: float = DEFAULT_VISIBILITY_TIMEOUT
    batch_size: int = DEFAULT_BATCH_SIZE
    new_batch_threshold: int = DEFAULT_BATCH_SIZE // 2
    max_polling_interval: float = LOCAL_MAX_POLLING_INTERVAL


@dataclass(frozen=True)
class HostConfig:
    route_prefix: str = DEFAULT_ROUTE_PREFIX
    queues: QueueOptions = QueueOptions()
    custom_headers: tuple[tuple[str, str], ...] = ()   # extensions.http.customHeaders, on every response
    function_timeout: float | None = None   # functionTimeout in seconds; None: unbounded ("-1" or unset)


def _custom_headers(http: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
    raw = _section(http, "customHeaders")
    headers: list[tuple[str, str]] = []
    for name, value in raw.items():
        if not isinstance(value, str) or not name.strip():
            raise ConfigError(f"host.json: http.customHeaders.{name} must be a string")
        headers.append((name.strip(), value))
    return tuple(headers)


def _function_timeout(data: Mapping[str, object], environ: Mapping[str, str]) -> float | None:
    """host.json `functionTimeout`, or its app-setting override; "-1" (or unset, locally) is unbounded."""
    raw = environ.get(HOST_JSON_OVERRIDE_PREFIX + FUNCTION_TIMEOUT) or _get(data, FUNCTION_TIMEOUT)
    if raw is None or str(raw).strip() == "-1":
        return None
    seconds = parse_timespan(raw)  # type: ignore[arg-type]
    if seconds <= 0:
        raise ConfigError(f"host.json: functionTimeout must be positive or -1, got {raw!r}")
    return seconds


def parse_host_json(data: Mapping[str, object], cpu_count: int | None = None,
                    environ: Mapping[str, str] | None = None) -> HostConfig:
    """Build a HostConfig from host.json content; invalid values raise ConfigError, as the host refuses to start.
    `environ` (default: none) may override functionTimeout and the queues' maxPollingInterval as the real
    host's app settings do."""
    extensions = _section(data, "extensions")
    http = _section(extensions, "http")
    prefix = _get(http, "routePrefix")
    route_prefix = DEFAULT_ROUTE_PREFIX if prefix is None else str(prefix).strip("/")
    q = _section(extensions, "queues")
    encoding = str(_get(q, "messageEncoding") or "base64").lower()
    if encoding not in ENCODINGS:
        raise ConfigError(f"host.json: queues.messageEncoding must be one of {ENCODINGS}, got {encoding!r}")
    batch = _int(q, "batchSize", DEFAULT_BATCH_SIZE, 1, MAX_BATCH_SIZE)
    processors = cpu_count or os.cpu_count() or 1
    threshold = _int(q, "newBatchThreshold", -1, -1, 10_000)
    if threshold == -1:  # the extension's "unset": (batchSize / 2) * processorCount
        threshold = (batch // 2) * processors
    visibility = _get(q, "visibilityTimeout")
    polling = (environ or {}).get(MAX_POLLING_OVERRIDE) or _get(q, "maxPollingInterval")
    max_polling = LOCAL_MAX_POLLING_INTERVAL if polling is None else parse_timespan(polling)  # type: ignore[arg-type]
    if max_polling < MIN_POLLING_INTERVAL:
        raise ConfigError(f"host.json: queues.maxPollingInterval must be at least {MIN_POLLING_INTERVAL} s")
    options = QueueOptions(
        message_encoding=encoding,
        max_dequeue_count=_int(q, "maxDequeueCount", DEFAULT_MAX_DEQUEUE_COUNT, 1, 1_000_000),
        visibility_timeout=0.0 if visibility is None else parse_timespan(visibility),  # type: ignore[arg-type]
        batch_size=batch,
        new_batch_threshold=threshold,
        max_polling_interval=max_polling,
    )
    if options.visibility_timeout < 0:
        raise ConfigError("host.json: queues.visibilityTimeout must not be negative")
    return HostConfig(route_prefix=route_prefix, queues=options, custom_headers=_custom_headers(http),
                      function_timeout=_function_timeout(data, environ or {}))


def load_host_json(script_root: Path) -> HostConfig:
    path = script_root / "host.json"
    if not path.exists():
        log.warning("no host.json in %s; using defaults", script_root)
        return HostConfig(function_timeout=_function_timeout({}, os.environ))
    return parse_host_json(json.loads(path.read_text(encoding="utf-8-sig")), environ=os.environ)


def _to_setting(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "True" if value else "False"  # what Newtonsoft gives for Dictionary<string, string>
    if isinstance(value, str | int | float):
        return str(value)
    raise ConfigError(f"local.settings.json: Values must be strings, got {value!r}")


def load_local_settings(path: Path) -> dict[str, str]:
    """The `Values` of a local.settings.json file as strings (null values are dropped)."""
    data = json.loads(path.read_text(encoding="utf-8-sig"))
    if _get(data, "IsEncrypted") is True:
        raise ConfigError(f"{path}: encrypted local settings are not supported (run `func settings decrypt`)")
    values = _get(data, "Values") or {}
    if not isinstance(values, dict):
        raise ConfigError(f"{path}: Values must be an object")
    out: dict[str, str] = {}
    for key, raw in values.items():
        value = _to_setting(raw)
        if key and value is not None:
            out[key] = value
    return out


def apply_settings(environ: MutableMapping[str, str], values: Mapping[str, str]) -> list[str]:
    """Copy Values into the environment the way Core Tools does: a variable that is already set to a
    non-empty value wins and the local setting is skipped. Returns the skipped names."""
    skipped: list[str] = []
    for key, value in values.items():
        if environ.get(key):
            skipped.append(key)
        else:
            environ[key] = value
    return skipped


def resolve_setting_refs(value: str, environ: Mapping[str, str]) -> str:
    """Replace every `%NAME%` with the app setting NAME, failing like the host when one is missing."""

    def _one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in environ:
            raise ConfigError(f"'%{name}%' does not resolve to a value.")
        return environ[name]

    return _SETTING_REF.sub(_one, value)
