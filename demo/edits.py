"""A person's edits in Procore (the *user* credential, so they reach the product as real webhooks),
each followed until SharePoint shows it: folder + file created, new version, rename, move, a lock
file that must be skipped, delete (to the SharePoint recycle bin).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

from demo.arrival import Arrivals
from demo.expected import TOOL_FOLDER
from demo.onboarding import Onboarded, link_status
from demo.stack import Running
from demo.trees import Node, quickxor_of
from demo.waiting import DemoFailure
from shared.graph import items as sp_items
from shared.graph.models import DriveItem
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from shared.sync.naming import sharepoint_name

FOLDER = "Site Visit: Level 3"
FILE, RENAMED, LOCK = "Inspection Notes.txt", "Inspection Notes - Final.txt", "~$Inspection Notes.docx"
MOVE_TO = "05 Closeout"
SP = "SharePoint"


class ProcoreEdits(Arrivals):
    """Makes the edits in Procore and waits for each in SharePoint (paths below the link folder)."""

    def __init__(self, run: Running, ob: Onboarded, project_id: int, timeout: float, out: TextIO = sys.stdout):
        super().__init__(run, ob, timeout, out)
        self.scope = Scope.project(project_id)
        self.procore = run.procore_client("user")
        self.graph = run.graph_session("user")
        self.folder_sp = sharepoint_name(FOLDER, is_folder=True)
        self.folder_id = 0          # the Procore folder the edits created
        self._tmp = Path(tempfile.mkdtemp(prefix="pcsync-demo-edits-"))

    def sp(self, rel: str) -> DriveItem | None:
        return sp_items.get_by_path(self.graph, self.run.site["drive_id"], f"{self.ob.folder_path}/{TOOL_FOLDER}/{rel}")

    def _upload(self, name: str, data: bytes) -> str:
        path = self._tmp / name.replace("~$", "lock-")
        path.write_bytes(data)
        return self.procore.uploads.upload(self.scope, FileSource(path), filename=name).uuid

    def run_all(self, nodes: dict[str, Node], root_id: str) -> None:
        try:
            self._edits(nodes, root_id)
        finally:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def _edits(self, nodes: dict[str, Node], root_id: str) -> None:
        docs, fsp = self.procore.documents, self.folder_sp
        target = next((n for n in nodes.values() if n.kind == "folder" and n.name == MOVE_TO and n.parent == root_id),
                      None)
        if target is None:
            raise DemoFailure(f"the seeded project has no top-level folder {MOVE_TO!r} to move a file into")

        folder = docs.create_folder(self.scope, FOLDER, parent_id=int(root_id))
        self.folder_id = folder.id
        sp_folder = self.arrive(f"folder created: {FOLDER!r} (as {fsp!r})", SP, lambda: self._folder(fsp))
        v1 = b"Level 3 walk-through: fire stopping at risers OK; 2 ceiling tiles to replace.\n" * 40
        doc = docs.create_file(self.scope, name=FILE, parent_id=folder.id, upload_uuid=self._upload("v1.txt", v1))
        created = self.arrive(f"file created: {FILE!r}", SP, lambda: self._with_bytes(f"{fsp}/{FILE}", v1))

        v2 = v1 + b"Follow-up: tiles replaced, signed off by the architect.\n" * 60
        docs.add_version(self.scope, doc.id, upload_uuid=self._upload("v2.txt", v2))
        self.arrive("new version uploaded", SP, lambda: self._with_bytes(f"{fsp}/{FILE}", v2, created.id))

        docs.update_file(self.scope, doc.id, name=RENAMED)
        self.arrive(f"renamed to {RENAMED!r}", SP, lambda: self._same(f"{fsp}/{RENAMED}", created.id))

        docs.update_file(self.scope, doc.id, parent_id=int(target.id))
        self.arrive(f"moved to {MOVE_TO!r}", SP, lambda: self._same(f"{MOVE_TO}/{RENAMED}", created.id)
                    and self.sp(f"{fsp}/{RENAMED}") is None)

        lock = docs.create_file(self.scope, name=LOCK, parent_id=folder.id,
                                upload_uuid=self._upload(LOCK, b"lock owner: site engineer\n"))
        self.arrive(f"lock file {LOCK!r} skipped", "the status API", lambda: self._skipped(str(lock.id)))
        children = sp_items.iter_children(self.graph, self.run.site["drive_id"], sp_folder.id)
        if any((i.name or "").endswith(LOCK[2:]) for i in children):
            raise DemoFailure(f"the lock file {LOCK!r} reached SharePoint; it must be skipped")

        docs.delete_file(self.scope, doc.id)
        self.arrive("deleted (to the SharePoint recycle bin)", SP,
                    lambda: self.sp(f"{MOVE_TO}/{RENAMED}") is None and self._binned(created.id))

    def _folder(self, rel: str) -> DriveItem | None:
        item = self.sp(rel)
        return item if item is not None and item.is_folder else None

    def _with_bytes(self, rel: str, data: bytes, same_id: str | None = None) -> DriveItem | None:
        item = self.sp(rel)
        if item is None or item.quick_xor_hash != quickxor_of(iter([data])):
            return None
        return item if same_id is None or item.id == same_id else None

    def _same(self, rel: str, item_id: str) -> DriveItem | None:
        item = self.sp(rel)
        return item if item is not None and item.id == item_id else None

    def _skipped(self, procore_id: str) -> dict[str, Any] | None:
        status = link_status(self.run, self.ob)
        return next((s for s in status["skipped_items"] if s.get("procore_id") == procore_id), None)

    def _binned(self, item_id: str) -> bool:
        binned = self.run.emulator("graph", f"/_emulator/recycle-bin?drive_id={self.run.site['drive_id']}")
        return item_id in {b["id"] for b in binned.get("value", [])}
