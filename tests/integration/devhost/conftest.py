"""Run sample apps from tests/apps under `python -m devhost` as real subprocesses against Azurite.

Queue names are unique per host so tests never see each other's messages; queue names come from a
local.settings.json the fixture writes (proving Values -> environment), while AzureWebJobsStorage in
that file is a decoy the real environment must override (the Core Tools precedence).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from azure.storage.queue import QueueClient, TextBase64DecodePolicy, TextBase64EncodePolicy

ROOT = Path(__file__).resolve().parents[3]
APPS = ROOT / "tests" / "apps"
READY_TIMEOUT_S = 30.0
T = TypeVar("T")


def wait_for(probe: Callable[[], T | None], timeout: float = 15.0, interval: float = 0.05, what: str = "") -> T:
    """Poll `probe` until it returns something truthy; fail the test on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what or probe}")
        time.sleep(interval)


def queue(conn: str, name: str, *, base64: bool = True) -> QueueClient:
    """A client for a test queue; base64 policies mirror the host's default messageEncoding."""
    if base64:
        return QueueClient.from_connection_string(conn, name, message_encode_policy=TextBase64EncodePolicy(),
                                                  message_decode_policy=TextBase64DecodePolicy())
    return QueueClient.from_connection_string(conn, name)


def drain_queue(client: QueueClient) -> list[str]:
    """Receive and delete everything visible now (missing queue = nothing)."""
    try:
        messages = list(client.receive_messages(messages_per_page=32, max_messages=32, visibility_timeout=30))
    except Exception:
        return []
    for m in messages:
        client.delete_message(m)
    return [m.content for m in messages]


@dataclass
class RunningHost:
    proc: subprocess.Popen[bytes]
    info: dict[str, Any]
    log_path: Path
    calls_file: Path
    settings: dict[str, str]
    conn: str
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.info["url"], timeout=10)

    @property
    def url(self) -> str:
        return str(self.info["url"])

    def calls(self, **match: Any) -> list[dict[str, Any]]:
        if not self.calls_file.exists():
            return []
        rows = [json.loads(line) for line in self.calls_file.read_text().splitlines() if line.strip()]
        return [r for r in rows if all(r.get(k) == v for k, v in match.items())]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        self.client.close()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                pytest.fail(f"host did not stop within {timeout} s:\n{self.log()}")
        return self.proc.returncode


def launch_host(app: str, workdir: Path, conn: str, settings: dict[str, str], *args: str) -> RunningHost:
    """Start `python -m devhost` on tests/apps/<app>; returns once the ready file exists."""
    workdir.mkdir(parents=True, exist_ok=True)
    calls = workdir / "calls.jsonl"
    settings_file = workdir / "local.settings.json"
    values = {"AzureWebJobsStorage": "UseDevelopmentStorage=true", "CALLS_FILE": str(calls), **settings}
    settings_file.write_text(json.dumps({"IsEncrypted": False, "Values": values}))
    ready, log_path = workdir / "ready.json", workdir / "host.log"
    env = {k: v for k, v in os.environ.items() if k not in values}
    env["AzureWebJobsStorage"] = conn
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "devhost", "--script-root", str(APPS / app), "--port", "0",
             "--settings", str(settings_file), "--ready-file", str(ready), *args],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait(5)
            pytest.fail(f"devhost did not start (rc={proc.returncode}):\n{log_path.read_text(errors='replace')}")
        time.sleep(0.05)
    return RunningHost(proc, json.loads(ready.read_text()), log_path, calls, settings, conn)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def pipeline_settings(**overrides: str) -> dict[str, str]:
    return {"WORK_QUEUE": unique("work"), "DONE_QUEUE": unique("done"), "SLOW_QUEUE": unique("slow"),
            "TICK_SCHEDULE": "*/1 * * * * *", **overrides}


@pytest.fixture(scope="module")
def pipeline(azurite_conn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHost]:
    """The pipeline sample app with a short fetch visibility (so renewal is observable) and known keys."""
    host = launch_host("pipeline", tmp_path_factory.mktemp("pipeline"), azurite_conn, pipeline_settings(),
                       "--master-key", "master-key-for-tests", "--function-key", "function-key-for-tests",
                       "--fetch-visibility", "2")
    yield host
    host.stop()
