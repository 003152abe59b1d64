"""Issue 13 item 3, company Documents two-way: a link with `"procore_company_documents": true` syncs the
company's Documents tool (company-scoped routes, company-level webhooks) into its SharePoint folder.
Standard initial sync, then a person's create / update / rename / move / delete in Procore and in
SharePoint; then, the first link stopped, an initial sync from SharePoint onto overlapping data. Each
ends with both trees identical (every file once, same bytes) and no timer fired.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from demo.company import company_scope
from demo.onboarding import onboard_company
from shared.graph import content as sp_content
from shared.graph import items as sp_items
from tests.support.docs_sides import DocsSides, after_second
from tests.support.e2e import Onboarded, Running, link_status, quickxor_of, wait_for, wait_regular
from tests.support.live import module_stack
from tests.support.trees import (
    activity,
    host_log,
    procore_files,
    sp_hash,
)

PROJECT = 142   # the module's place on the shared stack (its project is unused: the link is the company's)
LIVE_TIMEOUT_S = 90


@pytest.fixture(scope="module")
def run(shared_stack: Running) -> Iterator[Running]:
    yield from module_stack(shared_stack, "company-docs", PROJECT, "company-docs project")


def _sides(run: Running, ob: Onboarded) -> DocsSides:
    """The company's Documents, mirrored right in the link folder."""
    return DocsSides(run, ob, company_scope(run))


def _company_hook_only(run: Running, ob: Onboarded) -> None:
    """The link listens through a company-level hook with the Company Folders/Files triggers."""
    app, scope = run.procore_client("app"), company_scope(run)
    hooks = [h for h in app.webhooks.list_hooks(scope) if ob.link_id in (h.destination_url or "")]
    assert len(hooks) == 1, hooks
    names = {t.resource_name for t in app.webhooks.list_triggers(scope, hooks[0].id)}
    assert names == {"Company Folders", "Company Files"}, names


@pytest.fixture(scope="module")
def standard(run: Running) -> Iterator[Onboarded]:
    ob = onboard_company(run, f"Company/Docs {uuid.uuid4().hex[:6]}")
    wait_regular(run, ob, timeout=240)
    yield ob
    resp = run.api.delete(ob.status_path(), headers=ob.auth)   # the next link of the module starts alone
    assert resp.status_code in (200, 202, 204), resp.text


def test_standard_initial_sync_mirrors_the_company_documents(run: Running, standard: Onboarded) -> None:
    side = _sides(run, standard)
    assert len(side.files()) >= 3
    side.wait_identical(LIVE_TIMEOUT_S)
    status = link_status(run, standard)
    assert status["procore_project_id"] is None and status["counts"]["failed"] == 0
    assert set(status["tool_status"]) == {"documents"}
    _company_hook_only(run, standard)


def test_procore_changes_arrive_in_sharepoint(run: Running, standard: Onboarded) -> None:
    side = _sides(run, standard)
    user, scope, root_id = side.user, side.scope, side.root_id()
    folder = user.documents.create_folder(scope, "Company Live", parent_id=root_id)
    other = user.documents.create_folder(scope, "Company Other", parent_id=root_id)
    first = b"company policy, first version\n" * 40
    doc = user.documents.create_file(scope, name="Policy.txt", parent_id=folder.id,
                                     upload_uuid=side.upload("Policy.txt", first))
    created = wait_for(lambda: side.sp("Company Live/Policy.txt"), LIVE_TIMEOUT_S, "the new file")
    assert created.quick_xor_hash == quickxor_of(iter([first]))

    second = b"company policy, second version\n" * 70
    user.documents.add_version(scope, doc.id, upload_uuid=side.upload("Policy.txt", second))
    wait_for(lambda: (i := side.sp("Company Live/Policy.txt")) is not None
             and i.quick_xor_hash == quickxor_of(iter([second])), LIVE_TIMEOUT_S, "the new version")
    user.documents.update_file(scope, doc.id, name="Policy 2026.txt")
    renamed = wait_for(lambda: side.sp("Company Live/Policy 2026.txt"), LIVE_TIMEOUT_S, "the rename")
    user.documents.update_file(scope, doc.id, parent_id=other.id)
    moved = wait_for(lambda: side.sp("Company Other/Policy 2026.txt"), LIVE_TIMEOUT_S, "the move")
    assert created.id == renamed.id == moved.id
    user.documents.update_folder(scope, folder.id, name="Company Live Renamed")
    wait_for(lambda: side.sp("Company Live Renamed"), LIVE_TIMEOUT_S, "the folder rename")
    user.documents.delete_file(scope, doc.id)
    wait_for(lambda: side.sp("Company Other/Policy 2026.txt") is None, LIVE_TIMEOUT_S, "the delete")
    binned = run.emulator("graph", f"/_emulator/recycle-bin?drive_id={run.site['drive_id']}")["value"]
    assert created.id in {b["id"] for b in binned}
    side.wait_identical(LIVE_TIMEOUT_S)
    assert "Reason='Timer fired" not in host_log(run)


def test_sharepoint_changes_arrive_in_procore(run: Running, standard: Onboarded) -> None:
    side = _sides(run, standard)
    graph, drive = side.graph, run.site["drive_id"]
    root_id, top = side.root_id(), side.sp_top()
    folder = sp_items.create_folder(graph, drive, top.id, "From SharePoint (company)", "fail")
    other = sp_items.create_folder(graph, drive, top.id, "SP Company Other", "fail")
    first = b"written in SharePoint for the company\n" * 30
    item = sp_content.put_new_small(graph, drive, folder.id, "Handbook.txt", first, "fail")
    created = wait_for(lambda: side.item("Handbook.txt"), LIVE_TIMEOUT_S, "the file in Procore")
    assert side.content(created.id) == first
    twin_folder = side.item("From SharePoint (company)")
    assert twin_folder is not None and created.parent_id == twin_folder.id and twin_folder.parent_id == root_id

    second = b"edited in SharePoint for the company, longer\n" * 60
    sp_content.put_replace_small(graph, drive, item.id, second)
    wait_for(lambda: side.content(created.id) == second, LIVE_TIMEOUT_S, "the edit in Procore")
    sp_items.update_item(graph, drive, item.id, name="Handbook 2026.txt")
    renamed = wait_for(lambda: side.item("Handbook 2026.txt"), LIVE_TIMEOUT_S, "the rename")
    sp_items.update_item(graph, drive, item.id, new_parent_id=other.id)
    twin_other = wait_for(lambda: side.item("SP Company Other"), LIVE_TIMEOUT_S, "the other folder")
    wait_for(lambda: (f := side.item("Handbook 2026.txt")) is not None
             and f.parent_id == twin_other.id, LIVE_TIMEOUT_S, "the move in Procore")
    assert renamed.id == created.id
    sp_items.update_item(graph, drive, other.id, name="SP Company Renamed")
    wait_for(lambda: side.item("SP Company Renamed"), LIVE_TIMEOUT_S, "the folder rename")
    sp_items.delete_item(graph, drive, item.id)
    wait_for(lambda: created.id in side.recycled(), LIVE_TIMEOUT_S, "the delete in Procore's recycle bin")
    side.wait_identical(LIVE_TIMEOUT_S)
    assert not link_status(run, standard)["deletes_held"]
    assert "Reason='Timer fired" not in host_log(run)


def test_a_conflict_on_a_company_file_newest_wins(run: Running, standard: Onboarded) -> None:
    """Procore's edit while its webhooks are dropped, then SharePoint's in a later second: a real conflict on
    a company file; SharePoint's newer edit wins in Procore and Procore's edit stays a prior version there."""
    side = _sides(run, standard)
    user, scope, graph, drive = side.user, side.scope, side.graph, run.site["drive_id"]
    path, file_id = sorted(side.files().items())[-1]
    twin = side.sp(path)
    assert twin is not None
    versions = side.versions(file_id)
    procore_edit, sharepoint_edit = b"company edit in Procore\n" * 30, b"company edit in SharePoint, newer\n" * 30
    run.emulator("procore", "/_emulator/notifications", {"drop_rate": 1.0})
    try:
        version = user.documents.add_version(scope, file_id, upload_uuid=side.upload("c.txt", procore_edit))
        after_second(version.created_at)   # SharePoint's edit strictly newer than Procore's, to the second
        sp_content.put_replace_small(graph, drive, twin.id, sharepoint_edit)
        wait_for(lambda: sp_hash(run, twin.id) == quickxor_of(iter([sharepoint_edit])), 10, "the SharePoint edit")
    finally:
        run.emulator("procore", "/_emulator/notifications", {"drop_rate": 0.0})
    wait_for(lambda: side.content(file_id) == sharepoint_edit, LIVE_TIMEOUT_S, "the newer edit won")
    assert len(side.versions(file_id)) == len(versions) + 2   # Procore's edit kept before it
    wait_for(lambda: any(a.get("event") == "conflict" and str(a.get("item")) == str(file_id)
                         for a in activity(run, standard)), LIVE_TIMEOUT_S, "the conflict activity")
    side.wait_identical(LIVE_TIMEOUT_S)


def test_initial_sync_from_sharepoint_onto_overlapping_company_documents(run: Running, standard: Onboarded) -> None:
    """The standard link stopped (the fixture), a new tenant links the company's Documents from SharePoint
    into a folder that already holds a newer copy of one company file, a SharePoint-only folder and file."""
    run.api.delete(standard.status_path(), headers=standard.auth)
    user, scope = run.procore_client("user"), company_scope(run)
    graph, drive = run.graph_session("user"), run.site["drive_id"]
    root_id = user.documents.root(scope, exclude_files=True).id
    path, file_id = sorted(procore_files(user, scope, root_id).items())[0]
    folder = f"Company/Existing {uuid.uuid4().hex[:6]}"
    drive_root = sp_items.get_by_path(graph, drive, "")
    assert drive_root is not None
    parent = drive_root.id
    for part in [*folder.split("/"), *path.strip("/").split("/")[:-1]]:
        parent = sp_items.ensure_folder(graph, drive, parent, part).id
    latest = user.documents.file(scope, file_id, latest_version_only=True).latest_version
    assert latest is not None
    after_second(latest.created_at)   # SharePoint's copy newer than Procore's current version, to the second
    newer = b"SharePoint's newer copy of a company file\n" * 25
    sp_content.put_new_small(graph, drive, parent, path.rsplit("/", 1)[-1], newer, "fail")
    top = sp_items.get_by_path(graph, drive, folder)
    assert top is not None
    only = sp_items.create_folder(graph, drive, top.id, "Only In SharePoint (company)", "fail")
    sp_content.put_new_small(graph, drive, only.id, "company-sp-only.txt", b"only in SharePoint\n", "fail")

    ob = onboard_company(run, folder, initial_sync="from_sharepoint")
    side = _sides(run, ob)
    wait_regular(run, ob, timeout=240)
    assert side.content(file_id) == newer            # matched by path, the newer side won
    only_file = side.item("company-sp-only.txt")
    only_folder = side.item("Only In SharePoint (company)")
    assert only_file is not None and only_folder is not None and only_file.parent_id == only_folder.id
    side.wait_identical(LIVE_TIMEOUT_S)

    # live both ways on the new link
    sp_content.put_new_small(graph, drive, top.id, "After From-SP.txt", b"from SharePoint, live\n", "fail")
    wait_for(lambda: side.item("After From-SP.txt"), LIVE_TIMEOUT_S, "the SharePoint file in Procore")
    user.documents.create_file(scope, name="After From-SP (Procore).txt", parent_id=root_id,
                               upload_uuid=side.upload("p.txt", b"from Procore, live\n"))
    wait_for(lambda: side.sp("After From-SP (Procore).txt"), LIVE_TIMEOUT_S, "the Procore file in SharePoint")
    side.wait_identical(LIVE_TIMEOUT_S)
