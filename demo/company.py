"""The demo's company Documents: a second link of the demo's tenant (`"procore_company_documents": true`)
over the company's seeded Documents (the emulator's company tree), mirrored right below its SharePoint
folder; and one company document a person adds in Procore, timed until SharePoint holds its bytes.
"""

from __future__ import annotations

import sys
from typing import TextIO

from demo.arrival import Arrivals
from demo.expected import Comparison, check_documents
from demo.onboarding import Onboarded
from demo.stack import Running
from demo.trees import documents_tree, quickxor_of
from demo.uploads import upload_bytes
from demo.waiting import DemoFailure
from shared.graph import items as sp_items
from shared.procore.scope import Scope

COMPANY_FOLDER = "Company/Acme Builders"      # where the demo links the company's Documents in SharePoint
LIVE_FOLDER = "Safety Manuals"                # a seeded company folder (emulators/procore/seed.py COMPANY_TREE)
LIVE_FILE = "Crane Safety Plan 2026.txt"


def company_scope(run: Running) -> Scope:
    return Scope.company(int(run.doc["procore"]["company_id"]))


def check_company(run: Running, ob: Onboarded) -> Comparison:
    """Every syncable company folder and file is below the company link's folder (DemoFailure if not)."""
    return check_documents(run, ob, company_scope(run), top="")[0]


def company_counts(run: Running) -> tuple[int, int]:
    """(files, folders) of the company's Documents in Procore, as a person sees them."""
    nodes, _ = documents_tree(run.procore_client("user"), company_scope(run))
    files = sum(1 for n in nodes.values() if n.kind == "file")
    return files, len(nodes) - files


class CompanyEdits(Arrivals):
    """A person adds a company document in Procore; followed until SharePoint shows it with its bytes."""

    def __init__(self, run: Running, ob: Onboarded, timeout: float, out: TextIO = sys.stdout) -> None:
        super().__init__(run, ob, timeout, out)
        self.procore = run.procore_client("user")
        self.graph = run.graph_session("user")

    def run_all(self) -> None:
        scope = company_scope(self.run)
        nodes, _ = documents_tree(self.procore, scope)
        folder = next((n for n in nodes.values() if n.kind == "folder" and n.name == LIVE_FOLDER), None)
        if folder is None:
            raise DemoFailure(f"the company's Documents have no folder {LIVE_FOLDER!r}")
        data = b"Crane safety plan: exclusion zone 1.5 x boom length; wind limit 38 km/h.\n" * 50
        self.procore.documents.create_file(scope, name=LIVE_FILE, parent_id=int(folder.id),
                                           upload_uuid=upload_bytes(self.procore, scope, LIVE_FILE, data))
        want, path = quickxor_of(iter([data])), f"{self.ob.folder_path}/{LIVE_FOLDER}/{LIVE_FILE}"
        self.arrive(f"company document created in Procore: {LIVE_FILE!r}", "SharePoint",
                    lambda: (i := sp_items.get_by_path(self.graph, self.run.site["drive_id"], path)) is not None
                    and i.quick_xor_hash == want)
