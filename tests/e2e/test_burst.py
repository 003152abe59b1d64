"""Issue 6 (part): a burst of 50 mixed changes made on both sides at once converges — both trees
identical (names per the mapping, bytes, structure), every file exactly once — and afterwards the
pipeline goes quiet (no queue message pending or deferred, no call to either service) and the product
writes nothing more on either side (no echo loop).
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from shared.graph import content as sp_content
from shared.graph import items as sp_items
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from shared.sync.naming import sharepoint_name
from tests.support.e2e import (
    Onboarded,
    Running,
    procore_path,
    procore_tree,
    quickxor_of,
    sp_tree,
    wait_for,
    wait_quiet,
)
from tests.support.live import live_fixture

PROJECT = 111   # its own project on the shared stack (tests/support/live.py)
SCOPE = Scope.project(PROJECT)


live = live_fixture("burst", PROJECT)


def _snapshot(run: Running, ob: Onboarded) -> tuple[dict[str, str], dict[str, str | None]]:
    """(expected SharePoint path -> Procore file id, actual SharePoint path -> QuickXorHash) for files."""
    user = run.procore_client("user")
    nodes, root_id = procore_tree(user, PROJECT)
    expected: dict[str, str] = {}
    for node in nodes.values():
        if node.kind != "file":
            continue
        chain = procore_path(nodes, root_id, node)
        parts = [sharepoint_name(n.name, is_folder=n.kind == "folder") for n in chain]
        expected[str(PurePosixPath("/Documents", *parts))] = node.id
    graph = run.graph_session("user")
    root = sp_items.get_by_path(graph, run.site["drive_id"], ob.folder_path)
    assert root is not None
    actual = {str(p): i.quick_xor_hash for p, i in sp_tree(graph, run.site["drive_id"], root.id) if not i.is_folder}
    return expected, actual


LAST_DIFFERENCE: list[str] = []


def _converged(run: Running, ob: Onboarded) -> bool:
    """Both trees agree; otherwise LAST_DIFFERENCE says how they differ (shown when the wait times out)."""
    expected, actual = _snapshot(run, ob)
    LAST_DIFFERENCE[:] = [f"only in Procore: {sorted(set(expected) - set(actual))}",
                          f"only in SharePoint: {sorted(set(actual) - set(expected))}"]
    if set(expected) != set(actual):
        return False
    user = run.procore_client("user")
    different = []
    for path, file_id in expected.items():
        file = user.documents.file(SCOPE, int(file_id), latest_version_only=True)
        assert file.latest_version is not None
        if quickxor_of(user.downloads.iter_bytes(file.latest_version.url)) != actual[path]:
            different.append(path)
    LAST_DIFFERENCE[:] = [f"different bytes: {different}"]
    return not different


def _writes(run: Running) -> tuple[int, int]:
    graph_stats: dict[str, Any] = run.emulator("graph", "/_emulator/stats")
    procore_stats: dict[str, Any] = run.emulator("procore", "/_emulator/stats")
    g_routes = graph_stats["clients"][run.doc["graph"]["app"]["client_id"]]["routes"]
    p_routes = procore_stats["by_client"][run.doc["procore"]["app"]["client_id"]]["routes"]
    writes = ("POST", "PUT", "PATCH", "DELETE")
    g = sum(n for r, n in g_routes.items() if r.split(" ")[0] in writes)
    p = sum(v["calls"] for r, v in p_routes.items() if r.split(" ")[0] in writes)
    return g, p


def test_fifty_mixed_changes_on_both_sides_converge_and_settle(live: tuple[Running, Onboarded],
                                                               tmp_path: Path) -> None:
    run, ob = live
    user, graph, drive = run.procore_client("user"), run.graph_session("user"), run.site["drive_id"]
    root = user.documents.root(SCOPE, exclude_files=True)
    nodes, _ = procore_tree(user, PROJECT)
    procore_files = sorted((n for n in nodes.values() if n.kind == "file"), key=lambda n: n.id)
    docs = sp_items.get_by_path(graph, drive, f"{ob.folder_path}/Documents")
    assert docs is not None and len(procore_files) >= 25
    sp_files = [i for _, i in sp_tree(graph, drive, docs.id) if not i.is_folder]
    changes = 0

    # 25 in Procore: 10 new files (in a new folder), 8 new versions, 7 renames
    burst = user.documents.create_folder(SCOPE, "Burst From Procore", parent_id=root.id)
    changes += 1
    for i in range(9):
        (tmp_path / f"p{i}.txt").write_bytes(f"procore burst file {i}\n".encode() * (i + 1))
        up = user.uploads.upload(SCOPE, FileSource(tmp_path / f"p{i}.txt"), filename=f"p{i}.txt")
        user.documents.create_file(SCOPE, name=f"Procore Burst {i}.txt", parent_id=burst.id, upload_uuid=up.uuid)
        changes += 1
    for n in procore_files[:8]:
        (tmp_path / "v.txt").write_bytes(f"new version of {n.name}\n".encode() * 7)
        up = user.uploads.upload(SCOPE, FileSource(tmp_path / "v.txt"), filename=n.name)
        user.documents.add_version(SCOPE, int(n.id), upload_uuid=up.uuid)
        changes += 1
    for n in procore_files[8:15]:
        user.documents.update_file(SCOPE, int(n.id), name=f"Renamed In Procore {n.id}.txt")
        changes += 1

    # 25 in SharePoint, on other files: 10 new, 8 content edits, 4 renames, 3 deletes
    others = [i for i in sp_files if i.name and not any(i.name == sharepoint_name(n.name, is_folder=False)
                                                          for n in procore_files[:15])]
    sp_folder = sp_items.create_folder(graph, drive, docs.id, "Burst From SharePoint", "fail")
    changes += 1
    for i in range(9):
        sp_content.put_new_small(graph, drive, sp_folder.id, f"SP Burst {i}.txt", f"sp burst {i}\n".encode() * 3,
                                 "fail")
        changes += 1
    for item in others[:8]:
        sp_content.put_replace_small(graph, drive, item.id, f"edited in SharePoint: {item.name}\n".encode() * 5)
        changes += 1
    for item in others[8:12]:
        sp_items.update_item(graph, drive, item.id, name=f"Renamed In SharePoint {item.id[-6:]}.txt")
        changes += 1
    for item in others[12:15]:
        sp_items.delete_item(graph, drive, item.id)
        changes += 1
    assert changes == 50

    try:
        wait_for(lambda: _converged(run, ob), 180, "both trees to converge", interval=3.0)
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {LAST_DIFFERENCE}") from None
    try:
        wait_quiet(run, timeout=180)
    except AssertionError as exc:
        raise AssertionError(f"the product kept working after the burst converged (echo loop?): {exc}") from None
    before = _writes(run)
    wait_quiet(run)
    assert _writes(run) == before, "the product kept writing after the burst settled (echo loop)"
    assert _converged(run, ob)
