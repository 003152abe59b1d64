"""Documents (project or company): a folder tree of versioned files, mirrored 1:1.

Enumeration uses the flat documents index (one paged listing, not a call per folder), sorted by
creation time so that pages stay stable while people keep working. Never imports azure.functions.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from shared import errors
from shared.models.api import Mode, ToolKey
from shared.models.rows import ItemKind, LinkRow
from shared.procore.client import ProcoreClient
from shared.procore.models import DocFile, DocumentItem, FolderRef
from shared.procore.scope import Scope
from shared.tools.base import SourceItem, SourcePage, ToolRoot

PAGE_SIZE = 100
SP_FOLDER = "Documents"


def scope_of(link: LinkRow) -> Scope:
    if link.procore_project_id is not None:
        return Scope.project(link.procore_project_id)
    return Scope.company(link.procore_company_id)


def _from_index(item: DocumentItem) -> SourceItem:
    kind = ItemKind.FOLDER if item.is_folder else ItemKind.FILE
    version = size = url = None
    modified = item.updated_at
    if item.file is not None and item.file.current_version is not None:
        version = str(item.file.current_version.id)
        size = item.file.current_version.size
        url = item.file.current_version.url
        modified = item.file.current_version.created_at or modified
    return SourceItem(tool=ToolKey.DOCUMENTS, procore_id=str(item.id), kind=kind, name=item.name,
                      parent_id=str(item.parent_id) if item.parent_id is not None else None,
                      version=version, size=size, updated_at=modified,
                      deleted=item.is_deleted or item.is_recycle_bin, download_url=url)


def _from_file(file: DocFile) -> SourceItem:
    latest = file.latest_version
    return SourceItem(tool=ToolKey.DOCUMENTS, procore_id=str(file.id), kind=ItemKind.FILE, name=file.name,
                      parent_id=str(file.parent_id) if file.parent_id is not None else None,
                      version=str(latest.id) if latest else None,
                      size=latest.size if latest and latest.size is not None else file.size,
                      updated_at=(latest.created_at if latest else None) or file.updated_at, deleted=file.is_deleted,
                      download_url=latest.url if latest else None)


def _from_folder(folder: FolderRef) -> SourceItem:
    return SourceItem(tool=ToolKey.DOCUMENTS, procore_id=str(folder.id), kind=ItemKind.FOLDER, name=folder.name,
                      parent_id=str(folder.parent_id) if folder.parent_id is not None else None,
                      updated_at=folder.updated_at, deleted=folder.is_deleted or folder.is_recycle_bin)


class DocumentsAdapter:
    key = ToolKey.DOCUMENTS
    allowed_modes = frozenset({Mode.TWO_WAY, Mode.ONE_WAY, Mode.OFF})

    def root(self, client: ProcoreClient, link: LinkRow) -> ToolRoot:
        root = client.documents.root(scope_of(link), exclude_files=True)
        company = link.procore_project_id is None
        return ToolRoot(procore_id=str(root.id), sp_folder_name=None if company else SP_FOLDER)

    def list_page(self, client: ProcoreClient, link: LinkRow, page: int) -> SourcePage:
        scope = scope_of(link)
        params: dict[str, Any] = {"sort": "created_at", "page": page, "per_page": PAGE_SIZE}
        response = client.session.request("GET", scope.index, route=scope.index_route, params=params)
        raw = response.json()
        items = [_from_index(DocumentItem.model_validate(entry)) for entry in raw]
        total = response.headers.get("Total")
        more = (page * PAGE_SIZE < int(total)) if total and total.isdigit() else len(raw) == PAGE_SIZE
        return SourcePage(items=[i for i in items if not i.deleted], next_page=page + 1 if more else None)

    def get(self, client: ProcoreClient, link: LinkRow, procore_id: str, kind: ItemKind) -> SourceItem | None:
        scope = scope_of(link)
        try:
            if kind is ItemKind.FILE:
                item = _from_file(client.documents.file(scope, int(procore_id), latest_version_only=True))
            else:
                item = _from_folder(client.documents.folder(scope, int(procore_id), exclude_files=True))
        except errors.NotFound:
            return None
        return None if item.deleted else item

    def fetch(self, client: ProcoreClient, link: LinkRow, item: SourceItem) -> Iterator[bytes]:
        url = item.download_url
        if url is None:
            current = self.get(client, link, item.procore_id, ItemKind.FILE)
            url = current.download_url if current else None
        if url is None:
            raise errors.NotFound(f"file {item.procore_id} has no version to download")
        return client.downloads.iter_bytes(url)

    def kind_of_resource(self, resource_name: str) -> ItemKind | None:
        name = resource_name.lower()
        if not name.startswith(("project ", "company ")):
            return None
        if name.endswith(" files"):
            return ItemKind.FILE
        if name.endswith(" folders"):
            return ItemKind.FOLDER
        return None

    def resource_name(self, link: LinkRow, kind: ItemKind) -> str:
        level = "Project" if link.procore_project_id is not None else "Company"
        return f"{level} {'Files' if kind is ItemKind.FILE else 'Folders'}"
