"""ProcoreSession against httpx.MockTransport handlers: headers, retries, token refresh, errors."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from shared import errors
from shared.procore.auth import ClientCredentials, TokenProvider
from shared.procore.retry import RetryPolicy
from shared.procore.session import ProcoreSession

API = "https://api.procore.test"
LOGIN = "https://login.procore.test"


class Clock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.slept.append(s)
        self.t += s


def make(handler: Callable[[httpx.Request], httpx.Response], clock: Clock | None = None,
         policy: RetryPolicy | None = None) -> tuple[ProcoreSession, list[httpx.Request], TokenProvider]:
    clock = clock or Clock()
    seen: list[httpx.Request] = []
    tokens = {"n": 0}

    def transport(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/oauth/token":
            tokens["n"] += 1
            return httpx.Response(200, json={"access_token": f"tok{tokens['n']}", "token_type": "bearer",
                                             "expires_in": 5400, "created_at": 0})
        return handler(request)

    http = httpx.Client(transport=httpx.MockTransport(transport))
    provider = TokenProvider(http, LOGIN, ClientCredentials(client_id="id", client_secret="s"), clock=clock)
    session = ProcoreSession(http, base_url=API, company_id=42, tokens=provider, sleep=clock.sleep, clock=clock,
                             policy=policy or RetryPolicy(max_inline_wait_s=60))
    return session, seen, provider


def api_calls(seen: list[httpx.Request]) -> list[httpx.Request]:
    return [r for r in seen if r.url.path != "/oauth/token"]


def test_every_api_call_carries_token_and_company_header() -> None:
    session, seen, _ = make(lambda r: httpx.Response(200, json={"ok": True}))
    assert session.get_json("/rest/v1.0/me") == {"ok": True}
    call = api_calls(seen)[0]
    assert call.headers["Authorization"] == "Bearer tok1" and call.headers["Procore-Company-Id"] == "42"


def test_token_is_reused_and_refreshed_before_expiry() -> None:
    clock = Clock()
    session, seen, provider = make(lambda r: httpx.Response(200, json={}), clock)
    session.get_json("/a")
    session.get_json("/b")
    assert provider.fetch_count == 1
    clock.t += 5400 - 299                                   # inside the 300 s margin
    session.get_json("/c")
    assert provider.fetch_count == 2 and api_calls(seen)[-1].headers["Authorization"] == "Bearer tok2"


def test_401_refreshes_once_then_succeeds() -> None:
    answers = iter([httpx.Response(401, json={"errors": "The access token is invalid"}), httpx.Response(200, json={})])
    session, seen, provider = make(lambda r: next(answers))
    session.get_json("/a")
    assert provider.fetch_count == 2
    assert [r.headers["Authorization"] for r in api_calls(seen)] == ["Bearer tok1", "Bearer tok2"]


def test_401_twice_is_bad_credentials() -> None:
    session, _, _ = make(lambda r: httpx.Response(401, json={}))
    with pytest.raises(errors.BadCredentials):
        session.get_json("/a")


def test_429_waits_for_reset_then_retries_any_method() -> None:
    clock = Clock()
    answers = iter([httpx.Response(429, headers={"Retry-After": "3", "X-Rate-Limit-Limit": "25",
                                                 "X-Rate-Limit-Remaining": "0",
                                                 "X-Rate-Limit-Reset": str(int(clock.t) + 3)}),
                    httpx.Response(201, json={"id": 1})])
    session, seen, _ = make(lambda r: next(answers), clock)
    assert session.request("POST", "/rest/v1.0/folders", json={"folder": {"name": "x"}}).json() == {"id": 1}
    assert len(api_calls(seen)) == 2 and sum(clock.slept) >= 3


def test_500_is_retried_for_get_but_not_for_post() -> None:
    answers = iter([httpx.Response(500), httpx.Response(200, json={})])
    session, _, _ = make(lambda r: next(answers), policy=RetryPolicy(base_backoff_s=0.01))
    session.get_json("/a")
    session2, seen2, _ = make(lambda r: httpx.Response(500), policy=RetryPolicy(base_backoff_s=0.01))
    with pytest.raises(errors.Unavailable):
        session2.request("POST", "/a", json={})
    assert len(api_calls(seen2)) == 1


def test_connect_error_is_retried_even_for_post() -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(201, json={})

    session, _, _ = make(handler, policy=RetryPolicy(base_backoff_s=0.01))
    session.request("POST", "/a", json={})
    assert calls["n"] == 2


def test_long_retry_after_raises_throttled() -> None:
    session, _, _ = make(lambda r: httpx.Response(503, headers={"Retry-After": "600"}),
                         policy=RetryPolicy(max_inline_wait_s=5))
    with pytest.raises(errors.Throttled) as caught:
        session.get_json("/a")
    assert caught.value.retry_after == pytest.approx(600, abs=1)


def test_errors_map_to_the_tree() -> None:
    for status, kind in [(403, errors.PermissionDenied), (404, errors.NotFound), (409, errors.Conflict),
                         (422, errors.InvariantBroken)]:
        session, _, _ = make(lambda r, s=status: httpx.Response(s, text=json.dumps({"errors": "x"})))
        with pytest.raises(kind):
            session.get_json("/a")


def test_404_on_delete_counts_as_done() -> None:
    session, _, _ = make(lambda r: httpx.Response(404))
    session.request("DELETE", "/rest/v1.0/folders/1")


def test_external_requests_get_neither_token_nor_company_header() -> None:
    session, seen, _ = make(lambda r: httpx.Response(200))
    session.request("PUT", "https://storage.example.test/bucket/key", external=True, build=lambda: {"content": b"x"})
    assert "authorization" not in seen[-1].headers and "procore-company-id" not in seen[-1].headers
