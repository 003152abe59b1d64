"""host.json parsing (TimeSpans, defaults, limits), local.settings.json precedence, %SETTING% references."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devhost.settings import (
    ConfigError,
    HostConfig,
    QueueOptions,
    apply_settings,
    load_local_settings,
    parse_host_json,
    parse_timespan,
    resolve_setting_refs,
)


@pytest.mark.parametrize(("text", "seconds"), [
    ("00:00:30", 30.0),
    ("00:01:00", 60.0),
    ("01:00", 3600.0),                 # hh:mm
    ("00:00:00.500", 0.5),
    ("00:00:02.25", 2.25),
    ("1.02:03:04", 93784.0),           # d.hh:mm:ss
    ("-00:00:05", -5.0),
    ("2", 172800.0),                   # a bare integer is days, as TimeSpan.Parse reads it
    (" 00:00:10 ", 10.0),
])
def test_parse_timespan(text: str, seconds: float) -> None:
    assert parse_timespan(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "30s", "00:60:00", "24:00:00", "1:2:3:4", "00:00:00.12345678", "abc"])
def test_parse_timespan_rejects(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_timespan(text)


def test_defaults_are_the_local_host_defaults() -> None:
    config = parse_host_json({"version": "2.0"}, cpu_count=2)
    assert config.route_prefix == "api"
    assert config.queues == QueueOptions(message_encoding="base64", max_dequeue_count=5, visibility_timeout=0.0,
                                         batch_size=16, new_batch_threshold=16, max_polling_interval=2.0)


def test_values_are_read_case_insensitively() -> None:
    config = parse_host_json({"Extensions": {
        "HTTP": {"routePrefix": "/v1/"},
        "queues": {"MessageEncoding": "None", "maxdequeuecount": 2, "visibilityTimeout": "00:00:10",
                   "batchSize": 4, "newBatchThreshold": 1, "maxPollingInterval": "00:00:00.250"}}})
    assert config == HostConfig(route_prefix="v1", queues=QueueOptions("none", 2, 10.0, 4, 1, 0.25))


def test_empty_route_prefix_is_allowed() -> None:
    assert parse_host_json({"extensions": {"http": {"routePrefix": ""}}}).route_prefix == ""


def test_new_batch_threshold_defaults_to_half_a_batch_per_processor() -> None:
    assert parse_host_json({"extensions": {"queues": {"batchSize": 8}}}, cpu_count=4).queues.new_batch_threshold == 16


@pytest.mark.parametrize("queues", [
    {"messageEncoding": "utf8"},
    {"batchSize": 33},
    {"batchSize": 0},
    {"maxDequeueCount": 0},
    {"maxDequeueCount": "many"},
    {"maxPollingInterval": "00:00:00.050"},
    {"visibilityTimeout": "-00:00:01"},
])
def test_invalid_queue_options_fail(queues: dict) -> None:
    with pytest.raises(ConfigError):
        parse_host_json({"extensions": {"queues": queues}})


def test_environment_wins_over_local_settings_like_core_tools() -> None:
    environ = {"KEEP": "from-env", "EMPTY": ""}
    skipped = apply_settings(environ, {"KEEP": "from-file", "EMPTY": "filled", "NEW": "x"})
    assert environ == {"KEEP": "from-env", "EMPTY": "filled", "NEW": "x"}  # empty counts as unset
    assert skipped == ["KEEP"]


def test_local_settings_values_become_strings(tmp_path: Path) -> None:
    path = tmp_path / "local.settings.json"
    path.write_text(json.dumps({"IsEncrypted": False, "Values": {"A": "a", "B": 3, "C": True, "D": None},
                                "Host": {"LocalHttpPort": 7071}}))
    assert load_local_settings(path) == {"A": "a", "B": "3", "C": "True"}


def test_encrypted_local_settings_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "local.settings.json"
    path.write_text(json.dumps({"IsEncrypted": True, "Values": {"A": "xyz"}}))
    with pytest.raises(ConfigError):
        load_local_settings(path)


def test_setting_references_resolve_from_the_environment() -> None:
    env = {"PREFIX": "dev", "QUEUE": "work"}
    assert resolve_setting_refs("%PREFIX%-%QUEUE%", env) == "dev-work"
    assert resolve_setting_refs("plain", env) == "plain"
    with pytest.raises(ConfigError, match="'%MISSING%' does not resolve to a value."):
        resolve_setting_refs("%MISSING%", env)


def test_custom_headers_are_read_from_the_http_section() -> None:
    config = parse_host_json({"extensions": {"http": {"customHeaders": {"X-Content-Type-Options": "nosniff"}}}})
    assert config.custom_headers == (("X-Content-Type-Options", "nosniff"),)
    assert parse_host_json({}).custom_headers == ()
    with pytest.raises(ConfigError):
        parse_host_json({"extensions": {"http": {"customHeaders": {"X-A": 1}}}})


def test_function_timeout_comes_from_host_json_or_its_app_setting_override() -> None:
    assert parse_host_json({"functionTimeout": "00:10:00"}).function_timeout == 600.0
    assert parse_host_json({"functionTimeout": "-1"}).function_timeout is None
    assert parse_host_json({}).function_timeout is None
    override = {"AzureFunctionsJobHost__functionTimeout": "00:01:00"}
    assert parse_host_json({"functionTimeout": "00:10:00"}, environ=override).function_timeout == 60.0
    with pytest.raises(ConfigError):
        parse_host_json({"functionTimeout": "00:00:00"})


def test_max_polling_interval_comes_from_host_json_or_its_app_setting_override() -> None:
    host_json = {"extensions": {"queues": {"maxPollingInterval": "00:00:00.5"}}}
    assert parse_host_json(host_json).queues.max_polling_interval == 0.5
    override = {"AzureFunctionsJobHost__extensions__queues__maxPollingInterval": "00:00:02"}
    assert parse_host_json(host_json, environ=override).queues.max_polling_interval == 2.0
    with pytest.raises(ConfigError):
        parse_host_json(host_json, environ={"AzureFunctionsJobHost__extensions__queues__maxPollingInterval":
                                            "00:00:00.01"})
