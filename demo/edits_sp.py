"""A person's edits in SharePoint (the *user* Graph identity, so they reach the product as real change
notifications and delta), each followed until Procore shows it: a file uploaded into a synced folder,
its content replaced (a new Procore version), and renamed.
"""

from __future__ import annotations

import sys
from typing import TextIO

from demo.arrival import Arrivals
from demo.onboarding import Onboarded
from demo.stack import Running
from shared.graph import content as sp_content
from shared.graph import items as sp_items
from shared.procore.models import DocFile
from shared.procore.scope import Scope

MEMO, MEMO_RENAMED = "Site Memo.txt", "Site Memo - signed.txt"
PROCORE = "Procore"


class SharePointEdits(Arrivals):
    """Makes the edits in SharePoint (in the folder `sp_folder_id`, the twin of Procore's `folder_id`)."""

    def __init__(self, run: Running, ob: Onboarded, project_id: int, timeout: float, out: TextIO = sys.stdout):
        super().__init__(run, ob, timeout, out)
        self.scope = Scope.project(project_id)
        self.procore = run.procore_client("user")
        self.graph = run.graph_session("user")
        self.drive = run.site["drive_id"]

    def run_all(self, sp_folder_id: str, folder_id: int) -> None:
        first = b"Memo from the site office: crane inspection on Tuesday, 7:00.\n" * 30
        item = sp_content.put_new_small(self.graph, self.drive, sp_folder_id, MEMO, first, "fail")
        created = self.arrive(f"file created in SharePoint: {MEMO!r}", PROCORE,
                              lambda: self._file(folder_id, MEMO, first))

        second = first + b"Update: moved to Wednesday, same time.\n" * 20
        sp_content.put_replace_small(self.graph, self.drive, item.id, second)
        self.arrive("content replaced in SharePoint (new version)", PROCORE,
                    lambda: self._file(folder_id, MEMO, second, created.id))

        sp_items.update_item(self.graph, self.drive, item.id, name=MEMO_RENAMED)
        self.arrive(f"renamed in SharePoint to {MEMO_RENAMED!r}", PROCORE,
                    lambda: self._file(folder_id, MEMO_RENAMED, second, created.id))

    def _file(self, folder_id: int, name: str, data: bytes, same_id: int | None = None) -> DocFile | None:
        """The Procore file `name` in the folder with exactly these bytes (and this id), else None."""
        folder = self.procore.documents.folder(self.scope, folder_id)
        file = next((f for f in folder.files if f.name == name and not f.is_deleted), None)
        if file is None or (same_id is not None and file.id != same_id):
            return None
        latest = file.latest_version
        if latest is None or latest.size != len(data):
            return None
        return file if b"".join(self.procore.downloads.iter_bytes(latest.url)) == data else None
