"""Content through the client: simple PUT, streaming download with Range resume, upload sessions
(multi-fragment, resumed after a dropped fragment, 409 at commit, expiry), and QuickXorHash equal to
what the emulator computes over the stored bytes."""

from __future__ import annotations

import io
import os
from pathlib import Path

import httpx
import pytest

from shared import errors
from shared.graph import content, items, upload
from shared.graph.models import DriveItem
from shared.graph.quickxor import QuickXorHash
from shared.graph.session import GraphSession
from tests.integration.graph.conftest import write_file

MIB = 1024 * 1024
UNIT = 320 * 1024


@pytest.mark.parametrize("size", [0, 1, MIB, 1000003])        # 1000003 is not a multiple of 160
def test_quickxor_matches_emulator(app: GraphSession, drive_id: str, folder: DriveItem, tmp_path: Path,
                                   size: int) -> None:
    src = tmp_path / "f.bin"
    src.write_bytes(os.urandom(size))
    done = upload.upload_new(app, drive_id, folder.id, f"f{size}.bin", src)
    assert done.item is not None and done.item.size == size
    assert done.quick_xor_hash == done.item.quick_xor_hash == QuickXorHash(src.read_bytes()).b64digest()
    out = io.BytesIO()
    back = content.download_to(app, drive_id, done.item.id, out)
    assert out.getvalue() == src.read_bytes() and back.quick_xor_hash == done.item.quick_xor_hash


def test_session_upload_multi_fragment_and_replace(app: GraphSession, drive_id: str, folder: DriveItem,
                                                   tmp_path: Path) -> None:
    src = write_file(tmp_path / "big.bin", 3 * UNIT + 12345)
    done = upload.upload_new(app, drive_id, folder.id, "big.bin", src, fragment=UNIT, simple_max=0)
    assert done.item is not None and done.item.size == src.stat().st_size
    assert done.item.quick_xor_hash == done.quick_xor_hash
    src2 = write_file(tmp_path / "big2.bin", 2 * UNIT + 7, seed=2)
    again = upload.upload_replace(app, drive_id, done.item.id, src2, if_match=done.item.etag,
                                  fragment=UNIT, simple_max=0)
    assert again.item is not None and again.item.id == done.item.id
    assert again.item.ctag != done.item.ctag and again.item.size == src2.stat().st_size
    with pytest.raises(errors.Conflict):        # stale If-Match: someone else's edit is not clobbered
        upload.upload_replace(app, drive_id, done.item.id, src, if_match=done.item.etag,
                              fragment=UNIT, simple_max=0)


def test_resumes_after_dropped_fragment(app: GraphSession, drive_id: str, folder: DriveItem,
                                        tmp_path: Path, control: httpx.Client, desc: dict[str, object]) -> None:
    src = write_file(tmp_path / "r.bin", 4 * UNIT + 99, seed=3)
    control.post("/reset-stats").raise_for_status()
    control.post("/uploads/drop", json={"after_bytes": UNIT + 4321}).raise_for_status()
    done = upload.upload_new(app, drive_id, folder.id, "r.bin", src, fragment=2 * UNIT, simple_max=0)
    assert done.item is not None and done.item.quick_xor_hash == done.quick_xor_hash
    out = tmp_path / "r.out"
    content.download_file(app, drive_id, done.item.id, out)
    assert out.read_bytes() == src.read_bytes()
    routes = control.get("/stats").json()["clients"][desc["app"]["client_id"]]["routes"]  # type: ignore[index]
    session_route = "/_api/v2.0/drives/{drive-id}/items/{item-id}/uploadSession"
    assert routes[f"GET {session_route}"] == 1                  # asked nextExpectedRanges once
    assert routes[f"PUT {session_route}"] == 3                  # the dropped one + 2 from where it stopped


def test_name_clash_at_commit_is_409(app: GraphSession, user: GraphSession, raw: httpx.Client,
                                     drive_id: str, folder: DriveItem, tmp_path: Path) -> None:
    resp = raw.post(f"/drives/{drive_id}/items/{folder.id}:/clash.txt:/createUploadSession",
                    json={"item": {"@microsoft.graph.conflictBehavior": "fail"}})
    url = resp.json()["uploadUrl"]
    content.put_new_small(user, drive_id, folder.id, "clash.txt", b"someone else's")
    final = httpx.put(url, content=b"mine", headers={"Content-Range": "bytes 0-3/4"})
    assert final.status_code == 409 and final.json()["error"]["code"] == "nameAlreadyExists"


def test_expired_session_restarts(app: GraphSession, drive_id: str, folder: DriveItem, raw: httpx.Client,
                                  control: httpx.Client, tmp_path: Path) -> None:
    resp = raw.post(f"/drives/{drive_id}/items/{folder.id}:/exp.bin:/createUploadSession", json={})
    url = resp.json()["uploadUrl"]
    control.post("/uploads/expire").raise_for_status()
    gone = httpx.put(url, content=b"x" * 10, headers={"Content-Range": "bytes 0-9/10"})
    assert gone.status_code == 404 and gone.json()["error"]["innerError"]["code"] == "uploadSessionNotFound"
    assert httpx.get(url).status_code == 404


def test_download_range_and_redirect(app: GraphSession, raw: httpx.Client, drive_id: str,
                                     folder: DriveItem) -> None:
    f = content.put_new_small(app, drive_id, folder.id, "r.txt", b"0123456789")
    resp = raw.get(f"/drives/{drive_id}/items/{f.id}/content")
    assert resp.status_code == 302
    location = resp.headers["Location"]
    part = httpx.get(location, headers={"Range": "bytes=2-5"})
    assert part.status_code == 206 and part.content == b"2345"
    assert part.headers["Content-Range"] == "bytes 2-5/10"
    assert httpx.get(location, headers={"Range": "bytes=50-"}).status_code == 416
    assert httpx.get(location.replace("tempauth=", "tempauth=x")).status_code == 401
    by_path = raw.get(f"/drives/{drive_id}/root:/{folder.name}/r.txt:/content")
    assert by_path.status_code == 302


def test_simple_put_conflict_default_replace(app: GraphSession, drive_id: str, folder: DriveItem) -> None:
    first = content.put_new_small(app, drive_id, folder.id, "s.txt", b"1")
    second = content.put_new_small(app, drive_id, folder.id, "s.txt", b"22")
    assert second.id == first.id and second.size == 2
    with pytest.raises(errors.Conflict):
        content.put_new_small(app, drive_id, folder.id, "s.txt", b"3", conflict="fail")
    third = content.put_new_small(app, drive_id, folder.id, "s.txt", b"3", conflict="rename")
    assert third.name == "s 1.txt"
    assert [i.name for i in items.iter_children(app, drive_id, folder.id)] == ["s 1.txt", "s.txt"]


def test_download_resumes_after_dropped_connection(app: GraphSession, drive_id: str, folder: DriveItem,
                                                   tmp_path: Path, control: httpx.Client,
                                                   desc: dict[str, object]) -> None:
    src = write_file(tmp_path / "d.bin", 3 * MIB + 5, seed=4)
    done = upload.upload_new(app, drive_id, folder.id, "d.bin", src)
    assert done.item is not None
    control.post("/reset-stats").raise_for_status()
    control.post("/downloads/drop", json={"after_bytes": MIB + 7}).raise_for_status()
    out = io.BytesIO()
    back = content.download_to(app, drive_id, done.item.id, out)
    assert out.getvalue() == src.read_bytes() and back.quick_xor_hash == done.item.quick_xor_hash
    routes = control.get("/stats").json()["clients"][desc["app"]["client_id"]]["routes"]  # type: ignore[index]
    assert routes["GET /_layouts/15/download.aspx"] == 2          # the cut one + one Range request


def test_defer_commit(raw: httpx.Client, drive_id: str, folder: DriveItem) -> None:
    resp = raw.post(f"/drives/{drive_id}/items/{folder.id}:/late.txt:/createUploadSession",
                    json={"item": {"@microsoft.graph.conflictBehavior": "fail"}, "deferCommit": True})
    url = resp.json()["uploadUrl"]
    part = httpx.put(url, content=b"abc", headers={"Content-Range": "bytes 0-2/3"})
    assert part.status_code == 202 and part.json()["nextExpectedRanges"] == []
    assert raw.get(f"/drives/{drive_id}/items/{folder.id}:/late.txt").status_code == 404
    done = httpx.post(url, content=b"")
    assert done.status_code == 201 and done.json()["name"] == "late.txt" and done.json()["size"] == 3


def test_one_log_line_per_call_without_secrets(app: GraphSession, drive_id: str, folder: DriveItem,
                                               tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    src = write_file(tmp_path / "log.bin", 2 * UNIT + 1, seed=5)
    with caplog.at_level("INFO", logger="pcsync.graph"):
        upload.upload_new(app, drive_id, folder.id, "log.bin", src, fragment=UNIT, simple_max=0)
    lines = [r.getMessage() for r in caplog.records if r.name == "pcsync.graph"]
    assert sum("uploadSession" in line for line in lines) == 3          # one line per fragment
    assert sum("createUploadSession" in line for line in lines) == 1
    assert all("{" in line for line in lines)                            # route templates, not URLs
    assert not any("tempauth" in line or drive_id in line or "127.0.0.1" in line for line in lines)
