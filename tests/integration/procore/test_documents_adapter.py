"""The Documents adapter's whole interface against the Procore emulator, project and company scope:
the write half (create/adopt a container, create and replace content, rename/move, delete to the
recycle bin), the writable check (`locked_until`), children, the change feed and the access check."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared import errors
from shared.models.api import InitialSync, Mode, ToolKey
from shared.models.rows import ItemKind, LinkRow
from shared.procore.client import ProcoreClient
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from shared.tools import TOOLS
from shared.tools.base import link_scope

DOCS = TOOLS[ToolKey.DOCUMENTS]
NOW = datetime.now(UTC)


def _link(project: int | None) -> LinkRow:
    return LinkRow(tenant_id="t", link_id="l", procore_company_id=1, procore_project_id=project, project_name="P",
                   site_id="s", drive_id="d", folder_path="f", initial_sync=InitialSync.STANDARD,
                   tools={ToolKey.DOCUMENTS: Mode.TWO_WAY}, created_at=NOW, updated_at=NOW)


def _upload(client: ProcoreClient, link: LinkRow, tmp_path: Path, data: bytes) -> str:
    path = tmp_path / uuid.uuid4().hex
    path.write_bytes(data)
    return client.uploads.upload(link_scope(link), FileSource(path), filename=path.name).uuid


@pytest.mark.parametrize("project", [101, None], ids=["project", "company"])
def test_write_half_round_trip(app_client: ProcoreClient, tmp_path: Path, project: int | None) -> None:
    link = _link(project)
    since = datetime.now(UTC) - timedelta(seconds=1)
    root = DOCS.root(app_client, link).procore_id
    name = f"Adapter {uuid.uuid4().hex[:6]}"
    folder = DOCS.create_container(app_client, link, root, name)
    assert folder.kind is ItemKind.FOLDER and folder.name == name and folder.parent_id == root
    again = DOCS.create_container(app_client, link, root, name.upper())   # a redelivery adopts, never duplicates
    assert again.procore_id == folder.procore_id

    created = DOCS.create_content(app_client, link, folder.procore_id, "spec.pdf",
                                  _upload(app_client, link, tmp_path, b"%PDF first"))
    assert created.kind is ItemKind.FILE and created.parent_id == folder.procore_id and created.version
    assert b"".join(DOCS.fetch(app_client, link, created)) == b"%PDF first"
    replaced = DOCS.replace_content(app_client, link, created.procore_id,
                                    _upload(app_client, link, tmp_path, b"%PDF second"))
    assert replaced.procore_id == created.procore_id and replaced.version not in (None, created.version)
    assert b"".join(DOCS.fetch(app_client, link, replaced)) == b"%PDF second"

    DOCS.move(app_client, link, created.procore_id, ItemKind.FILE, name="spec rev B.pdf", parent_id=root)
    moved = DOCS.get(app_client, link, created.procore_id, ItemKind.FILE)
    assert moved is not None and moved.name == "spec rev B.pdf" and moved.parent_id == root
    # a rename is the item's own change (changed_at, which times rename conflicts), not its content's (updated_at)
    assert moved.updated_at == replaced.updated_at and moved.changed_at is not None and replaced.changed_at is not None
    assert moved.changed_at >= replaced.changed_at   # Procore times are whole seconds
    DOCS.move(app_client, link, folder.procore_id, ItemKind.FOLDER, name=f"{name} renamed")
    renamed = DOCS.get(app_client, link, folder.procore_id, ItemKind.FOLDER)
    assert renamed is not None and renamed.name == f"{name} renamed" and renamed.parent_id == root

    assert created.procore_id in {i.procore_id for i in DOCS.children(app_client, link, root)}
    changed = {c.procore_id for c in DOCS.changes(app_client, link, since, datetime.now(UTC) + timedelta(seconds=5))}
    assert {folder.procore_id, created.procore_id} <= changed

    DOCS.delete(app_client, link, created.procore_id, ItemKind.FILE)
    DOCS.delete(app_client, link, folder.procore_id, ItemKind.FOLDER)
    assert DOCS.get(app_client, link, created.procore_id, ItemKind.FILE) is None
    assert DOCS.get(app_client, link, folder.procore_id, ItemKind.FOLDER) is None
    binned = {c.procore_id for c in DOCS.changes(app_client, link, since, datetime.now(UTC) + timedelta(seconds=5))}
    assert {folder.procore_id, created.procore_id} <= binned       # deleted items stay in the feed


def test_a_checked_out_file_reads_as_locked(app_client: ProcoreClient, user_client: ProcoreClient,
                                            tmp_path: Path) -> None:
    link = _link(101)
    root = DOCS.root(app_client, link).procore_id
    item = DOCS.create_content(user_client, link, root, f"locked {uuid.uuid4().hex[:6]}.xlsx",
                               _upload(user_client, link, tmp_path, b"sheet"))
    assert item.locked_until is None
    until = datetime(2099, 1, 1, tzinfo=UTC)
    user_client.documents.update_file(link_scope(link), int(item.procore_id), checked_out_until=until)
    current = DOCS.get(app_client, link, item.procore_id, ItemKind.FILE)
    assert current is not None and current.locked_until == until


def test_access_check_passes_where_documents_exist_and_fails_where_not(app_client: ProcoreClient) -> None:
    DOCS.check_access(app_client, Scope.project(101))
    DOCS.check_access(app_client, Scope.company(1))
    with pytest.raises((errors.NotFound, errors.TargetNotFound, errors.PermissionDenied)):
        DOCS.check_access(app_client, Scope.project(999_999))
