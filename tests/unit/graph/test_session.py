"""GraphSession's retry policy over httpx.MockTransport (style R5: the injected transport is the
seam), including MSAL's discovery and token calls through the same transport. No network."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable

import httpx
import pytest

from shared import errors
from shared.graph.auth import TokenProvider
from shared.graph.config import GraphConfig
from shared.graph.session import GraphSession

AUTHORITY = "https://login.example.test/tenant-1"


NOW = dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc)


def _session(graph: Callable[[httpx.Request], httpx.Response],
             sleeps: list[float]) -> tuple[GraphSession, list[str]]:
    issued: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/.well-known/openid-configuration"):
            return httpx.Response(200, json={
                "token_endpoint": f"{AUTHORITY}/oauth2/v2.0/token",
                "authorization_endpoint": f"{AUTHORITY}/oauth2/v2.0/authorize",
                "issuer": f"{AUTHORITY}/v2.0"})
        if request.url.path.endswith("/oauth2/v2.0/token"):
            token = f"tok-{len(issued)}"
            issued.append(token)
            return httpx.Response(200, json={"token_type": "Bearer", "expires_in": 3599,
                                             "ext_expires_in": 3599, "access_token": token})
        return graph(request)

    transport = httpx.MockTransport(handler)
    config = GraphConfig(tenant_id="tenant-1", client_id=str(uuid.uuid4()), client_secret="s",
                         authority=AUTHORITY, graph_url="https://graph.example.test/v1.0")
    session = GraphSession(config, http=httpx.Client(transport=transport),
                           tokens=TokenProvider(config, transport=transport), sleep=sleeps.append,
                           clock=lambda: NOW)
    return session, issued


def test_401_refreshes_the_token_once() -> None:
    seen: list[str] = []

    def graph(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        if len(seen) == 1:
            return httpx.Response(401, json={"error": {"code": "InvalidAuthenticationToken", "message": "x"}})
        return httpx.Response(200, json={"id": "s"})

    session, issued = _session(graph, [])
    assert session.request("GET", "/sites/s", route="/sites/{site-id}").json() == {"id": "s"}
    assert issued == ["tok-0", "tok-1"] and seen == ["Bearer tok-0", "Bearer tok-1"]


def test_transport_errors_retry_reads_but_not_posts() -> None:
    calls: list[str] = []

    def graph(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if len(calls) < 3:
            raise httpx.ConnectError("boom", request=request)
        return httpx.Response(200, json={})

    sleeps: list[float] = []
    session, _ = _session(graph, sleeps)
    session.request("GET", "/x", route="/x")
    assert calls == ["GET", "GET", "GET"] and len(sleeps) == 2
    calls.clear()
    with pytest.raises(errors.Unavailable):
        session.request("POST", "/x", route="/x", json={})
    assert calls == ["POST"]


def test_retry_after_drives_the_wait_and_the_state() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "3"},
                                   json={"error": {"code": "activityLimitReached"}}),
                    httpx.Response(200, content=json.dumps({"ok": 1}).encode())])
    sleeps: list[float] = []
    session, _ = _session(lambda r: next(answers), sleeps)
    session.request("POST", "/subscriptions", route="/subscriptions", json={})
    assert sleeps == [3.0] and session.throttle.throttle_events == 1
