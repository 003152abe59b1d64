"""Issue 6 (part), initial sync from SharePoint with overlapping data: files on both sides with the
same path are matched (identical ones are not transferred at all; otherwise the newest wins and the
obsolete side gets a new version), and what exists on one side only is copied to the other. No
duplicates. Prints the duration next to a standard initial sync of the same project.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.graph import content as sp_content
from shared.graph import items as sp_items
from shared.graph.session import GraphSession
from shared.procore.client import ProcoreClient
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from shared.sync.naming import sharepoint_name
from tests.support.e2e import (
    Running,
    onboard,
    procore_path,
    procore_tree,
    quickxor_of,
    sp_tree,
    wait_regular,
)
from tests.support.live import module_stack

PROJECT = 121   # its own project on the shared stack (tests/support/live.py)
SCOPE = Scope.project(PROJECT)


@pytest.fixture(scope="module")
def run(shared_stack: Running) -> Iterator[Running]:
    yield from module_stack(shared_stack, "from-sp", PROJECT, "from-sp project")


def _ensure_path(graph: GraphSession, drive: str, parent: str, parts: list[str]) -> str:
    for part in parts:
        parent = sp_items.ensure_folder(graph, drive, parent, part).id
    return parent


def _bytes(user: ProcoreClient, file_id: int) -> tuple[bytes, int]:
    file = user.documents.file(SCOPE, file_id)
    assert file.latest_version is not None
    return b"".join(user.downloads.iter_bytes(file.latest_version.url)), len(file.file_versions)


def _versions(graph: GraphSession, drive: str, item_id: str) -> int:
    body: dict[str, Any] = graph.request("GET", f"/drives/{drive}/items/{item_id}/versions",
                                         route="/drives/{d}/items/{i}/versions").json()
    return len(body["value"])


def test_overlapping_trees_converge_without_duplicates(run: Running, tmp_path: Path) -> None:
    user, graph, drive = run.procore_client("user"), run.graph_session("user"), run.site["drive_id"]
    nodes, root_id = procore_tree(user, PROJECT)
    files = sorted((n for n in nodes.values() if n.kind == "file"), key=lambda n: n.id)
    assert len(files) >= 12
    identical, sp_newer, procore_newer = files[0:3], files[3:6], files[6:9]

    folder = f"Projects/Existing {uuid.uuid4().hex[:6]}"
    top = _ensure_path(graph, drive, sp_items.get_by_path(graph, drive, "").id,  # type: ignore[union-attr]
                       [*folder.split("/"), "Documents"])

    def place(node_id: str, data: bytes) -> str:
        chain = procore_path(nodes, root_id, nodes[node_id])
        parent = _ensure_path(graph, drive, top, [sharepoint_name(n.name, is_folder=True) for n in chain[:-1]])
        name = sharepoint_name(chain[-1].name, is_folder=False)
        return sp_content.put_new_small(graph, drive, parent, name, data, "fail").id

    sp_ids: dict[str, str] = {}
    for n in identical:
        sp_ids[n.id] = place(n.id, _bytes(user, int(n.id))[0])
    for n in sp_newer + procore_newer:
        sp_ids[n.id] = place(n.id, f"SharePoint's own copy of {n.name}\n".encode() * 20)
    time.sleep(1.1)
    for n in procore_newer:  # a newer version in Procore, made after the SharePoint copies
        data = f"Procore's newer version of {n.name}\n".encode() * 30
        (tmp_path / "v.bin").write_bytes(data)
        up = user.uploads.upload(SCOPE, FileSource(tmp_path / "v.bin"), filename=n.name)
        user.documents.add_version(SCOPE, int(n.id), upload_uuid=up.uuid)
    only_folder = sp_items.create_folder(graph, drive, top, "Only In SharePoint", "fail")
    sp_content.put_new_small(graph, drive, only_folder.id, "sp-only.txt", b"only in SharePoint\n", "fail")
    sp_content.put_new_small(graph, drive, top, "sp-only-top.txt", b"also only in SharePoint\n", "fail")

    started = time.monotonic()
    ob = onboard(run, PROJECT, initial_sync="from_sharepoint", folder_path=folder)
    wait_regular(run, ob, timeout=240)
    from_sp_s = time.monotonic() - started

    for n in identical:  # matched, nothing transferred either way
        assert _versions(graph, drive, sp_ids[n.id]) == 1
        assert _bytes(user, int(n.id))[1] == 1
    for n in sp_newer:  # SharePoint's copy won: a new version in Procore, SharePoint untouched
        data, versions = _bytes(user, int(n.id))
        assert data == f"SharePoint's own copy of {n.name}\n".encode() * 20 and versions == 2
        assert _versions(graph, drive, sp_ids[n.id]) == 1
    for n in procore_newer:  # Procore's newer version won: a new version in SharePoint
        item = sp_items.get_item(graph, drive, sp_ids[n.id])
        assert item.quick_xor_hash == quickxor_of(iter([f"Procore's newer version of {n.name}\n".encode() * 30]))
        assert _versions(graph, drive, sp_ids[n.id]) == 2

    after, _ = procore_tree(user, PROJECT)
    names = Counter((a.parent, a.name.lower()) for a in after.values())
    assert not [k for k, c in names.items() if c > 1], "duplicates in Procore"
    by_name = {a.name: a for a in after.values()}
    assert "sp-only-top.txt" in by_name and "sp-only.txt" in by_name and "Only In SharePoint" in by_name
    assert by_name["sp-only.txt"].parent == by_name["Only In SharePoint"].id
    assert _bytes(user, int(by_name["sp-only.txt"].id))[0] == b"only in SharePoint\n"
    sp_files = {str(p) for p, i in _sp_files(graph, drive, top)}
    expected = len([n for n in after.values() if n.kind == "file"])
    assert len(sp_files) == expected, "every Procore file exactly once in SharePoint"

    started = time.monotonic()
    standard = onboard(run, PROJECT, folder_path=f"Projects/Fresh {uuid.uuid4().hex[:6]}")
    wait_regular(run, standard, timeout=240)
    standard_s = time.monotonic() - started
    print(f"\ninitial sync from SharePoint {from_sp_s:.1f} s, standard {standard_s:.1f} s, "
          f"ratio {from_sp_s / standard_s:.2f}")


def _sp_files(graph: GraphSession, drive: str, folder_id: str) -> Iterator[tuple[str, Any]]:
    for path, item in sp_tree(graph, drive, folder_id):
        if not item.is_folder:
            yield str(path), item
