"""Indexing a FunctionApp: trigger and binding descriptions, %SETTING% resolution, refusals."""

from __future__ import annotations

import azure.functions as func
import pytest

from devhost.catalog import HttpTriggerSpec, QueueTriggerSpec, TimerTriggerSpec, build_catalog
from devhost.settings import ConfigError

ENV = {"WORK": "work-items", "EVERY": "*/5 * * * * *"}


def _app() -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)

    @app.route(route="items/{id:int}", methods=["POST"])
    @app.queue_output(arg_name="out", queue_name="%WORK%", connection="AzureWebJobsStorage")
    def enqueue(req: func.HttpRequest, out: func.Out[str]) -> func.HttpResponse:
        raise NotImplementedError

    @app.function_name("Process")
    @app.queue_trigger(arg_name="msg", queue_name="%WORK%", connection="")
    async def process(msg: func.QueueMessage, context: func.Context) -> None:
        raise NotImplementedError

    @app.timer_trigger(arg_name="timer", schedule="%EVERY%", run_on_startup=True)
    def tick(timer: func.TimerRequest) -> None:
        raise NotImplementedError

    @app.route(methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    def health(req: func.HttpRequest) -> str:
        raise NotImplementedError

    return app


def test_catalog_describes_every_function() -> None:
    specs = {s.name: s for s in build_catalog(_app(), ENV)}
    assert set(specs) == {"enqueue", "Process", "tick", "health"}
    assert specs["enqueue"].trigger == HttpTriggerSpec("items/{id:int}", ("POST",), func.AuthLevel.FUNCTION)
    assert [(o.name, o.type, o.queue_name) for o in specs["enqueue"].outputs] == [
        ("out", "queue", "work-items"), ("$return", "http", None)]
    assert specs["Process"].trigger == QueueTriggerSpec("work-items", "AzureWebJobsStorage")
    assert specs["Process"].wants_context and specs["Process"].is_async
    assert specs["tick"].trigger == TimerTriggerSpec("*/5 * * * * *", True)
    assert not specs["tick"].is_async
    assert specs["health"].trigger == HttpTriggerSpec("health", ("GET",), func.AuthLevel.ANONYMOUS)


def test_missing_setting_reference_fails() -> None:
    with pytest.raises(ConfigError, match="WORK"):
        build_catalog(_app(), {"EVERY": "* * * * * *"})


def test_unsupported_bindings_fail_loudly() -> None:
    app = func.FunctionApp()

    @app.queue_trigger(arg_name="msg", queue_name="work-items", connection="")
    @app.blob_output(arg_name="out", path="c/b.txt", connection="AzureWebJobsStorage")
    def to_blob(msg: func.QueueMessage, out: func.Out[str]) -> None:
        raise NotImplementedError

    with pytest.raises(ConfigError, match="blob"):
        build_catalog(app, {})


def test_invalid_queue_name_fails() -> None:
    app = func.FunctionApp()

    @app.queue_trigger(arg_name="msg", queue_name="Bad_Name", connection="")
    def bad(msg: func.QueueMessage) -> None:
        raise NotImplementedError

    with pytest.raises(ConfigError, match="invalid queue name"):
        build_catalog(app, {})
