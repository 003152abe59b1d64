"""A started local stack (devhost.stack.Stack) and the clients used on it: the status API, Procore
and Graph clients for either identity (`app`, the product's; `user`, a person's), and the emulators'
test-only `/_emulator/` surface.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import httpx

from devhost.stack import Stack
from shared.graph.config import GraphConfig
from shared.graph.session import GraphSession
from shared.procore.auth import ClientCredentials, TokenCache
from shared.procore.client import ProcoreClient, ProcoreConnection
from shared.procore.http import create_http_client


@dataclass
class Running:
    """A started stack and the clients used on it (closed by `stop()`)."""

    stack: Stack
    doc: dict[str, Any]
    _closers: list[Callable[[], None]] = field(default_factory=list)

    @cached_property
    def api(self) -> httpx.Client:
        client = httpx.Client(base_url=self.doc["functions_url"], timeout=60)
        self._closers.append(client.close)
        return client

    def close_clients(self) -> None:
        while self._closers:
            self._closers.pop()()

    def stop(self) -> None:
        self.close_clients()
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
        """GET (or POST `body` to) `path` on the `procore` or `graph` emulator."""
        base = self.procore_url if which == "procore" else self.graph_emulator_url
        with httpx.Client(timeout=30) as http:
            resp = http.post(base + path, json=body) if body is not None else http.get(base + path)
            resp.raise_for_status()
            return resp.json() if resp.content else None


def start_stack(state_dir: Path, *, seed_size: str = "e2e", host_env: dict[str, str] | None = None) -> Running:
    """Start the whole stack in `state_dir`; on any failure (or Ctrl-C) the started parts are stopped.
    The emulators keep their state in memory (a run here is never restarted on the same dir; saving each
    write slowed a busy Procore emulator until a test's own token request timed out); `./dev stack` saves it."""
    stack = Stack(state_dir, seed_size=seed_size, host_env=host_env, persist=False)
    try:
        doc = stack.start()
    except BaseException:
        stack.stop()
        raise
    return Running(stack, doc)
