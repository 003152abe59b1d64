"""The commitment PDF export through RecordsApi: one non-blocking poll per call, never a sleep.

Against a MockTransport handler standing for Procore's v2.0 export (POST 202, GET 404 before it is asked
for, 202 while it runs, 302 once the PDF is made)."""

from __future__ import annotations

import time

import httpx
import pytest

from shared import errors
from shared.procore.downloads import Downloader
from shared.procore.records import SPECS_BY_KIND, RecordsApi, ToolRecord
from tests.unit.procore.test_paging_and_downloads import API, session_for

SPEC = SPECS_BY_KIND["purchase_order_contracts"]
EXPORT = "/rest/v2.0/companies/1/projects/101/commitment_contracts/7/pdf"


def _api(state: dict[str, int], seen: list[httpx.Request]) -> RecordsApi:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == EXPORT
        if request.method == "POST":
            state["started"] = 1
            return httpx.Response(202, json={"data": {"status": "pending"}})
        if not state.get("started"):
            return httpx.Response(404, json={"errors": "Not Found"})
        state["polls"] = state.get("polls", 0) + 1
        if state["polls"] <= state["pending"]:
            return httpx.Response(202, json={"data": {"status": "pending"}})
        return httpx.Response(302, headers={"Location": "https://storage.test/po-7.pdf"})

    session = session_for(handler, seen)
    return RecordsApi(session, Downloader(session))


def test_each_call_is_one_poll_that_answers_at_once_until_the_export_is_ready(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"the client slept {seconds} s waiting for Procore")

    monkeypatch.setattr(time, "sleep", no_sleep)
    seen: list[httpx.Request] = []
    api = _api({"pending": 2}, seen)
    record = ToolRecord(id=7)
    with pytest.raises(errors.Unavailable, match="started"):          # not asked for yet: started
        api.pdf_url(SPEC, 101, record)
    assert [r.method for r in seen] == ["GET", "POST"]
    for _ in range(2):                                               # still running: back to the queue
        with pytest.raises(errors.Unavailable, match="not ready"):
            api.pdf_url(SPEC, 101, record)
    assert [r.method for r in seen] == ["GET", "POST", "GET", "GET"]   # one request per poll, no loop
    assert api.pdf_url(SPEC, 101, record) == API + EXPORT             # made: the redirecting export URL
    assert len(seen) == 5
