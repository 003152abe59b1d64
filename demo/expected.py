"""What SharePoint must hold for a Procore Documents tool (a project's or the company's), and the check
that it does. From the Procore tree: each item's expected path below the link folder (names mapped as the
product maps them), or why it is not synced. Then SharePoint is compared folder by folder, by names and count.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from demo.onboarding import Onboarded
from demo.stack import Running
from demo.trees import Node, documents_tree, procore_path, sp_tree
from demo.waiting import DemoFailure
from shared.errors import ItemSkipped
from shared.graph import items as sp_items
from shared.graph.models import DriveItem
from shared.procore.scope import Scope
from shared.sync.naming import MAX_PATH_CHARS, sharepoint_name, unsupported_reason

TOOL_FOLDER = "Documents"


@dataclass
class Expected:
    paths: dict[str, PurePosixPath] = field(default_factory=dict)   # procore id -> path below the link folder
    skipped: dict[str, str] = field(default_factory=dict)           # procore id -> reason


def expected_tree(nodes: dict[str, Node], root_id: str, link_folder: str, top: str = TOOL_FOLDER) -> Expected:
    """Where each Procore item must be in SharePoint, or why it must not be there. `top`: where the tree
    starts below the link folder (a project link's `Documents`; "" for the company's, mirrored right there)."""
    out = Expected()
    prefix_len = len(link_folder.strip("/")) + 1
    for node in sorted(nodes.values(), key=lambda n: len(procore_path(nodes, root_id, n))):
        chain = procore_path(nodes, root_id, node)
        if len(chain) > 1 and chain[-2].id in out.skipped:
            out.skipped[node.id] = "parent skipped"
            continue
        try:
            name = sharepoint_name(node.name, is_folder=node.kind == "folder")
        except ItemSkipped as exc:
            out.skipped[node.id] = exc.reason
            continue
        if node.kind == "file" and unsupported_reason(node.name):
            out.skipped[node.id] = str(unsupported_reason(node.name))
            continue
        parent = out.paths[chain[-2].id] if len(chain) > 1 else PurePosixPath(top)
        path = parent / name
        if prefix_len + len(str(path)) > MAX_PATH_CHARS:
            out.skipped[node.id] = "path too long"
            continue
        out.paths[node.id] = path
    return out


@dataclass
class Comparison:
    expected_files: int
    expected_folders: int
    found_files: int
    found_folders: int
    bytes: int
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    wrong_size: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.unexpected or self.wrong_size)

    def problems(self, limit: int = 15) -> list[str]:
        lines = [f"missing in SharePoint: {p}" for p in self.missing]
        lines += [f"in SharePoint but not expected: {p}" for p in self.unexpected]
        lines += [f"size differs from Procore: {p}" for p in self.wrong_size]
        return lines[:limit] + ([f"... and {len(lines) - limit} more"] if len(lines) > limit else [])


def compare(nodes: dict[str, Node], exp: Expected, sp: list[tuple[PurePosixPath, DriveItem]],
            top: str = TOOL_FOLDER) -> Comparison:
    """Folder by folder: the names SharePoint holds against the names Procore's syncable items map to,
    and each file's size. `sp` is the tree below the link folder (paths relative to it, leading `/`);
    `top` as for `expected_tree`."""
    want: dict[str, Node] = {str(path): nodes[pid] for pid, path in exp.paths.items()}
    have: dict[str, DriveItem] = {str(p).lstrip("/"): item for p, item in sp if str(p).lstrip("/") != top}
    want_by: dict[str, set[str]] = defaultdict(set)
    have_by: dict[str, set[str]] = defaultdict(set)
    for path in want:
        want_by[str(PurePosixPath(path).parent)].add(PurePosixPath(path).name)
    for path in have:
        have_by[str(PurePosixPath(path).parent)].add(PurePosixPath(path).name)
    cmp = Comparison(
        expected_files=sum(1 for n in want.values() if n.kind == "file"),
        expected_folders=sum(1 for n in want.values() if n.kind == "folder"),
        found_files=sum(1 for p, i in have.items() if not i.is_folder and p in want),
        found_folders=sum(1 for p, i in have.items() if i.is_folder and p in want),
        bytes=sum(i.size or 0 for p, i in have.items() if not i.is_folder and p in want),
    )
    for folder in sorted(set(want_by) | set(have_by)):
        cmp.missing += [f"{folder}/{n}" for n in sorted(want_by[folder] - have_by[folder])]
        cmp.unexpected += [f"{folder}/{n}" for n in sorted(have_by[folder] - want_by[folder])]
    for path, node in sorted(want.items()):
        item = have.get(path)
        if item is not None and node.kind == "file" and (item.is_folder or item.size != node.size):
            cmp.wrong_size.append(path)
    return cmp


def check_documents(run: Running, ob: Onboarded, scope: Scope,
                    top: str = TOOL_FOLDER) -> tuple[Comparison, dict[str, Node], str]:
    """Procore's Documents of `scope` (user identity) against SharePoint (user identity) below the link
    folder's `top` (other tools' folders aside); DemoFailure listing what differs. Returns the comparison,
    the Procore nodes and the Procore root folder id."""
    nodes, root_id = documents_tree(run.procore_client("user"), scope)
    exp = expected_tree(nodes, root_id, ob.folder_path, top)
    graph, drive = run.graph_session("user"), run.site["drive_id"]
    link_root = sp_items.get_by_path(graph, drive, ob.folder_path)
    if link_root is None:
        raise DemoFailure(f"the link folder {ob.folder_path!r} is not in SharePoint")
    below = [(p, i) for p, i in sp_tree(graph, drive, link_root.id)
             if not top or str(p).lstrip("/").split("/")[0] == top]
    cmp = compare(nodes, exp, below, top)
    if not cmp.ok:
        raise DemoFailure(f"SharePoint's {ob.folder_path!r} does not match Procore:\n  " + "\n  ".join(cmp.problems()))
    return cmp, nodes, root_id
