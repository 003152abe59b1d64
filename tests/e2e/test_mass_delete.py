"""Issue 6 (part): deleting 80% of a project's files in SharePoint trips the mass-delete breaker —
nothing is deleted in Procore, the notify addresses get an email listing the held paths, the status
shows it — and an operator's release then applies the deletes (to Procore's recycle bin).
"""

from __future__ import annotations

from shared.graph import items as sp_items
from shared.procore.scope import Scope
from tests.support.e2e import (
    Onboarded,
    Running,
    link_status,
    sent_mail,
    sp_tree,
    wait_for,
)
from tests.support.live import live_fixture

PROJECT = 101
SCOPE = Scope.project(PROJECT)


live = live_fixture("mass-delete")


def _live_procore_files(run: Running) -> set[int]:
    user = run.procore_client("user")
    return {i.id for i in user.documents.list_documents(SCOPE)
            if not i.is_folder and not i.is_deleted and not i.is_recycle_bin}


def test_mass_delete_is_held_until_released(live: tuple[Running, Onboarded]) -> None:
    run, ob = live
    graph = run.graph_session("user")
    drive = run.site["drive_id"]
    root = sp_items.get_by_path(graph, drive, ob.folder_path)
    assert root is not None
    files = sorted(((str(p), item) for p, item in sp_tree(graph, drive, root.id) if not item.is_folder),
                   key=lambda pair: pair[0])
    before = _live_procore_files(run)
    assert len(files) >= 10 and len(before) == len(files)
    doomed = files[: int(len(files) * 0.8)]
    for _, item in doomed:
        sp_items.delete_item(graph, drive, item.id)

    wait_for(lambda: link_status(run, ob)["deletes_held"], 60, "the breaker to trip")
    subject = "Deletes paused for project Riverside Medical Center"
    mail = wait_for(lambda: [m for m in sent_mail(run) if m.get("subject") == subject], 60, "the breaker email")
    assert len(mail) == 1
    held_names = {path.rsplit("/", 1)[-1] for path, _ in doomed}
    assert all(name in mail[0]["body"]["content"] for name in held_names)
    status = wait_for(lambda: (s := link_status(run, ob)) and len(s["held_deletes"]) == len(doomed) and s, 30,
                      "every delete to be held")
    assert status["deletes_held"] and status["deletes_held_reason"]
    assert _live_procore_files(run) == before, "nothing may be deleted in Procore while deletes are held"

    resp = run.api.post(f"/api/operator/tenants/{ob.tenant_id}/links/{ob.link_id}/held-deletes",
                        headers={"x-functions-key": run.doc["admin_key"]}, json={"action": "release"})
    assert resp.status_code == 200 and resp.json()["count"] == len(doomed), resp.text
    remaining = wait_for(lambda: (left := _live_procore_files(run)) and len(left) == len(files) - len(doomed)
                         and left, 90, "the released deletes in Procore")
    assert len(remaining) == len(files) - len(doomed)
    assert not link_status(run, ob)["deletes_held"]
