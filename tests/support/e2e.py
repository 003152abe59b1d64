"""End-to-end helpers: a whole local stack (devhost.stack.Stack), onboarding through the public API,
and both sides' trees read back through the public Procore and Graph APIs with the *user* identities.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

import httpx

from devhost.stack import Stack
from shared.graph import items as sp_items
from shared.graph.config import GraphConfig
from shared.graph.models import DriveItem
from shared.graph.quickxor import QuickXorHash
from shared.graph.session import GraphSession
from shared.procore.auth import ClientCredentials, TokenCache
from shared.procore.client import ProcoreClient, ProcoreConnection
from shared.procore.http import create_http_client
from shared.procore.scope import Scope

T = TypeVar("T")
NOTIFY = ["ops@example.com", "pm@example.com"]
ROOT_PATH = PurePosixPath("/")


def wait_for(probe: Callable[[], T | None], timeout: float, what: str, interval: float = 0.5) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


@dataclass
class Running:
    """A started stack and the clients tests use on it (closed by `stop()`)."""

    stack: Stack
    doc: dict[str, Any]
    _closers: list[Callable[[], None]] = field(default_factory=list)

    @cached_property
    def api(self) -> httpx.Client:
        client = httpx.Client(base_url=self.doc["functions_url"], timeout=60)
        self._closers.append(client.close)
        return client

    def stop(self) -> None:
        for close in self._closers:
            close()
        self.stack.stop()

    @property
    def procore_url(self) -> str:
        return str(self.doc["procore"]["base_url"])

    @property
    def graph_emulator_url(self) -> str:
        return str(self.doc["graph"]["emulator_url"])

    @property
    def site(self) -> dict[str, str]:
        return dict(self.doc["graph"]["sites"][0])

    def procore_client(self, who: str = "user") -> ProcoreClient:
        p = self.doc["procore"]
        creds = ClientCredentials(client_id=p[who]["client_id"], client_secret=p[who]["client_secret"])
        http = create_http_client()
        self._closers.append(http.close)
        return ProcoreClient.connect(ProcoreConnection(base_url=p["base_url"], login_url=p["login_url"],
                                                       company_id=p["company_id"], credentials=creds),
                                     http=http, tokens=TokenCache())

    def graph_session(self, who: str = "user") -> GraphSession:
        g = self.doc["graph"]
        session = GraphSession(GraphConfig(tenant_id=g["tenant_id"], client_id=g[who]["client_id"],
                                        client_secret=g[who]["client_secret"], authority=g["authority"],
                                        graph_url=g["base_url"], ca_file=self.doc.get("ca_file")))
        self._closers.append(session.close)
        return session

    def emulator(self, which: str, path: str, body: dict[str, Any] | None = None) -> Any:
        base = self.procore_url if which == "procore" else self.graph_emulator_url
        with httpx.Client(timeout=30) as http:
            resp = http.post(base + path, json=body) if body is not None else http.get(base + path)
            resp.raise_for_status()
            return resp.json() if resp.content else None


def start_stack(state_dir: Path, *, seed_size: str = "e2e", host_env: dict[str, str] | None = None) -> Running:
    stack = Stack(state_dir, seed_size=seed_size, host_env=host_env)
    try:
        doc = stack.start()
    except BaseException:
        stack.stop()
        raise
    return Running(stack, doc)


@dataclass
class Onboarded:
    tenant_id: str
    api_key: str
    link_id: str
    folder_path: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


def onboard(run: Running, project_id: int = 101, *, initial_sync: str = "standard") -> Onboarded:
    """POST /api/tenants (operator key) then POST .../links (tenant key), as a customer's admin would."""
    p, g = run.doc["procore"], run.doc["graph"]
    api = run.api
    tenant = api.post("/api/tenants", headers={"x-functions-key": run.doc["admin_key"]}, json={
        "name": "Acme Builders",
        "procore": {"company_id": p["company_id"], "client_id": p["app"]["client_id"],
                    "client_secret": p["app"]["client_secret"], "base_url": p["base_url"],
                    "login_url": p["login_url"]},
        "microsoft": {"tenant_id": g["tenant_id"], "client_id": g["app"]["client_id"],
                      "client_secret": g["app"]["client_secret"], "graph_url": g["base_url"],
                      "authority": g["authority"]},
        "notify": NOTIFY,
    })
    assert tenant.status_code == 201, tenant.text
    body = tenant.json()
    folder = f"Projects/Riverside {uuid.uuid4().hex[:6]}"
    link = api.post(f"/api/tenants/{body['tenant_id']}/links",
                    headers={"Authorization": f"Bearer {body['api_key']}"},
                    json={"procore_project_id": project_id, "initial_sync": initial_sync,
                          "sharepoint": {"site_id": run.site["id"], "drive_id": run.site["drive_id"],
                                         "folder_path": folder},
                          "tools": {"documents": "two_way"}})
    assert link.status_code == 202, link.text
    return Onboarded(body["tenant_id"], body["api_key"], link.json()["link_id"], folder)


def link_status(run: Running, ob: Onboarded) -> dict[str, Any]:
    resp = run.api.get(f"/api/tenants/{ob.tenant_id}/links/{ob.link_id}", headers=ob.auth)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def wait_regular(run: Running, ob: Onboarded, timeout: float = 400) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        status = link_status(run, ob)
        assert status["stage"] not in ("failed", "paused"), status
        return status if status["stage"] == "regular" else None

    return wait_for(done, timeout, "the initial sync to complete", interval=1.0)


@dataclass(frozen=True)
class Node:
    kind: str          # "file" | "folder"
    id: str
    name: str
    parent: str | None
    size: int = 0


def procore_tree(client: ProcoreClient, project_id: int) -> tuple[dict[str, Node], str]:
    """Every live folder/file of the project's Documents by id, and the root folder id."""
    scope = Scope.project(project_id)
    root = client.documents.root(scope, exclude_files=True)
    nodes: dict[str, Node] = {}
    for item in client.documents.list_documents(scope, sort="created_at"):
        if item.is_deleted or item.is_recycle_bin:
            continue
        size = 0
        if item.file is not None and item.file.current_version is not None:
            size = item.file.current_version.size or 0
        nodes[str(item.id)] = Node("folder" if item.is_folder else "file", str(item.id), item.name,
                                   str(item.parent_id) if item.parent_id is not None else None, size)
    return nodes, str(root.id)


def procore_path(nodes: dict[str, Node], root_id: str, node: Node) -> list[Node]:
    chain = [node]
    while chain[-1].parent not in (None, root_id):
        chain.append(nodes[chain[-1].parent])  # type: ignore[index]
    return list(reversed(chain))


def sp_tree(session: GraphSession, drive_id: str, folder_id: str,
            prefix: PurePosixPath = ROOT_PATH) -> Iterator[tuple[PurePosixPath, DriveItem]]:
    for child in sp_items.iter_children(session, drive_id, folder_id):
        path = prefix / (child.name or "")
        yield path, child
        if child.is_folder:
            yield from sp_tree(session, drive_id, child.id, path)


def quickxor_of(chunks: Iterator[bytes]) -> str:
    h = QuickXorHash()
    for chunk in chunks:
        h.update(chunk)
    return h.b64digest()


def sent_mail(run: Running) -> list[dict[str, Any]]:
    """Messages in the notification mailbox's Sent Items, through the standard messages API."""
    g = run.doc["graph"]
    session = run.graph_session("app")
    resp = session.request("GET", f"/users/{g['mailbox']}/mailFolders/sentitems/messages",
                           route="/users/{id}/mailFolders/sentitems/messages")
    return list(resp.json().get("value", []))
