"""The upload client reads nextExpectedRanges in both forms the service uses ("26-" and the closed
"26-99"), resumes where the service says, and sends no token to the uploadUrl's host. No network:
httpx.MockTransport plays Graph and a SharePoint host (style R5)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest

from shared import errors
from shared.graph import upload
from shared.graph.auth import TokenProvider
from shared.graph.config import GraphConfig
from shared.graph.quickxor import QuickXorHash
from shared.graph.session import GraphSession

AUTHORITY = "https://login.example.test/tenant-1"
UPLOAD_URL = "https://contoso.sharepoint.example/_api/v2.0/drives/d/items/p/uploadSession?guid='g'&tempauth=t"
UNIT = upload.FRAGMENT_UNIT


@pytest.mark.parametrize("ranges,expected", [
    (["26-"], 26), (["26-99"], 26), ([" 26-99 "], 26), (["40-99", "26-30"], 26), (["0-"], 0),
])
def test_next_offset_reads_both_forms(ranges: list[str], expected: int) -> None:
    assert upload.next_offset(ranges, 100) == expected


@pytest.mark.parametrize("ranges", [[], ["x-"], ["26"], ["-26"], ["26-1x"], ["30-20"], ["100-"], ["26-100"]])
def test_next_offset_refuses_what_it_cannot_use(ranges: list[str]) -> None:
    with pytest.raises(errors.InvariantBroken):
        upload.next_offset(ranges, 100)


class FakeSharePoint:
    """createUploadSession on Graph; an uploadUrl that keeps only part of one fragment and answers
    closed ranges ("start-end") or open ones ("start-")."""

    def __init__(self, size: int, closed: bool, keep_of_second: int) -> None:
        self.size, self.closed, self.keep = size, closed, keep_of_second
        self.data = bytearray()
        self.puts: list[str] = []
        self.upload_auth: list[str | None] = []

    def _ranges(self) -> list[str]:
        end = f"{self.size - 1}" if self.closed else ""
        return [f"{len(self.data)}-{end}"]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/.well-known/openid-configuration"):
            return httpx.Response(200, json={"token_endpoint": f"{AUTHORITY}/oauth2/v2.0/token",
                                             "authorization_endpoint": f"{AUTHORITY}/oauth2/v2.0/authorize",
                                             "issuer": f"{AUTHORITY}/v2.0"})
        if request.url.path.endswith("/oauth2/v2.0/token"):
            return httpx.Response(200, json={"token_type": "Bearer", "expires_in": 3599,
                                             "ext_expires_in": 3599, "access_token": "tok"})
        if request.url.path.endswith("/createUploadSession"):
            assert request.headers["Authorization"] == "Bearer tok"
            return httpx.Response(200, json={"uploadUrl": UPLOAD_URL, "nextExpectedRanges": ["0-"]})
        assert request.url.host == "contoso.sharepoint.example"
        self.upload_auth.append(request.headers.get("Authorization"))
        if request.method == "GET":
            return httpx.Response(200, json={"nextExpectedRanges": self._ranges()})
        m = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", request.headers["Content-Range"])
        assert m is not None and int(m.group(3)) == self.size
        start, end = int(m.group(1)), int(m.group(2))
        body = request.read()
        assert start == len(self.data) and len(body) == end - start + 1
        self.puts.append(f"{start}-{end}")
        if len(self.puts) == 2:                 # the service kept only part of this fragment
            self.data += body[: self.keep]
            return httpx.Response(503, headers={"Retry-After": "0"},
                                  json={"error": {"code": "serviceNotAvailable", "message": "x"}})
        self.data += body
        if len(self.data) < self.size:
            return httpx.Response(202, json={"nextExpectedRanges": self._ranges()})
        return httpx.Response(201, json={"id": "01NEW", "name": "f.bin", "size": self.size})


def _session(fake: FakeSharePoint) -> GraphSession:
    transport = httpx.MockTransport(fake)
    config = GraphConfig(tenant_id="tenant-1", client_id=str(uuid.uuid4()), client_secret="s",
                         authority=AUTHORITY, graph_url="https://graph.example.test/v1.0")
    return GraphSession(config, http=httpx.Client(transport=transport),
                        tokens=TokenProvider(config, transport=transport), sleep=lambda _s: None)


@pytest.mark.parametrize("closed", [True, False])
def test_resumes_where_the_service_says(tmp_path: Path, closed: bool) -> None:
    src = tmp_path / "f.bin"
    payload = bytes(range(256)) * (5 * UNIT // 256) + b"tail"
    src.write_bytes(payload)
    fake = FakeSharePoint(len(payload), closed, keep_of_second=1234)
    with _session(fake) as session:
        done = upload.upload_new(session, "d", "p", "f.bin", src, fragment=2 * UNIT, simple_max=0)
    assert done.item is not None and done.item.id == "01NEW"
    assert bytes(fake.data) == payload
    resumed_at = 2 * UNIT + 1234
    assert fake.puts == [f"0-{2 * UNIT - 1}", f"{2 * UNIT}-{4 * UNIT - 1}",
                         f"{resumed_at}-{min(resumed_at + 2 * UNIT, len(payload)) - 1}",
                         *([f"{resumed_at + 2 * UNIT}-{len(payload) - 1}"]
                           if resumed_at + 2 * UNIT < len(payload) else [])]
    assert fake.upload_auth and set(fake.upload_auth) == {None}   # no token to the SharePoint host


def test_a_bounded_range_stops_at_its_end_and_the_next_goes_on_from_the_session(tmp_path: Path) -> None:
    """send_range (one step of a large upload): it sends only [start, end), resumes inside it after a
    failure, returns where the session expects the next byte, and the last range commits the item."""
    payload = bytes(range(256)) * (6 * UNIT // 256) + b"tail"
    fake = FakeSharePoint(len(payload), closed=True, keep_of_second=777)

    def read(start: int, length: int) -> list[bytes]:
        return [payload[start:start + length]]

    with _session(fake) as session:
        first = upload.send_range(session, UPLOAD_URL, len(payload), 0, 3 * UNIT, read, fragment=2 * UNIT)
        assert first == 3 * UNIT and bytes(fake.data) == payload[:3 * UNIT]
        assert fake.puts == [f"0-{2 * UNIT - 1}", f"{2 * UNIT}-{3 * UNIT - 1}",       # the range's end
                             f"{2 * UNIT + 777}-{3 * UNIT - 1}"]                      # resumed inside it
        last = upload.send_range(session, UPLOAD_URL, len(payload), first, len(payload), read, fragment=2 * UNIT)
    assert not isinstance(last, int) and last.id == "01NEW"
    assert bytes(fake.data) == payload


def test_content_other_than_a_file_is_uploaded_and_hashed_once(tmp_path: Path) -> None:
    """upload_new takes any re-readable content (the staging blob in production), re-sending a range
    without hashing it twice."""
    payload = bytes(range(256)) * (5 * UNIT // 256) + b"tail"

    class Content:
        size = len(payload)

        def read(self, start: int, length: int) -> list[bytes]:
            return [payload[start:start + length]]

    fake = FakeSharePoint(len(payload), closed=False, keep_of_second=99)
    with _session(fake) as session:
        done = upload.upload_new(session, "d", "p", "f.bin", Content(), fragment=2 * UNIT, simple_max=0)
    assert bytes(fake.data) == payload
    assert done.quick_xor_hash == QuickXorHash(payload).b64digest()
