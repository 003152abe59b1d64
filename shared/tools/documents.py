"""Documents (project or company): a folder tree of versioned files, mirrored 1:1, both ways.

Enumeration uses the flat documents index (one paged listing, not a call per folder), sorted by
creation time so that pages stay stable while people keep working. The write half and the change feed
(the index by `updated_at`, live and recycled merged) live here too. Never imports azure.functions.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from shared import errors
from shared.models.api import Mode, ToolKey
from shared.models.rows import ItemKind, LinkRow
from shared.procore.client import ProcoreClient
from shared.procore.models import DocFile, DocumentItem, FolderRef
from shared.procore.paging import dedupe
from shared.procore.scope import Scope
from shared.safety.watermark import Changed
from shared.tools.base import (
    Capabilities,
    SourceItem,
    SourcePage,
    ToolRoot,
    VersionOrder,
    compare_increasing_ids,
    link_scope,
)

PAGE_SIZE = 100
SP_FOLDER = "Documents"
EVENTS_ALSO = ("Project File Versions", "Company File Versions")  # deliveries we accept but do not register
_EARLIEST = datetime.min.replace(tzinfo=UTC)
scope_of = link_scope  # the link's Procore scope (project, or company for company Documents)


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
                      deleted=item.is_deleted or item.is_recycle_bin, download_url=url, changed_at=item.updated_at)


def _from_file(file: DocFile) -> SourceItem:
    latest = file.latest_version
    return SourceItem(tool=ToolKey.DOCUMENTS, procore_id=str(file.id), kind=ItemKind.FILE, name=file.name,
                      parent_id=str(file.parent_id) if file.parent_id is not None else None,
                      version=str(latest.id) if latest else None,
                      size=latest.size if latest and latest.size is not None else file.size,
                      updated_at=(latest.created_at if latest else None) or file.updated_at, deleted=file.is_deleted,
                      download_url=latest.url if latest else None, locked_until=file.checked_out_until,
                      changed_at=file.updated_at)


def _from_folder(folder: FolderRef) -> SourceItem:
    return SourceItem(tool=ToolKey.DOCUMENTS, procore_id=str(folder.id), kind=ItemKind.FOLDER, name=folder.name,
                      parent_id=str(folder.parent_id) if folder.parent_id is not None else None,
                      updated_at=folder.updated_at, deleted=folder.is_deleted or folder.is_recycle_bin,
                      changed_at=folder.updated_at)


def _changed(item: DocumentItem) -> Changed:
    return Changed(procore_id=str(item.id), kind=ItemKind.FOLDER if item.is_folder else ItemKind.FILE,
                   updated_at=item.updated_at)


def _order(change: Changed) -> datetime:
    return change.updated_at or _EARLIEST


class DocumentsAdapter:
    key = ToolKey.DOCUMENTS
    title = "Documents"
    allowed_modes = frozenset({Mode.TWO_WAY, Mode.ONE_WAY, Mode.OFF})
    capabilities = Capabilities(available=True, two_way=True, company=True, versioned=True, tree=True,
                                derived_items=False, change_feed=True, from_sharepoint=True)

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

    def children(self, client: ProcoreClient, link: LinkRow, container_id: str) -> list[SourceItem]:
        folder = client.documents.folder(scope_of(link), int(container_id))
        found = [_from_folder(sub) for sub in folder.folders] + [_from_file(f) for f in folder.files]
        return [item for item in found if not item.deleted]

    def fetch(self, client: ProcoreClient, link: LinkRow, item: SourceItem) -> Iterator[bytes]:
        url = item.download_url
        if url is None:
            current = self.get(client, link, item.procore_id, ItemKind.FILE)
            url = current.download_url if current else None
        if url is None:
            raise errors.NotFound(f"file {item.procore_id} has no version to download")
        return client.downloads.iter_bytes(url)

    def parts(self, client: ProcoreClient, link: LinkRow, item: SourceItem) -> list[SourceItem]:
        return []   # a folder or a file is synced as it is: nothing derived

    def compare_versions(self, candidate: str, recorded: str) -> VersionOrder:
        return compare_increasing_ids(candidate, recorded)   # file version ids grow with time

    def changes(self, client: ProcoreClient, link: LinkRow, since: datetime, until: datetime) -> Iterator[Changed]:
        """Folders and files changed in [since, until], live ones and recycled ones merged by time (deleted
        items leave the normal listing for the recycle bin, so both are read)."""
        scope = scope_of(link)
        live = client.documents.list_documents(scope, updated_since=since, updated_until=until)
        binned = client.documents.list_documents(scope, updated_since=since, updated_until=until, in_recycle_bin=True)
        merged = heapq.merge(map(_changed, live), map(_changed, binned), key=_order)
        return dedupe(merged, key=lambda change: change.procore_id)

    def check_access(self, client: ProcoreClient, scope: Scope) -> None:
        client.documents.root(scope, exclude_files=True)

    def webhook_resources(self, *, company: bool) -> tuple[str, ...]:
        # "... File Versions" is left out on purpose: a new version also fires "... Files" update, and one
        # event per change is enough (the detect step re-reads the file anyway).
        return ("Company Folders", "Company Files") if company else ("Project Folders", "Project Files")

    def owns_resource(self, resource_name: str) -> bool:
        return resource_name in (*self.webhook_resources(company=False), *self.webhook_resources(company=True),
                                 *EVENTS_ALSO)

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

    def create_container(self, client: ProcoreClient, link: LinkRow, parent_id: str, name: str) -> SourceItem:
        scope = scope_of(link)
        existing = next((f for f in client.documents.folder(scope, int(parent_id), exclude_files=True).folders
                         if f.name.lower() == name.lower() and not f.is_deleted), None)
        return _from_folder(existing or client.documents.create_folder(scope, name, parent_id=int(parent_id)))

    def create_content(self, client: ProcoreClient, link: LinkRow, parent_id: str, name: str,
                       upload_uuid: str) -> SourceItem:
        return _from_file(client.documents.create_file(scope_of(link), name=name, upload_uuid=upload_uuid,
                                                       parent_id=int(parent_id)))

    def replace_content(self, client: ProcoreClient, link: LinkRow, procore_id: str, upload_uuid: str) -> SourceItem:
        return _from_file(client.documents.update_file(scope_of(link), int(procore_id), upload_uuid=upload_uuid))

    def move(self, client: ProcoreClient, link: LinkRow, procore_id: str, kind: ItemKind, *,
             name: str | None = None, parent_id: str | None = None) -> None:
        scope, parent = scope_of(link), int(parent_id) if parent_id is not None else None
        if kind is ItemKind.FOLDER:
            client.documents.update_folder(scope, int(procore_id), name=name, parent_id=parent)
        else:
            client.documents.update_file(scope, int(procore_id), name=name, parent_id=parent)

    def delete(self, client: ProcoreClient, link: LinkRow, procore_id: str, kind: ItemKind) -> None:
        if kind is ItemKind.FOLDER:
            client.documents.delete_folder(scope_of(link), int(procore_id))
        else:
            client.documents.delete_file(scope_of(link), int(procore_id))

    def sp_columns(self, item: SourceItem) -> dict[str, str]:
        return {}  # Documents mirror files as they are: no extra SharePoint columns

    def web_url(self, scope: Scope, item: SourceItem, *, api_base: str) -> str | None:
        """The item's page in Procore's web app: none is known for a document or folder. Procore's API gives
        no web address of one (no field of a folder, a file or a documents index item holds one), Procore's
        published web routes (the developer docs' side-panel views) name no Documents page, and the emulator
        serves no web app: None rather than a guessed address."""
        return None
