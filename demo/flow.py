"""The demo's steps on a started stack: onboard the project and the company's Documents, follow the
initial sync, check SharePoint against Procore, read the email back, make the live edits, check again,
and assemble the summary. Every check raises DemoFailure naming what did not arrive.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any, TextIO

from demo.company import COMPANY_FOLDER, CompanyEdits, check_company, company_counts
from demo.edits import ProcoreEdits
from demo.edits_sp import SharePointEdits
from demo.expected import Comparison, check_documents
from demo.onboarding import NOTIFY, Onboarded, link_company_documents, link_status, onboard, sign_in_link, wait_regular
from demo.photos import TWICE, PhotoEdits, add_duplicate_name, check_photos
from demo.progress import follow_initial_sync
from demo.records import DEMO_TOOLS, live_rfi_edit, one_pdf_per_tool
from demo.stack import Running
from demo.summary import Summary, mb
from demo.trees import Node, procore_tree, sent_mail
from demo.waiting import DemoFailure, wait_for
from shared.graph import items as sp_items
from shared.procore.scope import Scope


@dataclass
class Timeouts:
    initial_sync: float = 240.0
    live_change: float = 60.0
    email: float = 30.0


def _project_name(run: Running, project_id: int) -> str:
    names = {int(p["id"]): str(p["name"]) for p in run.doc["procore"]["projects"]}
    if project_id not in names:
        raise DemoFailure(f"the Procore emulator has no project {project_id} (it has {sorted(names)})")
    return names[project_id]


def _free_folder(run: Running, path: str) -> str:
    """`path` (`Projects/<name>`), or `<path> (n)` when a previous run in the same state dir took it."""
    graph, drive = run.graph_session("user"), run.site["drive_id"]
    for n in range(1, 100):
        free = path + (f" ({n})" if n > 1 else "")
        if sp_items.get_by_path(graph, drive, free) is None:
            return free
    raise DemoFailure(f"no free folder name for {path!r} in SharePoint")


def check_tree(run: Running, ob: Onboarded, project_id: int) -> tuple[Comparison, dict[str, Node], str]:
    """The project's Documents (Photos and the record tools aside; Photos are checked in demo/photos.py)."""
    return check_documents(run, ob, Scope.project(project_id))


def _email(run: Running, subject: str, timeout: float) -> dict[str, Any]:
    def find() -> dict[str, Any] | None:
        return next((m for m in sent_mail(run, "user") if m.get("subject") == subject), None)

    mail: dict[str, Any] = wait_for(find, timeout, f'the email "{subject}" in the mailbox\'s sent items', interval=1.0)
    to = sorted(r["emailAddress"]["address"] for r in mail.get("toRecipients", []))
    if to != sorted(NOTIFY):
        raise DemoFailure(f'the email "{subject}" went to {to}, not to {sorted(NOTIFY)}')
    return mail


def _settled(status: dict[str, Any], what: str) -> None:
    counts = status["counts"]
    if counts["pending"] or counts["failed"]:
        raise DemoFailure(f"{what}: items still pending or failed: {counts}")


def run_demo(run: Running, project_id: int, timeouts: Timeouts, out: TextIO = sys.stdout) -> tuple[Summary, Onboarded]:
    def say(text: str) -> None:
        out.write(text + "\n")
        out.flush()

    project = _project_name(run, project_id)
    run.emulator("procore", "/_emulator/reset-stats", {})
    run.emulator("graph", "/_emulator/reset-stats", {})
    nodes, _ = procore_tree(run.procore_client("user"), project_id)
    files = [n for n in nodes.values() if n.kind == "file"]
    say(f"Procore project {project_id} {project!r}: {len(files)} files in "
        f"{len(nodes) - len(files)} folders, {mb(sum(n.size for n in files))}")
    company_files, company_folders = company_counts(run)
    say(f"Procore company Documents: {company_files} files in {company_folders} folders")

    add_duplicate_name(run.procore_client("user"), project_id)   # two phones' IMG_0001.jpg in one album
    folder = _free_folder(run, f"Projects/{project}")
    ob = onboard(run, project_id, folder_path=folder, tools={**DEMO_TOOLS, "photos": "two_way"})
    say(f"Onboarded through the API: tenant {ob.tenant_id}, link {ob.link_id} -> SharePoint '{folder}'")
    company = link_company_documents(run, ob, _free_folder(run, COMPANY_FOLDER))
    say(f"  and the company's Documents: link {company.link_id} -> SharePoint '{company.folder_path}'")
    photos_total = len(list(run.procore_client("user").photos.albums(project_id))) + \
        len(list(run.procore_client("user").photos.images(project_id)))
    sync = follow_initial_sync(run, ob, len(nodes) + photos_total, timeouts.initial_sync, out)
    _settled(sync.status, "after the initial sync")
    _settled(wait_regular(run, company, timeouts.initial_sync), "after the company's initial sync")
    initial, _, _ = check_tree(run, ob, project_id)
    say(f"Verified: all {initial.expected_files} syncable files and {initial.expected_folders} folders are in "
        "SharePoint with Procore's names and sizes")
    photos = check_photos(run, ob, project_id)
    say(f"Verified: all {photos.images} photos in {photos.albums} album folders are in SharePoint")
    if not photos.mapped or not photos.twice:
        raise DemoFailure(f"the demo's Photos lack an album name SharePoint forbids ({photos.mapped}) or an image "
                          f"name twice ({photos.twice})")
    say("  album names SharePoint forbids, mapped: " + ", ".join(f"{k!r} as {v!r}" for k, v in photos.mapped.items()))
    say(f"  one image name twice in an album: {TWICE!r}, the later as " + ", ".join(repr(n) for n in photos.twice))
    company_initial = check_company(run, company)
    say(f"Verified: all {company_initial.expected_files} company files and {company_initial.expected_folders} "
        f"folders are in SharePoint '{company.folder_path}'")
    records = one_pdf_per_tool(run, ob)
    say(f"Records: a PDF of each of the {len(records)} one-way tools is in SharePoint")
    subject = f"Two way sync initiated for project {project}"
    mail = _email(run, subject, timeouts.email)
    say(f'Email in sent items: "{subject}"')

    say("Live edits in Procore by a person (user credential), as they arrive in SharePoint:")
    nodes, root_id = procore_tree(run.procore_client("user"), project_id)
    in_procore = ProcoreEdits(run, ob, project_id, timeouts.live_change, out)
    in_procore.run_all(nodes, root_id)
    say("Live edits in SharePoint by a person (user identity), as they arrive in Procore:")
    sp_folder = in_procore.sp(in_procore.folder_sp)
    if sp_folder is None:
        raise DemoFailure(f"the folder {in_procore.folder_sp!r} is gone from SharePoint")
    in_sharepoint = SharePointEdits(run, ob, project_id, timeouts.live_change, out)
    in_sharepoint.run_all(sp_folder.id, in_procore.folder_id)
    say("A live photo each way:")
    in_photos = PhotoEdits(run, ob, project_id, timeouts.live_change, out)
    in_photos.run_all()
    say("A live company document:")
    in_company = CompanyEdits(run, company, timeouts.live_change, out)
    in_company.run_all()
    changes = in_procore.changes + in_sharepoint.changes + in_photos.changes + in_company.changes
    rfi_edit = live_rfi_edit(run, project_id, records["RFIs"], timeouts.live_change)
    say(f"  {rfi_edit:5.1f} s  RFI edited in Procore: a new version of {records['RFIs'].name!r}")
    time.sleep(1.0)  # let the last change's bookkeeping land before the final count
    status = link_status(run, ob)
    _settled(status, "after the live edits")
    company_status = link_status(run, company)
    _settled(company_status, "after the live company document")
    final, _, _ = check_tree(run, ob, project_id)
    photos = check_photos(run, ob, project_id)
    say(f"Verified again: {photos.images} photos in {photos.albums} album folders match Procore")
    company_final = check_company(run, company)
    say(f"Verified again: {company_final.found_files} company files in {company_final.found_folders} folders "
        "match Procore")

    summary = Summary(
        project=project, comparison=final, initial_seconds=sync.seconds,
        initial_files=int(sync.status.get("counts_by_kind", {}).get("file", {}).get("synced", 0)),
        changes=changes, skipped=list(status.get("skipped_items", [])), mail=mail,
        procore_stats=run.emulator("procore", "/_emulator/stats"),
        graph_stats=run.emulator("graph", "/_emulator/stats"),
        app_ids=(run.doc["procore"]["app"]["client_id"], run.doc["graph"]["app"]["client_id"]),
        dashboard_url=run.doc["functions_url"].rstrip("/") + "/api/dashboard/",
        sign_in_url=sign_in_link(run, ob),
        tools=_per_tool(status, company_status),
        records={folder: item.name or "" for folder, item in records.items()}, rfi_edit_seconds=rfi_edit,
        company=company_final,
    )
    return summary, ob


def _per_tool(project: dict[str, Any], company: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each tool that is on, the project link's in its order with the company's Documents after Photos."""
    on = {tool: s for tool, s in project.get("tool_status", {}).items() if s.get("mode") != "off"}
    two_way = {tool: s for tool, s in on.items() if tool in ("documents", "photos")}
    company_docs = {f"company {tool}": s for tool, s in company.get("tool_status", {}).items()
                    if s.get("mode") != "off"}
    return two_way | company_docs | {tool: s for tool, s in on.items() if tool not in two_way}
