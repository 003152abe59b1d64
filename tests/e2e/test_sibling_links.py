"""Two links of one tenant on the same Procore project (its Documents mirrored into two SharePoint
folders, both two-way): a file made in one folder reaches the other through Procore. Our app wrote it
to Procore, so the webhook says it is ours; for the sibling link it is a real change all the same
(echo suppression must go by the recorded state, not by who wrote). Single delivery: the pipeline
steps are the ones the twice-delivered live modules exercise.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from demo.onboarding import DOCUMENTS_ONLY
from shared.graph import content as sp_content
from shared.graph import items as sp_items
from shared.procore.scope import Scope
from tests.support.e2e import Onboarded, Running, quickxor_of, wait_for, wait_quiet, wait_regular
from tests.support.live import SHARED, module_link

PROJECT = 120   # its own project on the shared stack (tests/support/live.py)
SCOPE = Scope.project(PROJECT)
TIMEOUT_S = 60


# On the stack the live modules share, in its single-delivery mode only.
pytestmark = pytest.mark.parametrize(SHARED, ["once"], indirect=True)


@pytest.fixture(scope="module")
def siblings(shared_stack: Running) -> Iterator[tuple[Running, Onboarded, Onboarded]]:
    link = module_link(shared_stack, "siblings", PROJECT, "siblings project")
    run, first = next(link)
    try:
        folder = first.folder_path + " (second site)"
        resp = run.api.post(f"/api/tenants/{first.tenant_id}/links", headers=first.auth, json={
            "procore_project_id": PROJECT, "initial_sync": "standard",
            "sharepoint": {"site_id": run.site["id"], "drive_id": run.site["drive_id"], "folder_path": folder},
            "tools": DOCUMENTS_ONLY})
        assert resp.status_code == 202, resp.text
        second = Onboarded(first.tenant_id, first.api_key, resp.json()["link_id"], folder)
        wait_regular(run, second, timeout=180)
        yield run, first, second
    finally:
        next(link, None)   # the shared link's teardown: the pipeline left quiet


def _docs_folder(run: Running, ob: Onboarded) -> str:
    docs = sp_items.get_by_path(run.graph_session("user"), run.site["drive_id"], f"{ob.folder_path}/Documents")
    assert docs is not None
    return docs.id


def _sp_hash(run: Running, parent_id: str, name: str) -> str | None:
    item = sp_items.get_child(run.graph_session("user"), run.site["drive_id"], parent_id, name)
    return item.quick_xor_hash if item is not None else None


@pytest.mark.parametrize(("source", "target"), [(0, 1), (1, 0)], ids=["first-to-second", "second-to-first"])
def test_a_file_made_in_one_sibling_folder_reaches_the_other(
        siblings: tuple[Running, Onboarded, Onboarded], source: int, target: int) -> None:
    run, *links = siblings
    graph = run.graph_session("user")
    drive = run.site["drive_id"]
    origin, destination = _docs_folder(run, links[source]), _docs_folder(run, links[target])
    name = f"Shared Spec {source}.txt"
    body = f"written beside link {source}\n".encode() * 30
    sp_content.put_new_small(graph, drive, origin, name, body, "fail")
    expected = quickxor_of(iter([body]))
    wait_for(lambda: _sp_hash(run, destination, name) == expected, TIMEOUT_S, f"{name} in the sibling folder")

    edited = f"edited beside link {source}\n".encode() * 45
    item = sp_items.get_child(graph, drive, origin, name)
    assert item is not None
    sp_content.put_replace_small(graph, drive, item.id, edited)
    expected = quickxor_of(iter([edited]))
    wait_for(lambda: _sp_hash(run, destination, name) == expected, TIMEOUT_S, "the edit in the sibling folder")

    wait_quiet(run)  # settled: one Procore file with two versions, nothing bounced back as a third
    user = run.procore_client("user")
    found = [i for i in user.documents.list_documents(SCOPE)
             if i.name == name and not i.is_folder and not i.is_deleted and not i.is_recycle_bin]
    assert len(found) == 1
    assert len(user.documents.file(SCOPE, found[0].id).file_versions) == 2
    assert _sp_hash(run, origin, name) == expected
