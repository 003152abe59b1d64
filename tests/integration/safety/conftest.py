"""The safety-net steps in this process, against Azurite and both emulators over real HTTP.

Links are created through the product's own onboarding code (hook, triggers, subscription and delta
cursor registered for real); a small local receiver plays our public webhook endpoint (it answers
Graph's validation handshake and accepts deliveries). Steps run through shared.sync.dispatch exactly
as the queue trigger runs them; their follow-up messages are read back from this module's own queues.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.queue import QueueClient
from cryptography.fernet import Fernet
from pydantic import BaseModel

from demo.onboarding import DOCUMENTS_ONLY
from emulators.graph import EmulatorConfig, GraphEmulator, start_emulator
from emulators.procore.server import RunningEmulator, start
from shared.config import load_settings
from shared.graph.config import GraphConfig
from shared.graph.session import GraphSession
from shared.models.api import CreateLinkRequest, CreateTenantRequest
from shared.models.messages import DETECT, Lane, StartInitialSync
from shared.models.rows import LinkRow, TenantRow
from shared.onboarding.links import create_link
from shared.onboarding.tenants import create_tenant
from shared.procore.auth import ClientCredentials, TokenCache
from shared.procore.client import ProcoreClient, ProcoreConnection
from shared.runtime import Services
from shared.sync import dispatch
from shared.sync.context import LinkContext, load_context
from tests.support.queues import drain

GRAPH_FAST = {"notification_batch_window_s": 0.05, "notification_retry_base_s": 0.2,
              "notification_retry_window_s": 2.0, "notification_timeout_s": 3.0, "validation_timeout_s": 5.0}
PROCORE_GENEROUS = {"rate_spike_limit": 1_000_000, "rate_hourly_limit": 10_000_000}
PROJECT = 101


class Receiver:
    """Our public endpoint, played locally: echoes validation tokens, accepts every delivery."""

    def __init__(self) -> None:
        self.validations = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                token = parse_qs(urlsplit(self.path).query).get("validationToken")
                body = token[0].encode() if token else b""
                outer.validations += 1 if token else 0
                self.send_response(200 if token else 202)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Env:
    services: Services
    graph_emu: GraphEmulator
    procore_emu: RunningEmulator
    receiver: Receiver
    tenant: TenantRow
    site: dict[str, str]

    @property
    def repos(self) -> Any:
        return self.services.repos

    def new_link(self, **tools: str) -> LinkRow:
        request = CreateLinkRequest.model_validate({
            "procore_project_id": PROJECT, "initial_sync": "standard",
            "sharepoint": {"site_id": self.site["id"], "drive_id": self.site["drive_id"],
                           "folder_path": f"Safety/{uuid.uuid4().hex[:8]}"},
            "tools": {**DOCUMENTS_ONLY, **tools}})   # every tool not named is off
        link_id = create_link(self.services, self.tenant, request, self.receiver.base_url)
        return self.link(link_id)

    def link(self, link_id: str) -> LinkRow:
        stored = self.repos.links.get(self.tenant.tenant_id, link_id)
        assert stored is not None
        return stored.row  # type: ignore[no-any-return]

    def run(self, message: BaseModel) -> None:
        """One delivery of a detect-queue message, through the real dispatcher."""
        queue = self.services.settings.queue_live
        dispatch.handle(self.services, queue, message.model_dump_json(), DETECT, delivery_id=uuid.uuid4().hex)

    def take(self, queue: str | None = None) -> list[dict[str, Any]]:
        """Every message now on `queue` (the live queue by default), removed and decoded."""
        return drain(self.services.settings.storage.connection_string or "", queue or self.services.settings.queue_live)

    def live_context(self, *, started: bool = False) -> LinkContext:
        """A new link as a live-lane context; `started`: its initial sync started (its tool roots exist)."""
        link = self.new_link()
        self.take(self.services.settings.queue_initial_sync if started else None)
        if started:
            self.run(StartInitialSync(tenant_id=link.tenant_id, link_id=link.link_id))
            self.take(self.services.settings.queue_initial_sync)
        ctx = load_context(self.services, link.tenant_id, link.link_id, Lane.LIVE)
        assert ctx is not None
        return ctx

    def take_until(self, wanted: Callable[[list[dict[str, Any]]], bool], timeout: float = 20.0,
                   queue: str | None = None) -> list[dict[str, Any]]:
        """Messages taken off `queue` (the live queue by default) until `wanted(all taken so far)` (delayed
        ones included)."""
        found: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while not wanted(found := found + self.take(queue)):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; taken so far: {found}")
            time.sleep(0.5)
        return found

    def invisible(self, queue: str | None = None) -> int:
        """Messages still on `queue` after take(): the ones sent with a visibility delay."""
        client = QueueClient.from_connection_string(self.services.settings.storage.connection_string or "",
                                                    queue or self.services.settings.queue_live)
        try:
            return int(client.get_queue_properties().approximate_message_count or 0)
        except ResourceNotFoundError:
            return 0
        finally:
            client.close()

    def graph_emulator(self, path: str, body: dict[str, Any] | None = None) -> Any:
        url = self.graph_emu.descriptor()["emulator_url"] + path
        with httpx.Client(timeout=30) as http:
            resp = http.post(url, json=body) if body is not None else http.get(url)
        resp.raise_for_status()
        return resp.json() if resp.content else None

    def procore_client(self, who: str) -> ProcoreClient:
        d = self.procore_emu.descriptor
        return ProcoreClient.connect(ProcoreConnection(
            base_url=d["base_url"], login_url=d["login_url"], company_id=d["company_id"],
            credentials=ClientCredentials(client_id=d[who]["client_id"], client_secret=d[who]["client_secret"])),
            tokens=TokenCache())

    def graph_session(self, who: str) -> GraphSession:
        d = self.graph_emu.descriptor()
        return GraphSession(GraphConfig(tenant_id=d["tenant_id"], client_id=d[who]["client_id"],
                                        client_secret=d[who]["client_secret"], authority=d["authority"],
                                        graph_url=d["base_url"], ca_file=d["ca_file"]))


@pytest.fixture(scope="module")
def env(azurite_conn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    config = EmulatorConfig()
    config.update(dict(GRAPH_FAST))
    graph_emu = start_emulator(tmp_path_factory.mktemp("graph-emu"), config=config)
    procore_emu = start(size="small", config=PROCORE_GENEROUS)
    receiver = Receiver()
    suffix = uuid.uuid4().hex[:8]
    gd, pd = graph_emu.descriptor(), procore_emu.descriptor
    settings = load_settings({
        "AzureWebJobsStorage": azurite_conn, "PCSYNC_LOCAL_SECRET_KEY": Fernet.generate_key().decode(),
        "PCSYNC_CA_FILE": gd["ca_file"], **{name: f"{queue}-{suffix}" for name, queue in (
            ("PCSYNC_QUEUE_LIVE", "safety-live"), ("PCSYNC_QUEUE_INITIAL_SYNC", "safety-initial"),
            ("PCSYNC_QUEUE_TRANSFER", "safety-transfer"), ("PCSYNC_QUEUE_TRANSFER_INITIAL", "safety-transfer-i"),
            ("PCSYNC_QUEUE_METADATA", "safety-metadata"), ("PCSYNC_QUEUE_METADATA_INITIAL", "safety-metadata-i"),
            ("PCSYNC_QUEUE_NOTIFY", "safety-notify"))}})
    services = Services(settings)
    created = create_tenant(services.repos, services.secrets, CreateTenantRequest.model_validate({
        "name": "Safety Net Builders",
        "procore": {"company_id": pd["company_id"], "client_id": pd["app"]["client_id"],
                    "client_secret": pd["app"]["client_secret"], "base_url": pd["base_url"],
                    "login_url": pd["login_url"]},
        "microsoft": {"tenant_id": gd["tenant_id"], "client_id": gd["app"]["client_id"],
                      "client_secret": gd["app"]["client_secret"], "graph_url": gd["base_url"],
                      "authority": gd["authority"]},
        "notify": ["ops@example.com"]}))
    tenant = services.repos.get_tenant(created.tenant_id)
    assert tenant is not None
    try:
        yield Env(services, graph_emu, procore_emu, receiver, tenant.row, gd["sites"][0])
    finally:
        _close(services)
        receiver.close()
        procore_emu.stop()
        graph_emu.stop()


def _close(services: Services) -> None:
    """Close the per-tenant API clients and storage connections this module's Services opened."""
    for client in [*services._procore.values(), *services._graph.values()]:
        client.close()
    for name in ("tables", "queues", "blobs"):
        if name in services.storage.__dict__:
            getattr(services.storage, name).close()
