"""One local stack per test module: Azurite (session), both emulators in this process, and the real
local Functions host (`python -m devhost`) as a subprocess serving the onboarding/webhook routes.

The host gets its own queue names, so the messages it enqueues are read back here and nowhere else.
"""

from __future__ import annotations

import base64
import json
import os
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
from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableServiceClient
from azure.storage.queue import QueueClient
from cryptography.fernet import Fernet

from emulators.graph import EmulatorConfig, GraphEmulator, start_emulator
from emulators.procore.server import RunningEmulator, start
from shared.config import load_settings
from shared.graph.config import GraphConfig
from shared.graph.session import GraphSession
from shared.procore.auth import ClientCredentials, TokenCache
from shared.procore.client import ProcoreClient, ProcoreConnection
from shared.runtime import Services
from shared.store.repositories import Repositories

ROOT = Path(__file__).resolve().parents[3]
READY_TIMEOUT_S = 40.0
T = TypeVar("T")
GRAPH_FAST = {"notification_batch_window_s": 0.05, "notification_retry_base_s": 0.2,
              "notification_retry_window_s": 2.0, "notification_timeout_s": 3.0, "validation_timeout_s": 5.0}
PROCORE_GENEROUS = {"rate_spike_limit": 1_000_000, "rate_hourly_limit": 10_000_000}
# One local secret key for every host of a session: the modules share one Azurite, so a second module's host
# must read the service signing key (activity continuations) that the first module's host stored.
SESSION_SECRET_KEY = Fernet.generate_key().decode()


def wait_for(probe: Callable[[], T | None], timeout: float = 15.0, what: str = "") -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


@dataclass
class Host:
    proc: subprocess.Popen[bytes]
    url: str
    function_key: str
    log_path: Path
    conn: str
    queue_initial: str
    queue_live: str
    http: httpx.Client = field(init=False)
    received: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.url, timeout=60)

    def operator(self) -> dict[str, str]:
        return {"x-functions-key": self.function_key}

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def messages(self, queue: str) -> list[dict[str, Any]]:
        """Every message ever taken off `queue` by this module, oldest first: the visible ones are
        received and deleted with the SDK and base64-decoded here, as the host's trigger would."""
        seen = self.received.setdefault(queue, [])
        client = QueueClient.from_connection_string(self.conn, queue)
        try:
            while True:
                batch = list(client.receive_messages(messages_per_page=32, max_messages=32, visibility_timeout=30))
                for m in batch:
                    seen.append(json.loads(base64.b64decode(m.content)))
                    client.delete_message(m)
                if not batch:
                    break
        except ResourceNotFoundError:
            pass
        finally:
            client.close()
        return list(seen)


@pytest.fixture(scope="module")
def procore_emu() -> Iterator[RunningEmulator]:
    running = start(size="small", config=PROCORE_GENEROUS)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def graph_emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphEmulator]:
    config = EmulatorConfig()
    config.update(dict(GRAPH_FAST))
    emulator = start_emulator(tmp_path_factory.mktemp("graph-emu"), config=config)
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module")
def host(azurite_conn: str, graph_emu: GraphEmulator, procore_emu: RunningEmulator,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    work = tmp_path_factory.mktemp("onboarding-host")
    suffix = uuid.uuid4().hex[:8]
    queues = {"PCSYNC_QUEUE_INITIAL_SYNC": f"onb-initial-{suffix}", "PCSYNC_QUEUE_LIVE": f"onb-live-{suffix}"}
    settings = work / "local.settings.json"
    settings.write_text(json.dumps({"IsEncrypted": False, "Values": {"FUNCTIONS_WORKER_RUNTIME": "python"}}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PCSYNC_")}
    env.update({"AzureWebJobsStorage": azurite_conn, "PCSYNC_LOCAL_SECRET_KEY": SESSION_SECRET_KEY,
                "PCSYNC_CA_FILE": graph_emu.descriptor()["ca_file"], **queues})
    ready, log_path = work / "ready.json", work / "host.log"
    function_key = uuid.uuid4().hex
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "devhost", "--script-root", str(ROOT), "--app",
             "tests.integration.onboarding.host_app", "--port", "0", "--settings", str(settings),
             "--function-key", function_key, "--ready-file", str(ready)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"host did not start:\n{log_path.read_text(errors='replace')}")
        time.sleep(0.05)
    info = json.loads(ready.read_text())
    running = Host(proc, info["url"], function_key, log_path, azurite_conn,
                   queues["PCSYNC_QUEUE_INITIAL_SYNC"], queues["PCSYNC_QUEUE_LIVE"])
    yield running
    running.http.close()
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@pytest.fixture(scope="module")
def repos(azurite_conn: str) -> Repositories:
    return Repositories(TableServiceClient.from_connection_string(azurite_conn))


@pytest.fixture(scope="module")
def steps(host: Host) -> Services:
    """Services for running queue steps in this process on what the host enqueued (the host here
    serves HTTP only), sending their follow-ups to the host's queues."""
    return Services(load_settings({"AzureWebJobsStorage": host.conn, "PCSYNC_QUEUE_LIVE": host.queue_live,
                                   "PCSYNC_QUEUE_INITIAL_SYNC": host.queue_initial,
                                   "PCSYNC_LOCAL_SECRET_KEY": Fernet.generate_key().decode()}))


@pytest.fixture(scope="module")
def graph_desc(graph_emu: GraphEmulator) -> dict[str, Any]:
    return graph_emu.descriptor()


def graph_session(desc: dict[str, Any], who: str) -> GraphSession:
    return GraphSession(GraphConfig(tenant_id=desc["tenant_id"], client_id=desc[who]["client_id"],
                                    client_secret=desc[who]["client_secret"], authority=desc["authority"],
                                    graph_url=desc["base_url"], ca_file=desc["ca_file"]))


@pytest.fixture(scope="module")
def graph_app(graph_desc: dict[str, Any]) -> Iterator[GraphSession]:
    session = graph_session(graph_desc, "app")
    yield session
    session.close()


@pytest.fixture(scope="module")
def graph_user(graph_desc: dict[str, Any]) -> Iterator[GraphSession]:
    session = graph_session(graph_desc, "user")
    yield session
    session.close()


def procore_client(emu: RunningEmulator, who: str) -> ProcoreClient:
    d = emu.descriptor
    return ProcoreClient.connect(ProcoreConnection(
        base_url=d["base_url"], login_url=d["login_url"], company_id=d["company_id"],
        credentials=ClientCredentials(client_id=d[who]["client_id"], client_secret=d[who]["client_secret"])),
        tokens=TokenCache())


@pytest.fixture(scope="module")
def procore_app(procore_emu: RunningEmulator) -> Iterator[ProcoreClient]:
    client = procore_client(procore_emu, "app")
    yield client
    client.close()


@pytest.fixture(scope="module")
def procore_user(procore_emu: RunningEmulator) -> Iterator[ProcoreClient]:
    client = procore_client(procore_emu, "user")
    yield client
    client.close()


def link_body(graph_desc: dict[str, Any], folder_path: str, project_id: int, **over: Any) -> dict[str, Any]:
    """A link request for the emulator's first site: `over` replaces top-level fields."""
    site = graph_desc["sites"][0]
    body: dict[str, Any] = {"procore_project_id": project_id, "sharepoint": {
        "site_id": site["id"], "drive_id": site["drive_id"], "folder_path": folder_path}}
    body.update(over)
    return body


def tenant_body(procore: dict[str, Any], graph: dict[str, Any], **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Acme Builders",
        "procore": {"company_id": procore["company_id"], "client_id": procore["app"]["client_id"],
                    "client_secret": procore["app"]["client_secret"], "base_url": procore["base_url"],
                    "login_url": procore["login_url"]},
        "microsoft": {"tenant_id": graph["tenant_id"], "client_id": graph["app"]["client_id"],
                      "client_secret": graph["app"]["client_secret"], "graph_url": graph["base_url"],
                      "authority": graph["authority"]},
        "notify": ["ops@example.com"],
    }
    body.update(over)
    return body


@dataclass(frozen=True)
class Tenant:
    tenant_id: str
    api_key: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    @property
    def links(self) -> str:
        return f"/api/tenants/{self.tenant_id}/links"


def create_tenant(host: Host, procore_emu: RunningEmulator, graph_desc: dict[str, Any], **over: Any) -> Tenant:
    r = host.http.post("/api/tenants", json=tenant_body(procore_emu.descriptor, graph_desc, **over),
                       headers=host.operator())
    assert r.status_code == 201, r.text
    return Tenant(**r.json())


@pytest.fixture(scope="module")
def tenant(host: Host, procore_emu: RunningEmulator, graph_desc: dict[str, Any]) -> Tenant:
    return create_tenant(host, procore_emu, graph_desc)
