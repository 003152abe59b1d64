"""Host lifecycle as a real process: graceful SIGTERM with a message in flight, start-up failures,
and the in-process Python API."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
import pytest

from devhost.runner import Host, HostOptions
from tests.integration.devhost.conftest import APPS, ROOT, launch_host, pipeline_settings, queue, wait_for


def test_sigterm_finishes_the_message_in_flight_then_exits_0(azurite_conn: str, tmp_path: Path) -> None:
    settings = pipeline_settings(TICK_SCHEDULE="0 0 0 1 1 *")
    host = launch_host("pipeline", tmp_path, azurite_conn, settings)
    slow = queue(azurite_conn, settings["SLOW_QUEUE"])
    slow.send_message(json.dumps({"tag": "in-flight", "seconds": 2.5}))
    wait_for(lambda: host.calls(fn="slow", event="start", tag="in-flight"), what="the slow message to start")
    process = psutil.Process(host.proc.pid)
    family = process.children(recursive=True)
    port = int(host.url.rsplit(":", 1)[1])

    host.proc.send_signal(signal.SIGTERM)
    slow.send_message(json.dumps({"tag": "after-sigterm", "seconds": 0}))
    assert host.proc.wait(20) == 0

    assert host.calls(fn="slow", event="end", tag="in-flight")  # it was allowed to finish
    assert host.calls(fn="slow", tag="after-sigterm") == []    # fetching had stopped
    remaining = [json.loads(m.content)["tag"] for m in slow.peek_messages(max_messages=32)]
    assert remaining == ["after-sigterm"]
    assert slow.get_queue_properties().approximate_message_count == 1  # the finished one was deleted
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in family)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    assert "Host stopped" in host.log()


def test_unresolved_setting_reference_fails_the_start(azurite_conn: str, tmp_path: Path) -> None:
    settings = tmp_path / "local.settings.json"
    settings.write_text(json.dumps({"Values": {"CALLS_FILE": str(tmp_path / "c"), "WORK_QUEUE": "work-x"}}))
    env = {"PATH": "/usr/bin:/bin", "AzureWebJobsStorage": azurite_conn}
    done = subprocess.run([sys.executable, "-m", "devhost", "--script-root", str(APPS / "pipeline"), "--port", "0",
                           "--settings", str(settings)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 2
    assert "'%DONE_QUEUE%' does not resolve to a value." in done.stderr


SAMPLE = '''
import azure.functions as func
app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)

@app.route(route="hello/{name}", methods=["GET"])
def hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("hello " + req.route_params["name"])
'''


def test_python_api_serves_in_process(tmp_path: Path) -> None:
    (tmp_path / "devhost_api_sample.py").write_text(SAMPLE)
    (tmp_path / "host.json").write_text(json.dumps({"version": "2.0", "extensions": {"http": {"routePrefix": ""}}}))
    host = Host(HostOptions(script_root=tmp_path, app_module="devhost_api_sample", function_key="fk"))
    try:
        with host:
            assert host.info is not None and host.info.functions == ["hello"]
            assert len(host.info.admin_key) > 40  # generated when not given
            r = httpx.get(f"{host.info.url}/hello/ann", headers={"x-functions-key": "fk"})
            assert (r.status_code, r.text) == (200, "hello ann")
            assert httpx.get(f"{host.info.url}/hello/ann").status_code == 401
    finally:
        sys.modules.pop("devhost_api_sample", None)
        sys.path.remove(str(tmp_path.resolve()))
