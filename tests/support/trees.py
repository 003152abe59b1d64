"""Reading both sides back for the live e2e modules, through the public APIs with the *user* identities:
a live Procore item by name, its bytes and versions, a SharePoint item's QuickXorHash, the writes the
product (the *app* identities) made so far, and a whole-subtree comparison of the two sides.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from shared.graph import items as sp_items
from shared.procore.client import ProcoreClient
from shared.procore.models import DocumentItem
from shared.procore.scope import Scope
from shared.sync.naming import sharepoint_name
from tests.support.e2e import Onboarded, Running, quickxor_of, sp_tree, wait_for

WRITES = ("POST", "PUT", "PATCH", "DELETE")
DEFERRED = re.compile(r" deferred [0-9.]+ s \(attempt [0-9]+\)")  # shared/sync/dispatch.py's log line


def procore_item(user: ProcoreClient, scope: Scope, name: str, *, parent_id: int | None = None) -> DocumentItem | None:
    """The live (not deleted, not in the recycle bin) Procore item with this name (and parent)."""
    for item in user.documents.list_documents(scope):
        if item.name == name and not item.is_deleted and not item.is_recycle_bin \
                and (parent_id is None or item.parent_id == parent_id):
            return item
    return None


def procore_bytes(user: ProcoreClient, scope: Scope, file_id: int) -> bytes | None:
    """The latest version's bytes of a Procore file; None when it is deleted or has no version."""
    file = user.documents.file(scope, file_id, latest_version_only=True)
    if file.is_deleted or file.latest_version is None:
        return None
    return b"".join(user.downloads.iter_bytes(file.latest_version.url))


def procore_versions(user: ProcoreClient, scope: Scope, file_id: int) -> list[int]:
    """Every version id of a Procore file, oldest first."""
    return sorted(v.id for v in user.documents.file(scope, file_id).file_versions)


def recycled_ids(user: ProcoreClient, scope: Scope) -> set[int]:
    """Ids of everything in the project's Documents recycle bin."""
    return {i.id for i in user.documents.list_documents(scope, in_recycle_bin=True)}


def sp_hash(run: Running, sp_id: str) -> str | None:
    """The QuickXorHash of a SharePoint file; None when it is gone."""
    try:
        item = sp_items.get_item(run.graph_session("user"), run.site["drive_id"], sp_id)
    except Exception:
        return None
    return None if item.is_deleted else item.quick_xor_hash


def app_writes(run: Running) -> tuple[dict[str, int], dict[str, int]]:
    """Write calls the product (the app identities) made so far: (Graph, Procore), by route template."""
    graph: dict[str, Any] = run.emulator("graph", "/_emulator/stats")
    procore: dict[str, Any] = run.emulator("procore", "/_emulator/stats")
    g = graph["clients"].get(run.doc["graph"]["app"]["client_id"], {}).get("routes", {})
    p = procore["by_client"].get(run.doc["procore"]["app"]["client_id"], {}).get("routes", {})
    return ({r: n for r, n in g.items() if r.split(" ")[0] in WRITES},
            {r: v["calls"] for r, v in p.items() if r.split(" ")[0] in WRITES})


def notifications_settled(run: Running) -> bool:
    """No Procore webhook and no Graph notification queued, waiting for a retry or in flight: everything
    raised so far has reached the host (or given up)."""
    return all(run.emulator(which, "/_emulator/notifications")["pending"] == 0 for which in ("procore", "graph"))


def host_log(run: Running) -> str:
    return (run.stack.state_dir / "host.log").read_text(errors="replace")


def deferrals(run: Running) -> int:
    """Queue steps the host deferred to later so far (a locked item, a transient error): its log lines."""
    return len(DEFERRED.findall(host_log(run)))


def _procore_side(user: ProcoreClient, scope: Scope, folder_id: int) -> tuple[set[str], dict[str, int], list[str]]:
    """(folder paths, file path -> Procore id, duplicate paths) below a Procore folder, names as SharePoint
    shows them."""
    items = {i.id: i for i in user.documents.list_documents(scope) if not i.is_deleted and not i.is_recycle_bin}
    folders: set[str] = set()
    files: dict[str, int] = {}
    duplicates: list[str] = []
    for item in items.values():
        parts: list[str] = []
        node: DocumentItem | None = item
        while node is not None and node.id != folder_id:
            parts.append(sharepoint_name(node.name, is_folder=node.is_folder))
            if node.parent_id == folder_id:
                break
            node = items.get(node.parent_id) if node.parent_id is not None else None
        if node is None or node.id == folder_id:
            continue  # not below the folder (the index leaves out the root itself)
        path = str(PurePosixPath("/", *reversed(parts)))
        if item.is_folder:
            folders.add(path)
        elif path in files:
            duplicates.append(path)
        else:
            files[path] = item.id
    return folders, files, duplicates


def procore_files(user: ProcoreClient, scope: Scope, folder_id: int) -> dict[str, int]:
    """The live files below a Procore folder: path as SharePoint shows it ("/Sub/name.txt") -> Procore id."""
    return _procore_side(user, scope, folder_id)[1]


def tree_differences(run: Running, scope: Scope, procore_folder_id: int, sp_folder_id: str) -> list[str]:
    """How a Procore folder's subtree and a SharePoint folder's subtree differ (empty: identical): folder
    structure, file names (per the naming map), bytes by QuickXorHash, each file exactly once."""
    user, graph = run.procore_client("user"), run.graph_session("user")
    p_folders, p_files, duplicates = _procore_side(user, scope, procore_folder_id)
    s_folders: set[str] = set()
    s_files: dict[str, str | None] = {}
    for path, item in sp_tree(graph, run.site["drive_id"], sp_folder_id):
        if item.is_folder:
            s_folders.add(str(path))
        else:
            s_files[str(path)] = item.quick_xor_hash
    out: list[str] = [f"twice in Procore: {p}" for p in duplicates]
    out += [f"folder only in Procore: {p}" for p in sorted(p_folders - s_folders)]
    out += [f"folder only in SharePoint: {p}" for p in sorted(s_folders - p_folders)]
    out += [f"file only in Procore: {p}" for p in sorted(set(p_files) - set(s_files))]
    out += [f"file only in SharePoint: {p}" for p in sorted(set(s_files) - set(p_files))]
    for both in sorted(set(p_files) & set(s_files)):
        file = user.documents.file(scope, p_files[both], latest_version_only=True)
        latest = file.latest_version
        digest = quickxor_of(user.downloads.iter_bytes(latest.url)) if latest is not None else None
        if digest != s_files[both]:
            out.append(f"different bytes: {both}")
    return out


def wait_identical(run: Running, scope: Scope, procore_folder_id: int, sp_folder_id: str,
                   timeout: float = 60) -> None:
    """Wait until both subtrees are identical; the last differences are in the failure message."""
    last: list[str] = []

    def same() -> bool:
        last[:] = tree_differences(run, scope, procore_folder_id, sp_folder_id)
        return not last

    try:
        wait_for(same, timeout, "both trees to be identical", interval=2.0)
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {last}") from None


def activity(run: Running, ob: Onboarded) -> list[dict[str, Any]]:
    """The link's activity, newest first, through the tenant's status API."""
    resp = run.api.get(f"/api/tenants/{ob.tenant_id}/links/{ob.link_id}/activity", headers=ob.auth,
                       params={"limit": 200})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    return list(body.get("items", body.get("value", [])))
