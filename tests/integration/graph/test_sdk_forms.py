"""Request forms Microsoft's own SDKs send, in raw HTTP: a whole key percent-encoded into the item
(or site) segment, the function forms of delta, sendMail in PascalCase, an uploadUrl on another host
than the API (so a client that scopes its token to the API host works) and closed nextExpectedRanges.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest

from shared.graph import content, upload
from shared.graph.models import DriveItem
from shared.graph.session import GraphSession
from tests.integration.graph.conftest import write_file

UNIT = 320 * 1024


def _key(key: str) -> str:
    """How Kiota expands `{driveItem%2Did}`: every reserved character percent-encoded."""
    return quote(key, safe="")


# -- path addressing inside the item segment ---------------------------------------------------

def test_item_segment_with_encoded_path(raw: httpx.Client, drive_id: str, folder: DriveItem) -> None:
    made = raw.put(f"/drives/{drive_id}/items/{_key(f'{folder.id}:/a.txt:')}/content", content=b"abc")
    assert made.status_code == 201, made.text
    assert made.json()["name"] == "a.txt" and made.json()["parentReference"]["id"] == folder.id
    by_root = raw.get(f"/drives/{drive_id}/items/{_key(f'root:/{folder.name}/a.txt:')}")
    assert by_root.status_code == 200 and by_root.json()["id"] == made.json()["id"]
    no_colon = raw.get(f"/drives/{drive_id}/items/{_key(f'root:/{folder.name}/a.txt')}")
    assert no_colon.status_code == 200 and no_colon.json()["id"] == made.json()["id"]
    odd = "100% #1 (copy).txt"                                # each name is decoded exactly once
    put = raw.put(f"/drives/{drive_id}/items/{_key(f'{folder.id}:/{odd}:')}/content", content=b"x")
    assert put.status_code == 201 and put.json()["name"] == odd
    session = raw.post(f"/drives/{drive_id}/items/{_key(f'{folder.id}:/big.bin:')}/createUploadSession",
                       json={"item": {"@microsoft.graph.conflictBehavior": "fail"}})
    assert session.status_code == 200 and "uploadUrl" in session.json()
    missing = raw.get(f"/drives/{drive_id}/items/{_key(f'{folder.id}:/nope.txt:')}")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "itemNotFound"
    # an encoded ':' inside a name of a literal path stays a (forbidden) name character
    literal = raw.put(f"/drives/{drive_id}/items/{folder.id}:/{_key('a:b.txt')}:/content", content=b"x")
    assert literal.status_code == 400


def test_site_segment_with_encoded_path(raw: httpx.Client, desc: dict[str, Any]) -> None:
    site = desc["sites"][0]
    url = urlsplit(site["web_url"])
    literal = raw.get(f"/sites/{url.hostname}:{url.path}")
    encoded = raw.get(f"/sites/{_key(f'{url.hostname}:{url.path}:')}")
    assert literal.status_code == encoded.status_code == 200
    assert encoded.json()["id"] == literal.json()["id"] == site["id"]
    drives = raw.get(f"/sites/{_key(f'{url.hostname}:{url.path}:')}/drives")
    assert drives.status_code == 200 and site["drive_id"] in {d["id"] for d in drives.json()["value"]}


# -- delta as a function -------------------------------------------------------------------------

def _token(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


def test_delta_function_forms(raw: httpx.Client, app: GraphSession, drive_id: str, folder: DriveItem) -> None:
    full = raw.get(f"/drives/{drive_id}/root/delta()")
    assert full.status_code == 200 and folder.id in {v["id"] for v in full.json()["value"]}
    latest = raw.get(f"/drives/{drive_id}/root/delta(token='latest')")
    assert latest.status_code == 200 and latest.json()["value"] == []
    token = _token(latest.json()["@odata.deltaLink"])
    made = content.put_new_small(app, drive_id, folder.id, "after.txt", b"x")
    since = raw.get(f"/drives/{drive_id}/items/root/delta(token='{token}')")
    assert since.status_code == 200 and made.id in {v["id"] for v in since.json()["value"]}
    as_query = raw.get(f"/drives/{drive_id}/root/delta", params={"token": token})
    assert {v["id"] for v in as_query.json()["value"]} == {v["id"] for v in since.json()["value"]}
    qualified = raw.get(f"/drives/{drive_id}/root/microsoft.graph.delta(token='latest')")
    assert qualified.status_code == 200 and qualified.json()["value"] == []
    encoded = raw.get(f"/drives/{drive_id}/root/delta(token=%27latest%27)")
    assert encoded.status_code == 200 and encoded.json()["value"] == []
    paged = raw.get(f"/drives/{drive_id}/root/delta()", params={"$top": "1"})
    assert len(paged.json()["value"]) == 1 and "@odata.nextLink" in paged.json()
    unknown = raw.get(f"/drives/{drive_id}/root/delta(since='x')")
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "invalidRequest"
    garbage = raw.get(f"/drives/{drive_id}/root/delta(token='never-issued')")
    assert garbage.status_code == 400
    not_root = raw.get(f"/drives/{drive_id}/items/{folder.id}/delta()")
    assert not_root.status_code == 400


# -- sendMail in PascalCase ----------------------------------------------------------------------

def test_send_mail_pascal_case(raw: httpx.Client, desc: dict[str, Any]) -> None:
    box = desc["mailbox"]
    body = {"Message": {"Subject": "Pascal", "Body": {"ContentType": "Text", "Content": "Hi"},
                        "ToRecipients": [{"EmailAddress": {"Address": "pm@example.com", "Name": "PM"}}]},
            "SaveToSentItems": True}
    assert raw.post(f"/users/{box}/sendMail", json=body).status_code == 202
    sent = raw.get(f"/users/{box}/mailFolders/sentitems/messages").json()["value"][0]
    assert sent["subject"] == "Pascal" and sent["body"] == {"contentType": "Text", "content": "Hi"}
    assert sent["toRecipients"] == [{"emailAddress": {"address": "pm@example.com", "name": "PM"}}]
    before = len(raw.get(f"/users/{box}/messages", params={"$top": "999"}).json()["value"])
    quiet = {"MESSAGE": {"subject": "q", "toRecipients": [{"emailAddress": {"address": "a@example.com"}}]},
             "SAVETOSENTITEMS": False}
    assert raw.post(f"/users/{box}/sendMail", json=quiet).status_code == 202
    assert len(raw.get(f"/users/{box}/messages", params={"$top": "999"}).json()["value"]) == before
    bad = raw.post(f"/users/{box}/sendMail",
                   json={"Message": {"ToRecipients": [{"EmailAddress": {"Address": "not-an-address"}}]}})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "ErrorInvalidRecipients"


# -- the uploadUrl lives on another host ---------------------------------------------------------

class HostScopedBearer(httpx.Auth):
    """Like Kiota's AllowedHostsValidator: the token goes only to the API's host name."""

    def __init__(self, token: str, host: str) -> None:
        self.token, self.host = token, host
        self.sent_to: list[str] = []

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if request.url.host == self.host:
            request.headers["Authorization"] = f"Bearer {self.token}"
            self.sent_to.append(request.url.host)
        yield request


@pytest.fixture()
def scoped(desc: dict[str, Any], app: GraphSession) -> Iterator[tuple[httpx.Client, HostScopedBearer]]:
    auth = HostScopedBearer(app.tokens.token(), urlsplit(desc["base_url"]).hostname or "")
    with httpx.Client(auth=auth, timeout=30) as client:
        yield client, auth


def test_upload_url_on_another_host(scoped: tuple[httpx.Client, HostScopedBearer], desc: dict[str, Any],
                                    drive_id: str, folder: DriveItem) -> None:
    client, auth = scoped
    api = desc["base_url"]
    created = client.post(f"{api}/drives/{drive_id}/items/{folder.id}:/scoped.bin:/createUploadSession",
                          json={"item": {"@microsoft.graph.conflictBehavior": "fail"}})
    assert created.status_code == 200 and auth.sent_to == [urlsplit(api).hostname]
    url = created.json()["uploadUrl"]
    assert urlsplit(url).hostname != urlsplit(api).hostname and "tempauth=" in url
    assert urlsplit(url).hostname == urlsplit(desc["sharepoint_url"]).hostname
    total = UNIT + 5
    part = client.put(url, content=b"a" * UNIT, headers={"Content-Range": f"bytes 0-{UNIT - 1}/{total}"})
    assert part.status_code == 202 and "authorization" not in part.request.headers
    assert client.get(url).json()["nextExpectedRanges"] == [f"{UNIT}-{total - 1}"]
    done = client.put(url, content=b"b" * 5, headers={"Content-Range": f"bytes {UNIT}-{total - 1}/{total}"})
    assert done.status_code == 201 and done.json()["size"] == total
    assert auth.sent_to == [urlsplit(api).hostname]           # the token never left the API host
    download = done.json()["@microsoft.graph.downloadUrl"]
    assert urlsplit(download).hostname == urlsplit(url).hostname
    got = client.get(download)
    assert got.status_code == 200 and got.content == b"a" * UNIT + b"b" * 5
    assert "authorization" not in got.request.headers


def test_api_host_does_not_serve_upload_urls(raw: httpx.Client, desc: dict[str, Any], drive_id: str,
                                             folder: DriveItem) -> None:
    url = raw.post(f"/drives/{drive_id}/items/{folder.id}:/wrong-host.bin:/createUploadSession",
                   json={}).json()["uploadUrl"]
    parts = urlsplit(url)
    on_api = httpx.get(desc["emulator_url"] + parts.path + "?" + parts.query)
    assert on_api.status_code == 404
    with_token = httpx.get(url, headers={"Authorization": raw.headers["Authorization"]})
    assert with_token.status_code == 401                      # "do not send Authorization" (Graph)
    assert httpx.get(url).status_code == 200


# -- nextExpectedRanges: closed "start-end", and the product's client with both forms -------------

def test_next_expected_ranges_closed_form(raw: httpx.Client, drive_id: str, folder: DriveItem,
                                          control: httpx.Client) -> None:
    resp = raw.post(f"/drives/{drive_id}/items/{folder.id}:/ranges.bin:/createUploadSession", json={})
    assert resp.json()["nextExpectedRanges"] == ["0-"]      # the total is not known yet
    url = resp.json()["uploadUrl"]
    total = 3 * UNIT + 1
    first = httpx.put(url, content=b"a" * UNIT, headers={"Content-Range": f"bytes 0-{UNIT - 1}/{total}"})
    assert first.status_code == 202 and first.json()["nextExpectedRanges"] == [f"{UNIT}-{total - 1}"]
    assert httpx.get(url).json()["nextExpectedRanges"] == [f"{UNIT}-{total - 1}"]
    control.post("/config", json={"open_ended_ranges": True}).raise_for_status()
    try:
        assert httpx.get(url).json()["nextExpectedRanges"] == [f"{UNIT}-"]
    finally:
        control.post("/config", json={"open_ended_ranges": False}).raise_for_status()
    assert httpx.delete(url).status_code == 204


@pytest.mark.parametrize("open_ended", [False, True])
def test_client_resumes_with_either_range_form(app: GraphSession, drive_id: str, folder: DriveItem,
                                               tmp_path: Path, control: httpx.Client, open_ended: bool) -> None:
    src = write_file(tmp_path / "resume.bin", 3 * UNIT + 77, seed=7)
    control.post("/config", json={"open_ended_ranges": open_ended}).raise_for_status()
    try:
        control.post("/uploads/drop", json={"after_bytes": UNIT + 999}).raise_for_status()
        done = upload.upload_new(app, drive_id, folder.id, f"resume-{open_ended}.bin", src,
                                 fragment=2 * UNIT, simple_max=0)
    finally:
        control.post("/config", json={"open_ended_ranges": False}).raise_for_status()
    assert done.item is not None and done.item.size == src.stat().st_size
    back = tmp_path / "back.bin"
    content.download_file(app, drive_id, done.item.id, back)
    assert back.read_bytes() == src.read_bytes()
