"""Documents tool, project and company level: folders, files, versions and the flat index.

Content goes up through the Uploader (upload uuid), never as `file[data]`; it comes down through
the Downloader using a version's opaque `url`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal

from .models import DocFile, DocumentItem, FileVersion, Folder
from .paging import PageNumberPaginator, dedupe, iterate, updated_between
from .scope import Scope
from .session import ProcoreSession

DocumentType = Literal["file", "folder"]


class DocumentsApi:
    def __init__(self, session: ProcoreSession, *, paginator: PageNumberPaginator | None = None) -> None:
        self._s = session
        self._pager = paginator or PageNumberPaginator()

    # folders -----------------------------------------------------------------------------------
    def root(self, scope: Scope, *, exclude_files: bool = False) -> Folder:
        return self.folder(scope, None, exclude_files=exclude_files)

    def folder(self, scope: Scope, folder_id: int | None, *, exclude_files: bool = False,
               latest_version_only: bool = True) -> Folder:
        params: dict[str, Any] = {**scope.query}
        if exclude_files:
            params["exclude_files"] = "true"
        if latest_version_only:
            params["show_latest_file_version_only"] = "true"
        if folder_id is None:
            body = self._s.get_json(f"{scope.v1}/folders", route=f"{scope.v1_route}/folders", params=params)
        else:
            body = self._s.get_json(f"{scope.v1}/folders/{folder_id}", route=f"{scope.v1_route}/folders/{{id}}",
                                    params=params)
        return Folder.model_validate(body)

    def create_folder(self, scope: Scope, name: str, parent_id: int | None = None) -> Folder:
        folder: dict[str, Any] = {"name": name}
        if parent_id is not None:
            folder["parent_id"] = parent_id
        body = self._s.request("POST", f"{scope.v1}/folders", route=f"{scope.v1_route}/folders",
                               params=scope.query, json={"folder": folder}).json()
        return Folder.model_validate(body)

    def update_folder(self, scope: Scope, folder_id: int, *, name: str | None = None,
                      parent_id: int | None = None) -> Folder:
        body = self._s.request("PATCH", f"{scope.v1}/folders/{folder_id}", route=f"{scope.v1_route}/folders/{{id}}",
                               params=scope.query, json={"folder": _some(name=name, parent_id=parent_id)}).json()
        return Folder.model_validate(body)

    def delete_folder(self, scope: Scope, folder_id: int) -> None:
        """Soft delete (recycle bin); an already-deleted folder counts as done."""
        self._s.request("DELETE", f"{scope.v1}/folders/{folder_id}", route=f"{scope.v1_route}/folders/{{id}}",
                        params=scope.query)

    # files -------------------------------------------------------------------------------------
    def file(self, scope: Scope, file_id: int, *, latest_version_only: bool = False) -> DocFile:
        params = {**scope.query, **({"show_latest_version_only": "true"} if latest_version_only else {})}
        body = self._s.get_json(f"{scope.v1}/files/{file_id}", route=f"{scope.v1_route}/files/{{id}}", params=params)
        return DocFile.model_validate(body)

    def create_file(self, scope: Scope, *, name: str, upload_uuid: str, parent_id: int | None = None,
                    description: str | None = None) -> DocFile:
        file = _some(name=name, parent_id=parent_id, description=description, upload_uuid=upload_uuid)
        body = self._s.request("POST", f"{scope.v1}/files", route=f"{scope.v1_route}/files", params=scope.query,
                               json={"file": file}).json()
        return DocFile.model_validate(body)

    def update_file(self, scope: Scope, file_id: int, *, name: str | None = None, parent_id: int | None = None,
                    upload_uuid: str | None = None, checked_out_until: datetime | None = None,
                    release_checkout: bool = False) -> DocFile:
        """Rename/move; `upload_uuid` adds a new version; set or release `checked_out_until`."""
        file = _some(name=name, parent_id=parent_id, upload_uuid=upload_uuid)
        if checked_out_until is not None:
            file["checked_out_until"] = checked_out_until.isoformat()
        elif release_checkout:
            file["checked_out_until"] = None
        body = self._s.request("PATCH", f"{scope.v1}/files/{file_id}", route=f"{scope.v1_route}/files/{{id}}",
                               params=scope.query, json={"file": file}).json()
        return DocFile.model_validate(body)

    def delete_file(self, scope: Scope, file_id: int) -> None:
        self._s.request("DELETE", f"{scope.v1}/files/{file_id}", route=f"{scope.v1_route}/files/{{id}}",
                        params=scope.query)

    def add_version(self, scope: Scope, file_id: int, *, upload_uuid: str, name: str | None = None,
                    notes: str | None = None) -> FileVersion:
        body = self._s.request(
            "POST", f"{scope.v1}/file_versions", route=f"{scope.v1_route}/file_versions",
            params={**scope.query, "file_id": file_id},
            json={"file_version": _some(upload_uuid=upload_uuid, name=name, notes=notes)},
        ).json()
        return FileVersion.model_validate(body)

    def version(self, scope: Scope, version_id: int) -> FileVersion:
        body = self._s.get_json(f"{scope.v1}/file_versions/{version_id}",
                                route=f"{scope.v1_route}/file_versions/{{id}}", params=scope.query)
        return FileVersion.model_validate(body)

    # flat index --------------------------------------------------------------------------------
    def list_documents(
        self, scope: Scope, *, updated_since: datetime | None = None, updated_until: datetime | None = None,
        document_type: DocumentType | None = None, folder_id: int | None = None, in_recycle_bin: bool = False,
        sort: str = "updated_at",
    ) -> Iterator[DocumentItem]:
        """Every folder/file (optionally changed in [since - lag, until]), de-duplicated by id."""
        params: dict[str, Any] = {"sort": sort}
        if updated_since is not None or updated_until is not None:
            params["filters[updated_at]"] = updated_between(updated_since, updated_until)
        if document_type is not None:
            params["filters[document_type]"] = document_type
        if folder_id is not None:
            params["filters[folder_id]"] = folder_id
        if in_recycle_bin:
            params["filters[is_in_recycle_bin]"] = "true"
        items = iterate(self._s, scope.index, route=scope.index_route, params=params, paginator=self._pager,
                        parse=DocumentItem.model_validate)
        return dedupe(items, key=lambda d: d.id)


def _some(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}
