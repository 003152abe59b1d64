"""The emulator answers like Graph on the wire: fragment sizes, Authorization on the uploadUrl,
Content-Range rules, invalid names, over-long paths, stale If-Match, locked items, size limits."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shared.graph import content
from shared.graph.models import DriveItem
from shared.graph.session import GraphSession

UNIT = 320 * 1024


def _session(raw: httpx.Client, drive_id: str, parent: str, name: str) -> str:
    resp = raw.post(f"/drives/{drive_id}/items/{parent}:/{name}:/createUploadSession",
                    json={"item": {"@microsoft.graph.conflictBehavior": "replace", "name": name}})
    assert resp.status_code == 200, resp.text
    assert resp.json()["nextExpectedRanges"] == ["0-"]
    return str(resp.json()["uploadUrl"])


def _err(resp: httpx.Response) -> tuple[int, str, str | None]:
    body = resp.json()["error"]
    return resp.status_code, body["code"], body.get("innerError", {}).get("code")


def test_fragment_rules(raw: httpx.Client, drive_id: str, folder: DriveItem) -> None:
    url = _session(raw, drive_id, folder.id, "frag.bin")
    total = 3 * UNIT
    bad = httpx.put(url, content=b"a" * 1000, headers={"Content-Range": f"bytes 0-999/{total}"})
    assert _err(bad)[:2] == (400, "invalidRequest") and "320 KiB" in bad.json()["error"]["message"]
    authed = httpx.put(url, content=b"a" * UNIT, headers={"Content-Range": f"bytes 0-{UNIT - 1}/{total}",
                                                          "Authorization": raw.headers["Authorization"]})
    assert authed.status_code == 401 and authed.json()["error"]["code"] == "unauthenticated"
    ok = httpx.put(url, content=b"a" * UNIT, headers={"Content-Range": f"bytes 0-{UNIT - 1}/{total}"})
    assert ok.status_code == 202 and ok.json()["nextExpectedRanges"] == [f"{UNIT}-{total - 1}"]
    overlap = httpx.put(url, content=b"b" * UNIT, headers={"Content-Range": f"bytes 0-{UNIT - 1}/{total}"})
    assert _err(overlap) == (416, "invalidRange", "fragmentOverlap")
    skip = httpx.put(url, content=b"b" * UNIT,
                     headers={"Content-Range": f"bytes {2 * UNIT}-{3 * UNIT - 1}/{total}"})
    assert _err(skip)[:2] == (416, "invalidRange")
    other_total = httpx.put(url, content=b"b" * UNIT,
                            headers={"Content-Range": f"bytes {UNIT}-{2 * UNIT - 1}/{total + 1}"})
    assert _err(other_total)[:2] == (400, "invalidRequest")
    lying = httpx.put(url, content=b"b" * 10, headers={"Content-Range": f"bytes {UNIT}-{2 * UNIT - 1}/{total}"})
    assert _err(lying) == (400, "invalidRequest", "fragmentLengthMismatch")
    no_range = httpx.put(url, content=b"b" * UNIT)
    assert _err(no_range)[:2] == (400, "invalidRequest")
    status = httpx.get(url).json()
    assert status["nextExpectedRanges"] == [f"{UNIT}-{total - 1}"]
    last = httpx.put(url, content=b"c" * (2 * UNIT), headers={"Content-Range": f"bytes {UNIT}-{total - 1}/{total}"})
    assert last.status_code == 201 and last.json()["size"] == total
    assert httpx.get(url).status_code == 404             # committed: the session is gone


def test_cancel_session(raw: httpx.Client, drive_id: str, folder: DriveItem) -> None:
    url = _session(raw, drive_id, folder.id, "cancel.bin")
    assert httpx.delete(url).status_code == 204
    assert httpx.get(url).status_code == 404


def test_fragment_over_60_mib_rejected(raw: httpx.Client, drive_id: str, folder: DriveItem,
                                       control: httpx.Client) -> None:
    control.post("/config", json={"max_fragment_bytes": 2 * UNIT}).raise_for_status()
    try:
        url = _session(raw, drive_id, folder.id, "huge.bin")
        resp = httpx.put(url, content=b"a" * (2 * UNIT),
                         headers={"Content-Range": f"bytes 0-{2 * UNIT - 1}/{4 * UNIT}"})
        assert _err(resp)[:2] == (400, "invalidRequest")
    finally:
        control.post("/config", json={"max_fragment_bytes": 60 * 1024 * 1024}).raise_for_status()


@pytest.mark.parametrize("name,inner", [
    ("a*b.txt", "nameContainsInvalidCharacters"), ('q"uote.txt', "nameContainsInvalidCharacters"),
    ("a|b", "nameContainsInvalidCharacters"), ("a<b>", "nameContainsInvalidCharacters"),
    (" lead.txt", "nameContainsInvalidCharacters"), ("trail.txt ", "nameContainsInvalidCharacters"),
    ("dots.", "nameContainsInvalidCharacters"), ("CON", "nameIsReserved"), ("nul.txt", "nameIsReserved"),
    ("~$lock.docx", "nameIsReserved"), ("x_vti_y", "nameIsReserved"), ("desktop.ini", "nameIsReserved"),
    (".lock", "nameIsReserved"),
])
def test_invalid_names(raw: httpx.Client, drive_id: str, folder: DriveItem, name: str, inner: str) -> None:
    resp = raw.post(f"/drives/{drive_id}/items/{folder.id}/children",
                    json={"name": name, "folder": {}, "@microsoft.graph.conflictBehavior": "fail"})
    assert _err(resp) == (400, "invalidRequest", inner)


def test_invalid_name_on_upload_and_rename(raw: httpx.Client, app: GraphSession, drive_id: str,
                                           folder: DriveItem) -> None:
    resp = raw.put(f"/drives/{drive_id}/items/{folder.id}:/bad%3Fname.txt:/content", content=b"x")
    assert _err(resp) == (400, "invalidRequest", "nameContainsInvalidCharacters")
    f = content.put_new_small(app, drive_id, folder.id, "ok.txt", b"x")
    resp = raw.patch(f"/drives/{drive_id}/items/{f.id}", json={"name": "no:colon.txt"})
    assert _err(resp) == (400, "invalidRequest", "nameContainsInvalidCharacters")
    tilde = raw.post(f"/drives/{drive_id}/items/{folder.id}/children", json={"name": "~tmp", "folder": {}})
    assert _err(tilde)[0] == 400


def test_over_long_path(raw: httpx.Client, drive_id: str, folder: DriveItem, desc: dict[str, Any]) -> None:
    # decoded path: "sites/Projects/Shared Documents/<folder>/<name>" must stay under 400 characters
    prefix = len(f"sites/Projects/Shared Documents/{folder.name}/")
    fits = "a" * (399 - prefix)
    ok = raw.put(f"/drives/{drive_id}/items/{folder.id}:/{fits}:/content", content=b"x")
    assert ok.status_code == 201, ok.text
    long = "b" * (400 - prefix)
    resp = raw.put(f"/drives/{drive_id}/items/{folder.id}:/{long}:/content", content=b"x")
    assert _err(resp) == (400, "invalidRequest", "pathIsTooLong")
    session = raw.post(f"/drives/{drive_id}/items/{folder.id}:/{long}:/createUploadSession", json={})
    assert _err(session) == (400, "invalidRequest", "pathIsTooLong")


def test_stale_if_match(raw: httpx.Client, app: GraphSession, drive_id: str, folder: DriveItem) -> None:
    f = content.put_new_small(app, drive_id, folder.id, "m.txt", b"1")
    content.put_replace_small(app, drive_id, f.id, b"2")
    for resp in (
        raw.patch(f"/drives/{drive_id}/items/{f.id}", json={"name": "n.txt"}, headers={"If-Match": f.etag or ""}),
        raw.put(f"/drives/{drive_id}/items/{f.id}/content", content=b"3", headers={"If-Match": f.ctag or ""}),
        raw.delete(f"/drives/{drive_id}/items/{f.id}", headers={"If-Match": f.etag or ""}),
        raw.post(f"/drives/{drive_id}/items/{f.id}/createUploadSession", json={},
                 headers={"If-Match": f.etag or ""}),
    ):
        assert _err(resp)[:2] == (412, "resourceModified")
    current = raw.get(f"/drives/{drive_id}/items/{f.id}").json()
    ok = raw.patch(f"/drives/{drive_id}/items/{f.id}", json={"name": "n.txt"},
                   headers={"If-Match": current["cTag"]})       # a current cTag also matches
    assert ok.status_code == 200


def test_locked_item_answers_423(raw: httpx.Client, app: GraphSession, drive_id: str, folder: DriveItem,
                                 control: httpx.Client) -> None:
    f = content.put_new_small(app, drive_id, folder.id, "locked.docx", b"1")
    control.post("/locks", json={"drive_id": drive_id, "item_id": f.id, "kind": "checkout"}).raise_for_status()
    try:
        for resp in (
            raw.put(f"/drives/{drive_id}/items/{f.id}/content", content=b"2"),
            raw.patch(f"/drives/{drive_id}/items/{f.id}", json={"name": "x.docx"}),
            raw.delete(f"/drives/{drive_id}/items/{f.id}"),
            raw.post(f"/drives/{drive_id}/items/{f.id}/createUploadSession", json={}),
            raw.delete(f"/drives/{drive_id}/items/{folder.id}"),          # a folder holding it
        ):
            assert _err(resp) == (423, "notAllowed", "resourceLocked")
        assert raw.get(f"/drives/{drive_id}/items/{f.id}/content").status_code == 302   # reads work
    finally:
        control.request("DELETE", "/locks", json={"drive_id": drive_id, "item_id": f.id}).raise_for_status()
    assert raw.put(f"/drives/{drive_id}/items/{f.id}/content", content=b"2").status_code == 200


def test_simple_upload_limit(raw: httpx.Client, drive_id: str, folder: DriveItem, control: httpx.Client) -> None:
    control.post("/config", json={"simple_upload_limit": 1000}).raise_for_status()
    try:
        resp = raw.put(f"/drives/{drive_id}/items/{folder.id}:/big.bin:/content", content=b"x" * 1001)
        assert resp.status_code == 413 and resp.json()["error"]["innerError"]["code"] == "maxFileSizeExceeded"
    finally:
        control.post("/config", json={"simple_upload_limit": 250 * 1024 * 1024}).raise_for_status()


def test_path_name_must_match_body(raw: httpx.Client, drive_id: str, folder: DriveItem) -> None:
    resp = raw.post(f"/drives/{drive_id}/items/{folder.id}:/a.txt:/createUploadSession",
                    json={"item": {"name": "b.txt"}})
    assert _err(resp)[:2] == (400, "invalidRequest")


def test_unknown_segment_and_bad_json(raw: httpx.Client, drive_id: str) -> None:
    resp = raw.get(f"/drives/{drive_id}/bogus")
    assert resp.status_code == 400
    bad = raw.post(f"/drives/{drive_id}/root/children", content=b"{not json",
                   headers={"Content-Type": "application/json"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "BadRequest"
