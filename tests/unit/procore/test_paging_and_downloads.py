"""Paginators and the downloader's redirect handling, against MockTransport handlers."""

from __future__ import annotations

import hashlib
import io

import httpx

from shared.procore.auth import ClientCredentials, TokenProvider
from shared.procore.downloads import Downloader
from shared.procore.paging import CursorPaginator, PageNumberPaginator, iterate, updated_between
from shared.procore.session import ProcoreSession

API = "https://api.procore.test"


def session_for(handler, seen: list[httpx.Request]) -> ProcoreSession:
    def transport(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "T", "expires_in": 5400})
        seen.append(request)
        return handler(request)

    http = httpx.Client(transport=httpx.MockTransport(transport))
    tokens = TokenProvider(http, "https://login.procore.test", ClientCredentials(client_id="a", client_secret="b"))
    return ProcoreSession(http, base_url=API, company_id=1, tokens=tokens)


def test_page_number_paging_follows_link_next_until_absent() -> None:
    data = list(range(23))

    def handler(request: httpx.Request) -> httpx.Response:
        page, per = int(request.url.params["page"]), int(request.url.params["per_page"])
        headers = {"Total": "23", "Per-Page": str(per)}
        if page * per < 23:
            headers["Link"] = f'<{API}/x?page={page + 1}&per_page={per}>; rel="next"'
        return httpx.Response(200, json=data[(page - 1) * per: page * per], headers=headers)

    seen: list[httpx.Request] = []
    got = list(iterate(session_for(handler, seen), "/x", route="/x", parse=int,
                       paginator=PageNumberPaginator(per_page=10)))
    assert got == data and len(seen) == 3


def test_page_number_paging_falls_back_to_total() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        return httpx.Response(200, json=[page] * (5 if page < 3 else 2), headers={"Total": "12", "Per-Page": "5"})

    got = list(iterate(session_for(handler, []), "/x", route="/x", parse=int,
                       paginator=PageNumberPaginator(per_page=5)))
    assert got == [1] * 5 + [2] * 5 + [3] * 2


def test_cursor_paging_uses_the_last_id() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params.get("page_start", 0))
        return httpx.Response(200, json=[{"id": i} for i in range(start + 1, min(start + 3, 7) + 1)])

    got = list(iterate(session_for(handler, []), "/d", route="/d", parse=lambda x: x["id"],
                       paginator=CursorPaginator(page_size=3)))
    assert got == [1, 2, 3, 4, 5, 6, 7]


def test_updated_between_is_a_closed_range_with_lag() -> None:
    from datetime import datetime, timezone
    value = updated_between(datetime(2026, 5, 1, 12, 0, 10, tzinfo=timezone.utc),
                            datetime(2026, 5, 1, 13, 0, 0, tzinfo=timezone.utc))
    assert value == "2026-05-01T12:00:08Z...2026-05-01T13:00:00Z"


def test_download_follows_redirects_and_sends_the_token_only_to_the_api_host() -> None:
    body = b"x" * 300_000

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "api.procore.test":
            return httpx.Response(302, headers={"Location": "https://s3.example.test/b/key?sig=1"})
        if "authorization" in request.headers:
            return httpx.Response(400, text="<Error><Code>InvalidArgument</Code></Error>")
        return httpx.Response(200, content=body, headers={"Content-Length": str(len(body))})

    seen: list[httpx.Request] = []
    sink = io.BytesIO()
    result = Downloader(session_for(handler, seen), chunk_bytes=65536).download_to(f"{API}/api/v5/files/1", sink)
    assert sink.getvalue() == body and result.sha256 == hashlib.sha256(body).hexdigest()
    assert [("authorization" in r.headers) for r in seen] == [True, False]


def test_an_expired_storage_url_is_fetched_afresh_from_the_first_hop() -> None:
    storage_calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "api.procore.test":
            return httpx.Response(302, headers={"Location": "https://s3.example.test/b/key?sig=1"})
        storage_calls["n"] += 1
        if storage_calls["n"] == 1:
            return httpx.Response(403, text="<Error><Code>AccessDenied</Code><Message>Request has expired</Message>")
        return httpx.Response(200, content=b"fresh")

    seen: list[httpx.Request] = []
    sink = io.BytesIO()
    Downloader(session_for(handler, seen)).download_to(f"{API}/api/v5/files/1", sink)
    assert sink.getvalue() == b"fresh"
    assert [r.url.host for r in seen] == ["api.procore.test", "s3.example.test"] * 2
