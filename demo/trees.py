"""Both sides read back through the public APIs: a Procore project's or company's Documents (flat index), a
SharePoint folder tree (children, recursively), QuickXorHash of bytes, and the notification
mailbox's sent items (Graph messages API).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from demo.stack import Running
from shared.graph import items as sp_items
from shared.graph.models import DriveItem
from shared.graph.quickxor import QuickXorHash
from shared.graph.session import GraphSession
from shared.procore.client import ProcoreClient
from shared.procore.scope import Scope

ROOT_PATH = PurePosixPath("/")


@dataclass(frozen=True)
class Node:
    kind: str          # "file" | "folder"
    id: str
    name: str
    parent: str | None
    size: int = 0


def procore_tree(client: ProcoreClient, project_id: int) -> tuple[dict[str, Node], str]:
    """Every live folder/file of the project's Documents by id, and the root folder id."""
    return documents_tree(client, Scope.project(project_id))


def documents_tree(client: ProcoreClient, scope: Scope) -> tuple[dict[str, Node], str]:
    """Every live folder/file of a Documents tool (a project's or the company's) by id, and its root folder id."""
    root = client.documents.root(scope, exclude_files=True)
    nodes: dict[str, Node] = {}
    for item in client.documents.list_documents(scope, sort="created_at"):
        if item.is_deleted or item.is_recycle_bin:
            continue
        size = 0
        if item.file is not None and item.file.current_version is not None:
            size = item.file.current_version.size or 0
        nodes[str(item.id)] = Node("folder" if item.is_folder else "file", str(item.id), item.name,
                                   str(item.parent_id) if item.parent_id is not None else None, size)
    return nodes, str(root.id)


def procore_path(nodes: dict[str, Node], root_id: str, node: Node) -> list[Node]:
    """The chain of nodes from the top folder below the root down to `node`."""
    chain = [node]
    while chain[-1].parent not in (None, root_id):
        chain.append(nodes[chain[-1].parent])
    return list(reversed(chain))


def sp_tree(session: GraphSession, drive_id: str, folder_id: str,
            prefix: PurePosixPath = ROOT_PATH) -> Iterator[tuple[PurePosixPath, DriveItem]]:
    """(path below `folder_id`, item) for everything under a SharePoint folder, parents first."""
    for child in sp_items.iter_children(session, drive_id, folder_id):
        path = prefix / (child.name or "")
        yield path, child
        if child.is_folder:
            yield from sp_tree(session, drive_id, child.id, path)


def quickxor_of(chunks: Iterator[bytes]) -> str:
    h = QuickXorHash()
    for chunk in chunks:
        h.update(chunk)
    return h.b64digest()


def sent_mail(run: Running, who: str = "app") -> list[dict[str, Any]]:
    """Messages in the notification mailbox's Sent Items, through the standard messages API, read with
    the `who` identity (the demo reads as `user`, so the product's call counts stay its own)."""
    g = run.doc["graph"]
    session = run.graph_session(who)
    resp = session.request("GET", f"/users/{g['mailbox']}/mailFolders/sentitems/messages",
                           route="/users/{id}/mailFolders/sentitems/messages")
    return list(resp.json().get("value", []))
