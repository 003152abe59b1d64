"""Issue 6 item 3, edit beats delete for a whole folder: a folder deleted in Procore while a file inside
it was edited in SharePoint. The edited file survives in SharePoint with its folder, comes back to
Procore (as a new file in a new folder of the same name: the old ones are in Procore's recycle bin),
and everything unchanged in that folder is deleted as the Procore user asked. Deterministic: the
SharePoint edit's notification is dropped, so the product meets the edit while applying the delete.
Both delivery modes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.graph import content as sp_content
from shared.graph import items as sp_items
from shared.procore.client import ProcoreClient
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from tests.support.e2e import Onboarded, Running, quickxor_of, wait_for
from tests.support.live import DELIVERY_MODES, live_link
from tests.support.trees import activity, procore_bytes, procore_item, recycled_ids, wait_identical

PROJECT = 101
SCOPE = Scope.project(PROJECT)
TIMEOUT_S = 60


@pytest.fixture(scope="module", params=DELIVERY_MODES)
def live(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, Onboarded]]:
    yield from live_link(request.param, tmp_path_factory.mktemp("folder-vs-edit"))


def _upload(user: ProcoreClient, tmp: Path, parent_id: int, name: str, data: bytes) -> int:
    (tmp / name).write_bytes(data)
    up = user.uploads.upload(SCOPE, FileSource(tmp / name), filename=name)
    return user.documents.create_file(SCOPE, name=name, parent_id=parent_id, upload_uuid=up.uuid).id


def test_a_folder_deleted_in_procore_keeps_what_was_edited_in_sharepoint(live: tuple[Running, Onboarded],
                                                                         tmp_path: Path) -> None:
    run, ob = live
    user, graph = run.procore_client("user"), run.graph_session("user")
    drive = run.site["drive_id"]
    root = user.documents.root(SCOPE, exclude_files=True)
    zone = user.documents.create_folder(SCOPE, "Zone C", parent_id=root.id)
    sub = user.documents.create_folder(SCOPE, "Zone C Sub", parent_id=zone.id)
    plain = _upload(user, tmp_path, zone.id, "Untouched.txt", b"nobody edits this\n" * 10)
    _upload(user, tmp_path, sub.id, "Deep Edit.txt", b"agreed\n" * 10)
    _upload(user, tmp_path, sub.id, "Deep Untouched.txt", b"also unchanged\n" * 10)
    base = f"{ob.folder_path}/Documents/Zone C"
    deep = wait_for(lambda: sp_items.get_by_path(graph, drive, f"{base}/Zone C Sub/Deep Edit.txt"), TIMEOUT_S,
                    "the folder in SharePoint")
    wait_for(lambda: sp_items.get_by_path(graph, drive, f"{base}/Zone C Sub/Deep Untouched.txt"), TIMEOUT_S,
             "the second file in SharePoint")
    untouched = wait_for(lambda: sp_items.get_by_path(graph, drive, f"{base}/Untouched.txt"), TIMEOUT_S,
                         "the third file in SharePoint")

    edited = b"edited in SharePoint while its folder was deleted in Procore\n" * 7
    run.emulator("graph", "/_emulator/notifications", {"drop_rate": 1.0})  # the edit goes unheard
    try:
        sp_content.put_replace_small(graph, drive, deep.id, edited)
        time.sleep(1)
    finally:
        run.emulator("graph", "/_emulator/notifications", {"drop_rate": 0.0})
    user.documents.delete_folder(SCOPE, zone.id)

    # The unchanged file goes with the folder; the edited one stays, with the folders above it.
    wait_for(lambda: sp_items.get_by_path(graph, drive, f"{base}/Untouched.txt") is None, TIMEOUT_S,
             "the unchanged file deleted in SharePoint")
    wait_for(lambda: sp_items.get_by_path(graph, drive, f"{base}/Zone C Sub/Deep Untouched.txt") is None,
             TIMEOUT_S, "the unchanged deep file deleted in SharePoint")
    kept = sp_items.get_by_path(graph, drive, f"{base}/Zone C Sub/Deep Edit.txt")
    assert kept is not None and kept.id == deep.id and kept.quick_xor_hash == quickxor_of(iter([edited]))

    # ... and it is back in Procore: new folders of the same names, the edited bytes, each once.
    new_zone = wait_for(lambda: procore_item(user, SCOPE, "Zone C"), TIMEOUT_S, "Zone C back in Procore")
    assert new_zone.id != zone.id and {zone.id, plain} <= recycled_ids(user, SCOPE)
    new_sub = wait_for(lambda: procore_item(user, SCOPE, "Zone C Sub", parent_id=new_zone.id), TIMEOUT_S,
                       "Zone C Sub back in Procore")
    back = wait_for(lambda: procore_item(user, SCOPE, "Deep Edit.txt", parent_id=new_sub.id), TIMEOUT_S,
                    "the edited file back in Procore")
    assert procore_bytes(user, SCOPE, back.id) == edited
    assert procore_item(user, SCOPE, "Untouched.txt") is None
    docs = sp_items.get_by_path(graph, drive, f"{ob.folder_path}/Documents")
    assert docs is not None and untouched is not None
    wait_identical(run, SCOPE, root.id, docs.id)
    assert any(a.get("event") == "conflict" for a in activity(run, ob))
