"""Issue 11 (part): a person deletes the link's SharePoint folder. The link pauses itself with its
reason in the status, one email to the notify addresses and one activity event, and nothing is deleted
in Procore; a change made in Procore meanwhile waits. Restoring the folder from the recycle bin resumes
the link by itself, and its reconciliation brings the waiting change: nothing is lost.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from shared.graph import items as sp_items
from shared.graph.models import DriveItem
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from tests.support.e2e import Onboarded, Running, link_status, sent_mail, sp_tree, wait_for
from tests.support.live import live_fixture

PROJECT = 115   # its own project on the shared stack (tests/support/live.py)
SCOPE = Scope.project(PROJECT)
PROJECT_NAME = "Link Health Plaza"
SUBJECT = f"Sync paused for project {PROJECT_NAME}"

live = live_fixture("link-health", PROJECT, project_name=PROJECT_NAME)
pytestmark = pytest.mark.leaves_deferred   # the paused link's steps are retried five minutes later


def _procore_files(run: Running) -> dict[int, str]:
    user = run.procore_client("user")
    return {i.id: i.name for i in user.documents.list_documents(SCOPE)
            if not i.is_folder and not i.is_deleted and not i.is_recycle_bin}


def _sp_files(run: Running, root_id: str) -> dict[str, str | None]:
    graph = run.graph_session("user")
    return {str(p): item.quick_xor_hash for p, item in sp_tree(graph, run.site["drive_id"], root_id)
            if not item.is_folder}


def _sp(run: Running, ob: Onboarded, rel: str) -> DriveItem | None:
    return sp_items.get_by_path(run.graph_session("user"), run.site["drive_id"], f"{ob.folder_path}/Documents/{rel}")


def _events(run: Running, ob: Onboarded, event: str) -> list[dict[str, Any]]:
    r = run.api.get(ob.status_path() + "/activity", params={"limit": 500}, headers=ob.auth)
    assert r.status_code == 200, r.text
    return [e for e in r.json()["items"] if e["event"] == event]


def test_deleting_the_link_folder_pauses_and_restoring_it_resumes(live: tuple[Running, Onboarded],
                                                                  tmp_path: Path) -> None:
    run, ob = live
    graph, drive = run.graph_session("user"), run.site["drive_id"]
    root = sp_items.get_by_path(graph, drive, ob.folder_path)
    assert root is not None
    sp_before, procore_before = _sp_files(run, root.id), _procore_files(run)
    assert sp_before and len(sp_before) == len(procore_before)

    sp_items.delete_item(graph, drive, root.id)                 # a person deletes the whole folder
    status = wait_for(lambda: (s := link_status(run, ob)) and s["stage"] == "paused" and s, 60, "the pause")
    assert status["pause_cause"] == "sharepoint_folder_gone" and status["resumes_by_itself"]
    assert f"'{ob.folder_path}'" in status["stage_reason"] and "recycle bin" in status["stage_reason"]
    assert status["tool_status"]["documents"]["state"] == "paused"
    mail = wait_for(lambda: [m for m in sent_mail(run) if m.get("subject") == SUBJECT], 60, "the pause email")
    assert ob.folder_path in mail[0]["body"]["content"]

    user = run.procore_client("user")                           # meanwhile, a change in Procore
    (tmp_path / "paused.txt").write_bytes(b"made while the link was paused\n")
    upload = user.uploads.upload(SCOPE, FileSource(tmp_path / "paused.txt"), filename="While paused.txt")
    made = user.documents.create_file(SCOPE, name="While paused.txt",
                                      parent_id=user.documents.root(SCOPE, exclude_files=True).id,
                                      upload_uuid=upload.uuid)
    assert _procore_files(run) == {**procore_before, made.id: "While paused.txt"}   # nothing deleted there

    graph.request("POST", f"/drives/{drive}/items/{root.id}/restore", json={},
                  route="/drives/{drive-id}/items/{item-id}/restore")   # restored from the recycle bin
    wait_for(lambda: link_status(run, ob)["stage"] == "regular", 60, "the link to resume by itself")
    arrived = wait_for(lambda: _sp(run, ob, "While paused.txt"), 90, "the change made while paused")
    assert arrived.size == len(b"made while the link was paused\n")

    after = _sp_files(run, root.id)
    assert {p: h for p, h in after.items() if p in sp_before} == sp_before   # every file back, unchanged
    assert _procore_files(run) == {**procore_before, made.id: "While paused.txt"}
    assert len([m for m in sent_mail(run) if m.get("subject") == SUBJECT]) == 1
    assert len(_events(run, ob, "paused")) == 1 and len(_events(run, ob, "resumed")) == 1
    assert link_status(run, ob)["pause_cause"] is None
