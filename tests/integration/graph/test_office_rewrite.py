"""The `office_rewrite` switch: SharePoint storing Office files rewritten. With it on, every upload of an
Office file (simple PUT or upload session, new or replace) is stored as sent bytes + a fixed trailer, and
the upload response, GET, delta and the download all describe the stored bytes; other files and the
switch off keep what was sent byte for byte.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from emulators.graph.office import REWRITE_TRAILER, is_office_file
from shared.graph import content, delta, items, upload
from shared.graph.models import DriveItem
from shared.graph.quickxor import QuickXorHash
from shared.graph.session import GraphSession
from tests.integration.graph.conftest import write_file

UNIT = 320 * 1024


def _qx(data: bytes) -> str:
    return QuickXorHash(data).b64digest()


@pytest.fixture()
def rewriting(control: httpx.Client) -> Iterator[None]:
    """The switch on for one test, and off again whatever happens (the emulator is per module)."""
    assert control.post("/config", json={"office_rewrite": True}).json()["office_rewrite"] is True
    try:
        yield
    finally:
        control.post("/config", json={"office_rewrite": False}).raise_for_status()


def _stored(app: GraphSession, drive_id: str, item_id: str) -> bytes:
    out = io.BytesIO()
    content.download_to(app, drive_id, item_id, out)
    return out.getvalue()


def _assert_describes(app: GraphSession, drive_id: str, reported: DriveItem, stored: bytes) -> None:
    """The upload's response, a GET and the download agree with each other on the stored bytes."""
    assert reported.size == len(stored) and reported.quick_xor_hash == _qx(stored)
    again = items.get_item(app, drive_id, reported.id)
    assert (again.size, again.quick_xor_hash, again.etag, again.ctag) == \
        (reported.size, reported.quick_xor_hash, reported.etag, reported.ctag)
    assert _stored(app, drive_id, reported.id) == stored


@pytest.mark.usefixtures("rewriting")
def test_simple_put_of_an_office_file_is_stored_rewritten(app: GraphSession, drive_id: str,
                                                          folder: DriveItem) -> None:
    sent = b"PK\x03\x04 a Word document\n" * 40
    created = content.put_new_small(app, drive_id, folder.id, "Minutes.docx", sent, "fail")
    assert created.size != len(sent) and created.quick_xor_hash != _qx(sent)
    _assert_describes(app, drive_id, created, sent + REWRITE_TRAILER)

    edited = sent + b"one more paragraph\n"
    replaced = content.put_replace_small(app, drive_id, created.id, edited)
    assert replaced.id == created.id and replaced.ctag != created.ctag and replaced.etag != created.etag
    _assert_describes(app, drive_id, replaced, edited + REWRITE_TRAILER)


@pytest.mark.usefixtures("rewriting")
def test_upload_session_of_an_office_file_is_stored_rewritten(app: GraphSession, drive_id: str,
                                                              folder: DriveItem, tmp_path: Path) -> None:
    src = write_file(tmp_path / "book.xlsx", 2 * UNIT + 777, seed=7)
    done = upload.upload_new(app, drive_id, folder.id, "Budget.XLSX", src, fragment=UNIT, simple_max=0)
    assert done.item is not None
    assert done.quick_xor_hash == _qx(src.read_bytes()) != done.item.quick_xor_hash   # sent vs stored
    _assert_describes(app, drive_id, done.item, src.read_bytes() + REWRITE_TRAILER)

    src2 = write_file(tmp_path / "book2.xlsx", UNIT + 5, seed=8)
    again = upload.upload_replace(app, drive_id, done.item.id, src2, if_match=done.item.etag,
                                  fragment=UNIT, simple_max=0)
    assert again.item is not None and again.item.id == done.item.id
    _assert_describes(app, drive_id, again.item, src2.read_bytes() + REWRITE_TRAILER)


@pytest.mark.usefixtures("rewriting")
def test_reuploading_the_stored_bytes_rewrites_again(app: GraphSession, drive_id: str, folder: DriveItem) -> None:
    """Deterministic (same bytes sent, same bytes stored) but not idempotent: echoing a download back moves
    the hash again, so a sync loop would show up as an ever-changing file instead of settling by luck."""
    sent = b"slides\n" * 10
    first = content.put_new_small(app, drive_id, folder.id, "Deck.pptx", sent, "fail")
    twin = content.put_new_small(app, drive_id, folder.id, "Deck copy.pptx", sent, "fail")
    assert first.quick_xor_hash == twin.quick_xor_hash
    echoed = content.put_replace_small(app, drive_id, first.id, _stored(app, drive_id, first.id))
    _assert_describes(app, drive_id, echoed, sent + REWRITE_TRAILER + REWRITE_TRAILER)


@pytest.mark.usefixtures("rewriting")
def test_a_commit_retried_after_a_409_rewrites_once(user: GraphSession, raw: httpx.Client, drive_id: str,
                                                    folder: DriveItem) -> None:
    resp = raw.post(f"/drives/{drive_id}/items/{folder.id}:/Clash.docx:/createUploadSession",
                    json={"item": {"@microsoft.graph.conflictBehavior": "fail"}, "deferCommit": True})
    url = resp.json()["uploadUrl"]
    assert httpx.put(url, content=b"mine", headers={"Content-Range": "bytes 0-3/4"}).status_code == 202
    theirs = content.put_new_small(user, drive_id, folder.id, "Clash.docx", b"someone else's", "fail")
    assert httpx.post(url, content=b"").status_code == 409
    items.delete_item(user, drive_id, theirs.id)
    done = httpx.post(url, content=b"")
    assert done.status_code == 201
    _assert_describes(user, drive_id, DriveItem.model_validate(done.json()), b"mine" + REWRITE_TRAILER)


@pytest.mark.usefixtures("rewriting")
def test_delta_reports_the_stored_bytes(app: GraphSession, drive_id: str, folder: DriveItem) -> None:
    cursor = delta.latest_cursor(app, drive_id)
    sent = b"legacy workbook"
    created = content.put_new_small(app, drive_id, folder.id, "Old.xls", sent, "fail")
    seen = {i.id: i for i in delta.fetch_changes(app, drive_id, cursor).items}[created.id]
    assert seen.size == len(sent + REWRITE_TRAILER) and seen.quick_xor_hash == _qx(sent + REWRITE_TRAILER)
    assert seen.etag == created.etag


@pytest.mark.usefixtures("rewriting")
def test_other_files_are_stored_as_sent(app: GraphSession, drive_id: str, folder: DriveItem) -> None:
    for name in ("Notes.txt", "Drawing.pdf", "docx", "Archive.docx.zip"):
        sent = f"bytes of {name}".encode()
        created = content.put_new_small(app, drive_id, folder.id, name, sent, "fail")
        _assert_describes(app, drive_id, created, sent)


def test_switch_is_off_by_default(app: GraphSession, drive_id: str, folder: DriveItem,
                                  control: httpx.Client) -> None:
    assert control.get("/config").json()["office_rewrite"] is False
    sent = b"a document stored as sent"
    created = content.put_new_small(app, drive_id, folder.id, "Plain.docx", sent, "fail")
    _assert_describes(app, drive_id, created, sent)
    control.post("/config", json={"office_rewrite": "false"}).raise_for_status()   # strings parse too
    assert control.get("/config").json()["office_rewrite"] is False


@pytest.mark.parametrize(("name", "office"), [
    ("a.docx", True), ("a.DOCM", True), ("a.dotx", True), ("a.doc", True), ("a.xlsx", True), ("a.xlsm", True),
    ("a.xlsb", True), ("a.xls", True), ("a.pptx", True), ("a.ppsx", True), ("a.ppt", True),
    ("a.pdf", False), ("a.txt", False), ("docx", False), ("a.docx.txt", False), ("a.odt", False),
])
def test_office_extensions(name: str, office: bool) -> None:
    assert is_office_file(name) is office
