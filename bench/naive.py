"""The naive copier the product is compared with: list the project's Documents, then one file at a time
download it from Procore and PUT it to SharePoint (folders created on the way), with the product's own
credentials (`app`) and the same emulators. No queue, no state, no retries beyond the clients' own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from demo.stack import Running
from shared import errors
from shared.graph import items as sp_items
from shared.graph import upload as sp_upload
from shared.procore.scope import Scope


@dataclass(frozen=True)
class NaiveResult:
    seconds: float
    files: int
    skipped: int
    skipped_names: tuple[str, ...] = ()   # files it could not put in SharePoint (their names, as in Procore)


class _Bytes:
    """A downloaded file's bytes as shared.graph.upload.Content."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    @property
    def size(self) -> int:
        return len(self.data)

    def read(self, start: int, length: int) -> list[bytes]:
        return [self.data[start:start + length]]


def copy_project(run: Running, project_id: int, drive_id: str, folder_path: str) -> NaiveResult:
    """Copy the project's Documents to `folder_path`/Documents in the drive; timed from the first call."""
    started = time.monotonic()
    procore, graph = run.procore_client("app"), run.graph_session("app")
    scope = Scope.project(project_id)
    root = procore.documents.root(scope, exclude_files=True)
    items = [d for d in procore.documents.list_documents(scope, sort="created_at")
             if not d.is_deleted and not d.is_recycle_bin]
    drive_root = sp_items.get_by_path(graph, drive_id, "")
    assert drive_root is not None
    target = drive_root.id
    for name in [*folder_path.split("/"), "Documents"]:
        target = sp_items.ensure_folder(graph, drive_id, target, name).id
    sp_of: dict[int, str] = {root.id: target}
    by_id = {d.id: d for d in items}
    copied = skipped = 0
    skipped_names: list[str] = []

    def folder(fid: int) -> str | None:
        if fid in sp_of:
            return sp_of[fid]
        node = by_id.get(fid)
        if node is None or node.parent_id is None:
            return None
        parent = folder(node.parent_id)
        if parent is None:
            return None
        try:
            sp_of[fid] = sp_items.ensure_folder(graph, drive_id, parent, node.name).id
        except errors.ItemSkipped:
            return None
        return sp_of[fid]

    for item in items:
        if item.is_folder or item.file is None or item.file.current_version is None:
            continue
        parent = folder(item.parent_id) if item.parent_id is not None else target
        if parent is None:
            skipped += 1
            skipped_names.append(item.name)
            continue
        data = b"".join(procore.downloads.iter_bytes(item.file.current_version.url))
        try:
            sp_upload.upload_new(graph, drive_id, parent, item.name, _Bytes(data), conflict="replace")
            copied += 1
        except errors.ItemSkipped:
            skipped += 1
            skipped_names.append(item.name)
    return NaiveResult(time.monotonic() - started, copied, skipped, tuple(skipped_names))
