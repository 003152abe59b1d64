"""Fixtures: a Procore emulator on loopback (in this process) and product clients pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from emulators.procore.server import RunningEmulator, start
from shared.procore.auth import ClientCredentials, TokenCache
from shared.procore.client import ProcoreClient, ProcoreConnection
from shared.procore.retry import RetryPolicy

GENEROUS = {"rate_spike_limit": 1_000_000, "rate_hourly_limit": 10_000_000}


class Control:
    """The emulator's /_emulator/ surface."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url + "/_emulator"

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        r = httpx.post(self.base + path, json=body or {}, timeout=30)
        r.raise_for_status()
        return r.json()

    def get(self, path: str) -> Any:
        r = httpx.get(self.base + path, timeout=30)
        r.raise_for_status()
        return r.json()

    def config(self, **values: Any) -> Any:
        return self.post("/config", values)

    def statuses(self, client_id: str, route: str | None = None) -> dict[str, int]:
        entry = self.get("/stats")["by_client"].get(client_id, {})
        if route is None:
            return dict(entry.get("statuses", {}))
        out: dict[str, int] = {}
        for key, r in entry.get("routes", {}).items():
            if key.split(" ", 1)[1] == route:
                for s, n in r["statuses"].items():
                    out[s] = out.get(s, 0) + n
        return out


@pytest.fixture(scope="session")
def emu() -> Iterator[RunningEmulator]:
    """One emulator for read-mostly tests (generous limits)."""
    running = start(size="small", config=GENEROUS)
    yield running
    running.stop()


@pytest.fixture()
def fresh_emu() -> Iterator[RunningEmulator]:
    """A private emulator for tests that change limits, tokens or faults."""
    running = start(size="small", config=GENEROUS)
    yield running
    running.stop()


def control_of(e: RunningEmulator) -> Control:
    return Control(e.base_url)


@pytest.fixture()
def control(emu: RunningEmulator) -> Control:
    return control_of(emu)


def connect(e: RunningEmulator, who: str = "app", **kwargs: Any) -> ProcoreClient:
    d = e.descriptor
    conn = ProcoreConnection(
        base_url=d["base_url"], login_url=d["login_url"], company_id=d["company_id"],
        credentials=ClientCredentials(client_id=d[who]["client_id"], client_secret=d[who]["client_secret"]),
    )
    kwargs.setdefault("tokens", TokenCache())
    kwargs.setdefault("policy", RetryPolicy(max_inline_wait_s=10))
    return ProcoreClient.connect(conn, **kwargs)


@pytest.fixture()
def client_factory(emu: RunningEmulator) -> Iterator[Callable[..., ProcoreClient]]:
    made: list[ProcoreClient] = []

    def make(who: str = "app", target: RunningEmulator | None = None, **kwargs: Any) -> ProcoreClient:
        c = connect(target or emu, who, **kwargs)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


@pytest.fixture()
def app_client(client_factory: Callable[..., ProcoreClient]) -> ProcoreClient:
    return client_factory("app")


@pytest.fixture()
def user_client(client_factory: Callable[..., ProcoreClient]) -> ProcoreClient:
    return client_factory("user")


def raw_token(e: RunningEmulator, who: str = "app") -> str:
    d = e.descriptor
    r = httpx.post(d["login_url"] + "/oauth/token", data={
        "grant_type": "client_credentials", "client_id": d[who]["client_id"], "client_secret": d[who]["client_secret"],
    })
    r.raise_for_status()
    return str(r.json()["access_token"])
