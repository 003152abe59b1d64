"""Documents through the client, project and company level: folders, files, versions, checkout,
recycle bin, the flat index with paging and incremental listing, streaming transfers."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from emulators.procore.server import RunningEmulator
from shared import errors
from shared.procore.client import ProcoreClient
from shared.procore.conflicts import NameTaken
from shared.procore.paging import PageNumberPaginator
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource

from .conftest import control_of

MiB = 1024 * 1024
P101 = Scope.project(101)
COMPANY = Scope.company(1)


def _upload_bytes(client: ProcoreClient, scope: Scope, tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return client.uploads.upload(scope, FileSource(path), filename=name).uuid


def _download(client: ProcoreClient, url: str) -> bytes:
    sink = io.BytesIO()
    result = client.downloads.download_to(url, sink)
    assert result.size == len(sink.getvalue())
    assert result.sha256 == hashlib.sha256(sink.getvalue()).hexdigest()
    return sink.getvalue()


@pytest.mark.parametrize("scope", [P101, COMPANY], ids=["project", "company"])
def test_folder_lifecycle(app_client: ProcoreClient, scope: Scope) -> None:
    docs = app_client.documents
    root = docs.root(scope)
    assert root.parent_id is None and any(f.is_recycle_bin for f in root.folders)
    parent = docs.create_folder(scope, "Client Test & Co")
    child = docs.create_folder(scope, "Sub #1", parent_id=parent.id)
    assert child.parent_id == parent.id
    with pytest.raises(NameTaken):                       # 422: name taken under the same parent (a conflict)
        docs.create_folder(scope, "sub #1", parent_id=parent.id)
    renamed = docs.update_folder(scope, child.id, name="Sub Renamed")
    assert renamed.name == "Sub Renamed"
    moved = docs.update_folder(scope, child.id, parent_id=root.id)
    assert moved.parent_id == root.id
    assert [f.name for f in docs.folder(scope, parent.id).folders] == []
    docs.delete_folder(scope, parent.id)
    docs.delete_folder(scope, parent.id)                  # already in the recycle bin: done
    binned = list(docs.list_documents(scope, in_recycle_bin=True, document_type="folder"))
    assert parent.id in {d.id for d in binned}
    assert parent.id not in {f.id for f in docs.root(scope).folders}


@pytest.mark.parametrize("scope", [P101, COMPANY], ids=["project", "company"])
def test_file_create_version_rename_move_delete(app_client: ProcoreClient, tmp_path: Path, scope: Scope) -> None:
    docs = app_client.documents
    folder = docs.create_folder(scope, f"Files {scope.kind}")
    uuid = _upload_bytes(app_client, scope, tmp_path, "spec v1.pdf", b"%PDF-1.4 first")
    created = docs.create_file(scope, name="Spec – façade.pdf", upload_uuid=uuid, parent_id=folder.id)
    assert created.name == "Spec – façade.pdf" and created.latest_version is not None
    assert _download(app_client, created.latest_version.url) == b"%PDF-1.4 first"
    uuid2 = _upload_bytes(app_client, scope, tmp_path, "spec v2.pdf", b"%PDF-1.4 second, longer")
    version = docs.add_version(scope, created.id, upload_uuid=uuid2, notes="rev B")
    assert version.number == 2
    uuid3 = _upload_bytes(app_client, scope, tmp_path, "spec v3.pdf", b"third")
    updated = docs.update_file(scope, created.id, name="Spec rev C.pdf", upload_uuid=uuid3)
    assert [v.number for v in updated.file_versions] == [3, 2, 1]
    assert _download(app_client, updated.file_versions[1].url) == b"%PDF-1.4 second, longer"
    moved = docs.update_file(scope, created.id, parent_id=docs.root(scope).id)
    assert moved.parent_id != folder.id
    docs.delete_file(scope, created.id)
    assert docs.file(scope, created.id).is_deleted


def test_checked_out_file_cannot_be_changed_by_someone_else(app_client: ProcoreClient, user_client: ProcoreClient,
                                                           tmp_path: Path) -> None:
    uuid = _upload_bytes(user_client, P101, tmp_path, "locked.xlsx", b"sheet")
    f = user_client.documents.create_file(P101, name="locked.xlsx", upload_uuid=uuid)
    until = datetime(2099, 1, 1, tzinfo=timezone.utc)
    locked = user_client.documents.update_file(P101, f.id, checked_out_until=until)
    assert locked.checked_out_until == until and locked.checked_out_by and locked.checked_out_by.id == 3001
    with pytest.raises(errors.Conflict):
        app_client.documents.update_file(P101, f.id, name="renamed by sync.xlsx")
    user_client.documents.update_file(P101, f.id, release_checkout=True)
    assert app_client.documents.update_file(P101, f.id, name="renamed by sync.xlsx").name == "renamed by sync.xlsx"


def test_index_pages_through_everything(app_client: ProcoreClient) -> None:
    app_client.documents._pager = PageNumberPaginator(per_page=7)
    items = list(app_client.documents.list_documents(P101, sort="name"))
    everything = httpx.get(app_client.session.base_url + "/rest/v1.0/projects/101/documents",
                           params={"per_page": 1}, headers={
                               "Authorization": f"Bearer {app_client.session.tokens.token()}",
                               "Procore-Company-Id": "1"})
    assert len(items) == int(everything.headers["Total"]) == len({i.id for i in items})
    assert all(i.name_with_path and i.name_with_path.startswith("Documents/") for i in items)


def test_incremental_listing_by_updated_at(app_client: ProcoreClient, user_client: ProcoreClient,
                                           tmp_path: Path) -> None:
    since = datetime.now(timezone.utc)
    folder = user_client.documents.create_folder(P101, "Changed Since Watermark")
    uuid = _upload_bytes(user_client, P101, tmp_path, "new.txt", b"new")
    f = user_client.documents.create_file(P101, name="new.txt", upload_uuid=uuid, parent_id=folder.id)
    changed = {d.id for d in app_client.documents.list_documents(P101, updated_since=since)}
    assert {folder.id, f.id} <= changed
    seeded = list(app_client.documents.list_documents(P101))
    assert len(changed) < len(seeded)                      # the seeded, older items are not listed
    files_only = list(app_client.documents.list_documents(P101, updated_since=since, document_type="file"))
    assert all(not d.is_folder for d in files_only) and f.id in {d.id for d in files_only}


def test_download_follows_the_redirect_without_leaking_the_token(emu: RunningEmulator, tmp_path: Path,
                                                                 client_factory: Callable[..., ProcoreClient]) -> None:
    client = client_factory("app")
    seen: list[tuple[str, bool]] = []
    client.session.http.event_hooks["request"].append(
        lambda req: seen.append((str(req.url), "authorization" in req.headers)))
    item = next(d for d in client.documents.list_documents(P101, document_type="file") if d.file)
    assert item.file and item.file.current_version
    data = _download(client, item.file.current_version.url)
    assert len(data) == item.file.current_version.size
    hops = [(url.split("?")[0], has_auth) for url, has_auth in seen[-2:]]
    assert hops[0][0].startswith(emu.base_url) and hops[0][1] is True
    assert hops[1][0].startswith(emu.storage_url) and hops[1][1] is False


def test_small_upload_is_not_segmented_and_large_one_is(app_client: ProcoreClient, tmp_path: Path) -> None:
    small = app_client.uploads.upload(P101, FileSource(_write(tmp_path / "s.bin", 1000)), filename="s.bin")
    assert not small.segmented


def test_segmented_upload_of_more_than_two_segments_reads_back_identical(
        emu: RunningEmulator, client_factory: Callable[..., ProcoreClient], tmp_path: Path) -> None:
    client = client_factory("app", segment_bytes=5 * MiB)
    control = control_of(emu)
    control.post("/reset-stats")
    path = _write(tmp_path / "big model.dwg", 12 * MiB + 12345)         # 3 segments: 5 + 5 + 2.01 MiB
    result = client.uploads.upload(P101, FileSource(path), filename="big model.dwg")
    assert result.segmented
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    puts = control.statuses("storage", "/pro-core.com/{key}")
    assert puts == {"200": 3}
    f = client.documents.create_file(P101, name="big model.dwg", upload_uuid=result.uuid)
    assert f.latest_version and f.latest_version.size == path.stat().st_size
    out = tmp_path / "back.dwg"
    with open(out, "wb") as sink:
        got = client.downloads.download_to(f.latest_version.url, sink)
    assert got.sha256 == result.sha256
    assert out.read_bytes() == path.read_bytes()


def test_a_completed_segmented_upload_keeps_no_parts_on_disk(
        fresh_emu: RunningEmulator, client_factory: Callable[..., ProcoreClient], tmp_path: Path) -> None:
    """S3 drops the parts of a completed multipart upload; a 2 GiB test file must not cost 4 GiB here."""
    client = client_factory("app", target=fresh_emu, segment_bytes=5 * MiB)
    path = _write(tmp_path / "parts.bin", 11 * MiB)
    result = client.uploads.upload(P101, FileSource(path), filename="parts.bin")
    assert result.segmented
    assert sorted(p.name for p in fresh_emu.state.blobs.tmp_dir.iterdir()) == []
    f = client.documents.create_file(P101, name="parts.bin", upload_uuid=result.uuid)
    assert f.latest_version and f.latest_version.size == 11 * MiB


def _write(path: Path, size: int) -> Path:
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, MiB)
            f.write(os.urandom(n))
            left -= n
    return path
