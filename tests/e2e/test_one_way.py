"""Issue 13 item 4, all one-way: a tenant with `settings.direction = one_way` and a link whose Documents
are two_way. A person's edit, rename and delete in SharePoint never reach Procore (read back in Procore,
and no write by the product in the Procore emulator's call stats), each is logged once (`not_synced`),
the deleted SharePoint copy comes back, and Procore's changes keep arriving (the edited SharePoint copy
overwritten as a new version). Switching the direction (PATCH of the tenant settings or of the link)
takes effect at once, without re-onboarding. Each test ends with both sides identical.
"""

from __future__ import annotations

from typing import Any

from shared.graph import content as sp_content
from shared.graph import items as sp_items
from shared.graph.models import DriveItem
from shared.procore.scope import Scope
from tests.support.docs_sides import DocsSides
from tests.support.e2e import Onboarded, Running, quickxor_of, wait_for, wait_quiet
from tests.support.live import live_fixture
from tests.support.trees import activity, app_writes, sp_hash

PROJECT = 141   # its own project on the shared stack (tests/support/live.py)
SCOPE = Scope.project(PROJECT)
LIVE_TIMEOUT_S = 90

live = live_fixture("one-way", PROJECT, settings={"direction": "one_way"})


def _sides(live: tuple[Running, Onboarded]) -> DocsSides:
    """The project's Documents, mirrored into the link folder's `Documents`."""
    run, ob = live
    return DocsSides(run, ob, SCOPE, "Documents")


def _not_synced(run: Running, ob: Onboarded) -> list[dict[str, Any]]:
    return [a for a in activity(run, ob) if a.get("event") == "not_synced"]


def _procore_writes(run: Running) -> dict[str, int]:
    return app_writes(run)[1]


def _patch(run: Running, ob: Onboarded, path: str, body: dict[str, Any]) -> dict[str, Any]:
    resp = run.api.patch(path, json=body, headers=ob.auth)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def test_sharepoint_changes_never_reach_procore_and_a_deleted_copy_comes_back(
        live: tuple[Running, Onboarded]) -> None:
    run, ob = live
    side = _sides(live)
    user, graph, drive = side.user, side.graph, run.site["drive_id"]
    side.wait_identical(LIVE_TIMEOUT_S)
    status = run.api.get(ob.status_path(), headers=ob.auth).json()
    assert status["tools"]["documents"] == "two_way" and status["effective_tools"]["documents"] == "one_way"
    files = sorted(side.files().items())
    (edit_path, edit_id), (rename_path, rename_id), (delete_path, delete_id) = files[0], files[1], files[2]
    edited_sp, renamed_sp, deleted_sp = (side.sp(p) for p in (edit_path, rename_path, delete_path))
    assert edited_sp is not None and renamed_sp is not None and deleted_sp is not None
    versions = {i: side.versions(i) for i in (edit_id, rename_id, delete_id)}
    names = {i: user.documents.file(SCOPE, i).name for i in (edit_id, rename_id, delete_id)}
    wait_quiet(run)
    procore_before = _procore_writes(run)

    # A person's edit, rename and delete in SharePoint
    marked = b"marked up in SharePoint, one-way tenant\n" * 40
    sp_content.put_replace_small(graph, drive, edited_sp.id, marked)
    sp_items.update_item(graph, drive, renamed_sp.id, name="Renamed in SharePoint.pdf")
    sp_items.delete_item(graph, drive, deleted_sp.id)

    def restored() -> DriveItem | None:
        item = side.sp(delete_path)
        return item if item is not None and item.id != deleted_sp.id else None

    back = wait_for(restored, LIVE_TIMEOUT_S, "the deleted SharePoint copy to come back")
    wait_for(lambda: {str(a.get("item")) for a in _not_synced(run, ob)} >= {str(edit_id), str(rename_id),
                                                                              str(delete_id)},
             LIVE_TIMEOUT_S, "each SharePoint change logged as not synced")
    wait_quiet(run)
    assert _procore_writes(run) == procore_before, "the product wrote to Procore under a one-way tenant"
    for procore_id in (edit_id, rename_id, delete_id):   # Procore as it was: bytes, versions, names, not binned
        assert side.versions(procore_id) == versions[procore_id]
        file = user.documents.file(SCOPE, procore_id)
        assert not file.is_deleted and file.name == names[procore_id]
    assert not {edit_id, rename_id, delete_id} & side.recycled()
    assert back.quick_xor_hash == quickxor_of(iter([side.content(delete_id) or b""]))
    assert sp_hash(run, edited_sp.id) == quickxor_of(iter([marked]))   # kept until Procore's item changes
    assert sp_items.get_item(graph, drive, renamed_sp.id).name == "Renamed in SharePoint.pdf"
    logged = [str(a.get("item")) for a in _not_synced(run, ob)]
    for procore_id in (edit_id, rename_id, delete_id):
        assert logged.count(str(procore_id)) == 1, f"{procore_id} logged {logged.count(str(procore_id))} times"

    # Procore's changes keep arriving: a new version overwrites SharePoint's edit (a new version there),
    # a rename in Procore wins over SharePoint's, a new file arrives
    sp_versions = len(graph.request("GET", f"/drives/{drive}/items/{edited_sp.id}/versions",
                                    route="/drives/{d}/items/{i}/versions").json()["value"])
    fresh = b"Procore's new version after the SharePoint markup\n" * 30
    user.documents.add_version(SCOPE, edit_id, upload_uuid=side.upload("v.pdf", fresh))
    user.documents.update_file(SCOPE, rename_id, name="Renamed in Procore.pdf")
    new = user.documents.create_file(SCOPE, name="One-way New.txt", parent_id=side.root_id(),
                                     upload_uuid=side.upload("n.txt", b"new in Procore\n"))
    wait_for(lambda: (i := side.sp(edit_path)) is not None and i.quick_xor_hash == quickxor_of(iter([fresh])),
             LIVE_TIMEOUT_S, "Procore's new version over SharePoint's edit")
    renamed_dir = rename_path.rsplit("/", 1)[0]
    wait_for(lambda: side.sp(f"{renamed_dir}/Renamed in Procore.pdf"), LIVE_TIMEOUT_S, "Procore's rename")
    wait_for(lambda: side.sp("/One-way New.txt"), LIVE_TIMEOUT_S, "the new Procore file")
    after = sp_items.get_item(graph, drive, edited_sp.id)
    assert after.id == edited_sp.id
    assert len(graph.request("GET", f"/drives/{drive}/items/{edited_sp.id}/versions",
                             route="/drives/{d}/items/{i}/versions").json()["value"]) == sp_versions + 1
    side.wait_identical(LIVE_TIMEOUT_S)
    wait_quiet(run)
    assert _procore_writes(run) == procore_before
    assert side.item("One-way New.txt") is not None and new.id


def test_switching_direction_takes_effect_without_reonboarding(live: tuple[Running, Onboarded]) -> None:
    """PATCH of the tenant's direction to two_way: a SharePoint edit reaches Procore; back to one_way: the
    next one does not. Under the two-way tenant, PATCH of the link's Documents to one_way does the same."""
    run, ob = live
    side = _sides(live)
    user, graph, drive = side.user, side.graph, run.site["drive_id"]
    side.wait_identical(LIVE_TIMEOUT_S)
    tenant_path, link_path = f"/api/tenants/{ob.tenant_id}", ob.status_path()
    path, file_id = sorted(side.files().items())[-1]
    item = side.sp(path)
    assert item is not None

    _patch(run, ob, tenant_path, {"settings": {"direction": "two_way"}})
    two_way = b"edited in SharePoint while the tenant is two-way\n" * 25
    sp_content.put_replace_small(graph, drive, item.id, two_way)
    wait_for(lambda: side.content(file_id) == two_way, LIVE_TIMEOUT_S, "the edit in Procore")
    wait_quiet(run)

    assert _patch(run, ob, tenant_path, {"settings": {"direction": "one_way"}})["settings"]["direction"] == "one_way"
    before = _procore_writes(run)
    sp_content.put_replace_small(graph, drive, item.id, b"edited again, one-way again\n" * 25)
    wait_for(lambda: any(str(a.get("item")) == str(file_id) and "one-way" in (a.get("detail") or "")
                         for a in _not_synced(run, ob)), LIVE_TIMEOUT_S, "the edit logged as not synced")
    wait_quiet(run)
    assert _procore_writes(run) == before and side.content(file_id) == two_way

    # the tenant two-way again, the link's own Documents one-way: a SharePoint rename stays there
    _patch(run, ob, tenant_path, {"settings": {"direction": "two_way"}})
    assert _patch(run, ob, link_path, {"tools": {"documents": "one_way"}})["tools"]["documents"] == "one_way"
    sp_items.update_item(graph, drive, item.id, name="Renamed under a one-way link.txt")
    wait_for(lambda: any(str(a.get("item")) == str(file_id) and "renamed" in (a.get("detail") or "")
                         for a in _not_synced(run, ob)), LIVE_TIMEOUT_S, "the rename logged as not synced")
    wait_quiet(run)
    assert _procore_writes(run) == before
    assert user.documents.file(SCOPE, file_id).name != "Renamed under a one-way link.txt"
    # Procore's edit overwrites SharePoint's copy; its name wins too once Procore renames the file
    user.documents.update_file(SCOPE, file_id, name="Final name from Procore.txt")
    wait_for(lambda: side.sp(f"{path.rsplit('/', 1)[0]}/Final name from Procore.txt"), LIVE_TIMEOUT_S,
             "Procore's rename over SharePoint's")
    one_way_edit = sp_items.get_item(graph, drive, item.id)
    assert one_way_edit.id == item.id
    # SharePoint still holds its one-way edit (not sent, not overwritten: Procore's content did not change)
    _patch(run, ob, link_path, {"tools": {"documents": "two_way"}})
    _patch(run, ob, tenant_path, {"settings": {"direction": "one_way"}})
    fresh = b"Procore's content once more\n" * 20
    user.documents.add_version(SCOPE, file_id, upload_uuid=side.upload("again.txt", fresh))
    side.wait_identical(LIVE_TIMEOUT_S)
    assert _procore_writes(run) == before


def test_a_folder_deleted_in_sharepoint_comes_back_with_its_files(live: tuple[Running, Onboarded]) -> None:
    """A person deletes a whole folder of Procore's copies in SharePoint: nothing is deleted in Procore, and
    the folder comes back (a new SharePoint folder) with every file below it, each once."""
    run, ob = live
    side = _sides(live)
    user, graph, drive = side.user, side.graph, run.site["drive_id"]
    side.wait_identical(LIVE_TIMEOUT_S)
    files = side.files()
    folder_path = sorted({p.rsplit("/", 1)[0] for p in files if p.count("/") >= 2})[0]
    below = {p: i for p, i in files.items() if p.startswith(folder_path + "/")}
    folder = side.sp(folder_path)
    assert folder is not None and below
    wait_quiet(run)
    procore_before = _procore_writes(run)

    sp_items.delete_item(graph, drive, folder.id)

    def restored() -> DriveItem | None:
        item = side.sp(folder_path)
        return item if item is not None and item.id != folder.id else None

    back = wait_for(restored, LIVE_TIMEOUT_S, "the deleted folder to come back")
    wait_for(lambda: all(side.sp(p) is not None for p in below), LIVE_TIMEOUT_S, "its files to come back")
    side.wait_identical(LIVE_TIMEOUT_S)
    wait_quiet(run)
    assert _procore_writes(run) == procore_before, "the product wrote to Procore under a one-way tenant"
    assert not set(below.values()) & side.recycled()
    assert back.id != folder.id
    direct = next(i for p, i in below.items() if p.rsplit("/", 1)[0] == folder_path)
    folder_id = user.documents.file(SCOPE, direct).parent_id
    assert [str(a.get("item")) for a in _not_synced(run, ob)].count(str(folder_id)) == 1   # logged once
