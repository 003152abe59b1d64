"""The demo's steps on a started stack: onboard, follow the initial sync, check SharePoint against
Procore, read the email back, make the live edits, check again, and assemble the summary. Every
check raises DemoFailure naming what did not arrive.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any, TextIO

from demo.edits import ProcoreEdits
from demo.edits_sp import SharePointEdits
from demo.expected import TOOL_FOLDER, Comparison, compare, expected_tree
from demo.onboarding import NOTIFY, Onboarded, link_status, onboard, sign_in_link
from demo.photos import PhotoEdits, add_duplicate_name, check_photos
from demo.progress import follow_initial_sync
from demo.records import DEMO_TOOLS, live_rfi_edit, one_pdf_per_tool
from demo.stack import Running
from demo.summary import Summary, mb
from demo.trees import Node, procore_tree, sent_mail, sp_tree
from demo.waiting import DemoFailure, wait_for
from shared.graph import items as sp_items


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


def _free_folder(run: Running, name: str) -> str:
    """`Projects/<name>`, or `Projects/<name> (n)` when a previous run in the same state dir took it."""
    graph, drive = run.graph_session("user"), run.site["drive_id"]
    for n in range(1, 100):
        path = f"Projects/{name}" + (f" ({n})" if n > 1 else "")
        if sp_items.get_by_path(graph, drive, path) is None:
            return path
    raise DemoFailure("no free folder name under Projects/ in SharePoint")


def check_tree(run: Running, ob: Onboarded, project_id: int) -> tuple[Comparison, dict[str, Node], str]:
    """Procore (user identity) against SharePoint (user identity) below the link folder."""
    nodes, root_id = procore_tree(run.procore_client("user"), project_id)
    exp = expected_tree(nodes, root_id, ob.folder_path)
    graph, drive = run.graph_session("user"), run.site["drive_id"]
    link_root = sp_items.get_by_path(graph, drive, ob.folder_path)
    if link_root is None:
        raise DemoFailure(f"the link folder {ob.folder_path!r} is not in SharePoint")
    documents = [(p, i) for p, i in sp_tree(graph, drive, link_root.id)   # Photos and the record tools aside
                 if str(p).lstrip("/").split("/")[0] == TOOL_FOLDER]
    cmp = compare(nodes, exp, documents)   # Photos are checked on their own (demo/photos.py)
    if not cmp.ok:
        raise DemoFailure("SharePoint does not match Procore:\n  " + "\n  ".join(cmp.problems()))
    return cmp, nodes, root_id


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

    add_duplicate_name(run.procore_client("user"), project_id)   # two phones' IMG_0001.jpg in one album
    folder = _free_folder(run, project)
    ob = onboard(run, project_id, folder_path=folder, tools={**DEMO_TOOLS, "photos": "two_way"})
    say(f"Onboarded through the API: tenant {ob.tenant_id}, link {ob.link_id} -> SharePoint '{folder}'")
    photos_total = len(list(run.procore_client("user").photos.albums(project_id))) + \
        len(list(run.procore_client("user").photos.images(project_id)))
    sync = follow_initial_sync(run, ob, len(nodes) + photos_total, timeouts.initial_sync, out)
    _settled(sync.status, "after the initial sync")
    initial, _, _ = check_tree(run, ob, project_id)
    say(f"Verified: all {initial.expected_files} syncable files and {initial.expected_folders} folders are in "
        "SharePoint with Procore's names and sizes")
    photos = check_photos(run, ob, project_id)
    say(f"Verified: all {photos.images} photos in {photos.albums} album folders are in SharePoint "
        "(album names mapped, one image name twice)")
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
    changes = in_procore.changes + in_sharepoint.changes + in_photos.changes
    rfi_edit = live_rfi_edit(run, project_id, records["RFIs"], timeouts.live_change)
    say(f"  {rfi_edit:5.1f} s  RFI edited in Procore: a new version of {records['RFIs'].name!r}")
    time.sleep(1.0)  # let the last change's bookkeeping land before the final count
    status = link_status(run, ob)
    _settled(status, "after the live edits")
    final, _, _ = check_tree(run, ob, project_id)
    photos = check_photos(run, ob, project_id)
    say(f"Verified again: {photos.images} photos in {photos.albums} album folders match Procore")

    summary = Summary(
        project=project, comparison=final, initial_seconds=sync.seconds,
        initial_files=int(sync.status.get("counts_by_kind", {}).get("file", {}).get("synced", 0)),
        changes=changes, skipped=list(status.get("skipped_items", [])), mail=mail,
        procore_stats=run.emulator("procore", "/_emulator/stats"),
        graph_stats=run.emulator("graph", "/_emulator/stats"),
        app_ids=(run.doc["procore"]["app"]["client_id"], run.doc["graph"]["app"]["client_id"]),
        dashboard_url=run.doc["functions_url"].rstrip("/") + "/api/dashboard/",
        sign_in_url=sign_in_link(run, ob),
        tools={tool: s for tool, s in status.get("tool_status", {}).items() if s.get("mode") != "off"},
        records={folder: item.name or "" for folder, item in records.items()}, rfi_edit_seconds=rfi_edit,
    )
    return summary, ob
