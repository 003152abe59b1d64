"""The demo's one-way record tools: one PDF per tool found in SharePoint after the initial sync, and one
live RFI edit (a person's, in Procore) timed until it arrives as a new version of the RFI's PDF.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from demo.onboarding import DOCUMENTS_ONLY, Onboarded
from demo.stack import Running
from demo.waiting import DemoFailure, wait_for
from shared.graph import fields as sp_fields
from shared.graph import items as sp_items
from shared.graph.models import DriveItem

# Each record tool's SharePoint folder (contract §4 keys -> the folder the product makes).
FOLDERS = {"rfis": "RFIs", "submittals": "Submittals", "drawings": "Drawings", "forms": "Forms",
           "observations": "Observations", "inspections": "Inspections", "incidents": "Incidents",
           "commitments": "Commitments"}
DEMO_TOOLS = {**DOCUMENTS_ONLY, **{tool: "one_way" for tool in FOLDERS}}


def _pdfs(run: Running, folder_id: str) -> Iterator[DriveItem]:
    """The record PDFs of a tool's folder: those directly in it, else those of its subfolders (drawing areas;
    another tool's subfolders hold a record's attachments)."""
    graph, drive = run.graph_session("user"), run.site["drive_id"]
    children = list(sp_items.iter_children(graph, drive, folder_id))
    direct = [c for c in children if not c.is_folder and (c.name or "").endswith(".pdf")]
    yield from direct
    if not direct:
        for sub in (c for c in children if c.is_folder):
            yield from (c for c in sp_items.iter_children(graph, drive, sub.id) if (c.name or "").endswith(".pdf"))


def one_pdf_per_tool(run: Running, ob: Onboarded) -> dict[str, DriveItem]:
    """A PDF of each record tool in SharePoint (DemoFailure naming the tool that has none)."""
    graph, drive = run.graph_session("user"), run.site["drive_id"]
    found: dict[str, DriveItem] = {}
    for folder in FOLDERS.values():
        box = sp_items.get_by_path(graph, drive, f"{ob.folder_path}/{folder}")
        pdf = next(_pdfs(run, box.id), None) if box is not None else None
        if pdf is None:
            raise DemoFailure(f"no {folder} PDF in SharePoint under {ob.folder_path}/{folder}")
        found[folder] = pdf
    return found


def _versions(run: Running, item_id: str) -> int:
    path = f"/drives/{run.site['drive_id']}/items/{item_id}/versions"
    return len(run.graph_session("user").request("GET", path, route="demo").json()["value"])


def live_rfi_edit(run: Running, project_id: int, pdf: DriveItem, timeout: float) -> float:
    """A person closes the RFI behind `pdf` in Procore; seconds until its PDF has a new SharePoint version."""
    graph = run.graph_session("user")
    link = str(sp_fields.get_fields(graph, run.site["drive_id"], pdf.id).get("ProcoreLink") or "")
    rfi_id = link.rstrip("/").rpartition("/")[2]
    if not rfi_id.isdigit():
        raise DemoFailure(f"the RFI PDF {pdf.name!r} has no Procore Link column ({link!r})")
    before = _versions(run, pdf.id)
    user = run.procore_client("user")
    started = time.monotonic()
    path = f"/rest/v1.0/projects/{project_id}/rfis/{rfi_id}"
    user.session.request("PATCH", path, route="demo", json={"rfi": {"status": "closed"}})
    wait_for(lambda: _versions(run, pdf.id) > before, timeout, f"the edited RFI {pdf.name!r} as a new version")
    return time.monotonic() - started
