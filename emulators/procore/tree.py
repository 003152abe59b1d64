"""Documents folder trees (project and company level): roots, paths, and the JSON shapes.

Each scope has a root folder and a system recycle-bin folder. Soft-deleted items keep their parent
and show `is_deleted: true`; they disappear from folder listings and appear under
`filters[is_in_recycle_bin]=true` of the documents index.
"""

from __future__ import annotations

import os
from typing import Any

from .config import Identity
from .downloads import download_url
from .errors import not_found
from .models import File, FileVersion, Folder, Scope
from .store import State, iso

ROOT_NAME = "Documents"


def company_of(st: State, scope: Scope) -> int:
    return st.directory.projects[scope[1]].company_id if scope[0] == "project" else scope[1]


def roots(st: State, scope: Scope) -> tuple[Folder, Folder]:
    with st.lock:
        ids = st.roots.get(scope)
        if ids is None:
            now = st.now()
            system = {"id": 0, "login": "system", "name": "Procore"}
            root = Folder(st.next_id("folder"), scope, ROOT_NAME, None, now, now, system)
            binf = Folder(st.next_id("folder"), scope, "Recycle Bin", root.id, now, now, system, is_recycle_bin=True)
            st.folders[root.id] = root
            st.folders[binf.id] = binf
            ids = st.roots[scope] = (root.id, binf.id)
        return st.folders[ids[0]], st.folders[ids[1]]


def get_folder(st: State, scope: Scope, folder_id: int) -> Folder:
    f = st.folders.get(folder_id)
    if f is None or f.scope != scope:
        raise not_found()
    return f


def get_file(st: State, scope: Scope, file_id: int) -> File:
    f = st.files.get(file_id)
    if f is None or f.scope != scope:
        raise not_found()
    return f


def path_of(st: State, folder_id: int | None) -> str:
    names: list[str] = []
    while folder_id is not None:
        f = st.folders[folder_id]
        names.append(f.name)
        folder_id = f.parent_id
    return "/".join(reversed(names))


def live_children(st: State, folder_id: int) -> tuple[list[Folder], list[File]]:
    folders = [f for f in st.folders.values() if f.parent_id == folder_id and not f.is_deleted]
    files = [f for f in st.files.values() if f.parent_id == folder_id and not f.is_deleted]
    return sorted(folders, key=lambda f: f.name.lower()), sorted(files, key=lambda f: f.name.lower())


def is_within(st: State, folder_id: int | None, ancestor_id: int) -> bool:
    while folder_id is not None:
        if folder_id == ancestor_id:
            return True
        folder_id = st.folders[folder_id].parent_id
    return False


def name_taken(st: State, parent_id: int, name: str, *, exclude: int | None = None) -> bool:
    lowered = name.lower()
    return any(
        x.parent_id == parent_id and not x.is_deleted and x.name.lower() == lowered and x.id != exclude
        for x in (*st.folders.values(), *st.files.values())
    )


def file_type(name: str) -> str:
    return os.path.splitext(name)[1].lstrip(".").lower()


def render_version(st: State, v: FileVersion, scope: Scope) -> dict[str, Any]:
    url = download_url(st, v.blob_key, scope, company_of(st, scope))
    return {
        "id": v.id, "file_id": v.file_id, "number": v.number, "notes": v.notes, "size": v.size,
        "created_at": iso(v.created_at), "created_by": v.created_by, "url": url,
        "prostore_file": {"id": v.id + 7_000_000, "name": v.name, "filename": v.name, "url": url},
    }


def render_file(st: State, f: File, *, latest_only: bool = False) -> dict[str, Any]:
    versions = [st.versions[v] for v in f.versions]
    versions.sort(key=lambda v: v.number, reverse=True)
    if latest_only:
        versions = versions[:1]
    return {
        "id": f.id, "name": f.name, "parent_id": f.parent_id,
        "size": st.versions[f.versions[-1]].size if f.versions else 0,
        "description": f.description, "created_at": iso(f.created_at), "updated_at": iso(f.updated_at),
        "checked_out_until": iso(f.checked_out_until), "checked_out_by": f.checked_out_by,
        "name_with_path": f"{path_of(st, f.parent_id)}/{f.name}", "private": f.private,
        "is_tracked": False, "tracked_folder": None, "file_type": file_type(f.name), "legacy_id": None,
        "is_deleted": f.is_deleted, "custom_fields": {},
        "file_versions": [render_version(st, v, f.scope) for v in versions],
    }


def render_folder(st: State, f: Folder, *, with_children: bool = True, exclude_folders: bool = False,
                  exclude_files: bool = False, latest_only: bool = False) -> dict[str, Any]:
    sub_folders, sub_files = live_children(st, f.id)
    body: dict[str, Any] = {
        "id": f.id, "name": f.name, "parent_id": f.parent_id, "private": f.private,
        "updated_at": iso(f.updated_at), "is_tracked": f.is_tracked, "tracked_folder": None,
        "name_with_path": path_of(st, f.id), "read_only": f.is_recycle_bin, "is_deleted": f.is_deleted,
        "is_recycle_bin": f.is_recycle_bin, "has_children": bool(sub_folders or sub_files),
        "has_children_files": bool(sub_files), "has_children_folders": bool(sub_folders),
        "custom_fields": {}, "folders": [], "files": [],
    }
    if with_children:
        if not exclude_folders:
            body["folders"] = [render_folder(st, c, with_children=False) for c in sub_folders]
        if not exclude_files:
            body["files"] = [render_file(st, c, latest_only=latest_only) for c in sub_files]
    return body


def render_index_item(st: State, item: Folder | File, identity: Identity | None = None) -> dict[str, Any]:
    is_file = isinstance(item, File)
    parent_path = path_of(st, item.parent_id)
    body: dict[str, Any] = {
        "id": item.id, "name": item.name,
        "name_with_path": f"{parent_path}/{item.name}" if parent_path else item.name,
        "parent_id": item.parent_id, "document_type": "file" if is_file else "folder",
        "created_at": iso(item.created_at), "updated_at": iso(item.updated_at),
        "created_by": item.created_by, "read_only": False, "is_deleted": item.is_deleted,
        "is_recycle_bin": (not is_file) and item.is_recycle_bin,  # type: ignore[union-attr]
        "is_tracked": False, "private": item.private,
        "private_parent": {"id": None, "name": None, "name_with_path": None},
        "tracked_folder": None, "custom_fields": {},
    }
    if isinstance(item, File):
        latest = st.versions[item.versions[-1]] if item.versions else None
        body["file"] = {
            "checked_out_by": item.checked_out_by, "checked_out_until": iso(item.checked_out_until),
            "description": item.description, "file_type": file_type(item.name),
            "current_version": render_version(st, latest, item.scope) if latest else None,
        }
        body["children"] = {"has_children": False, "has_children_files": False, "has_children_folders": False}
    else:
        sub_folders, sub_files = live_children(st, item.id)
        body["children"] = {"has_children": bool(sub_folders or sub_files),
                            "has_children_files": bool(sub_files), "has_children_folders": bool(sub_folders)}
    return body
