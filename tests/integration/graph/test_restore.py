"""driveItem restore in the Graph emulator, as Graph answers it: a deleted folder comes back from the
recycle bin with everything deleted with it (same ids, readable again, reported again by delta); an item
not in the recycle bin is a 404 itemNotFound, a name taken meanwhile a 409 nameAlreadyExists."""

from __future__ import annotations

import pytest

from shared import errors
from shared.graph import content, delta, items
from shared.graph.models import DriveItem
from shared.graph.session import GraphSession

ROUTE = "/drives/{drive-id}/items/{item-id}/restore"


def _restore(session: GraphSession, drive_id: str, item_id: str) -> DriveItem:
    resp = session.request("POST", f"/drives/{drive_id}/items/{item_id}/restore", json={}, route=ROUTE)
    return DriveItem.model_validate(resp.json())


def test_a_deleted_folder_comes_back_with_its_content(app: GraphSession, user: GraphSession, drive_id: str,
                                                      folder: DriveItem) -> None:
    sub = items.create_folder(app, drive_id, folder.id, "Restorable")
    child = content.put_new_small(app, drive_id, sub.id, "inside.txt", b"inside", "fail")
    cursor = delta.latest_cursor(app, drive_id)
    items.delete_item(user, drive_id, sub.id)
    with pytest.raises(errors.NotFound):
        items.get_item(app, drive_id, child.id)
    back = _restore(user, drive_id, sub.id)
    assert (back.id, back.name, back.parent_id) == (sub.id, "Restorable", folder.id) and not back.is_deleted
    assert items.get_item(app, drive_id, child.id).name == "inside.txt"
    assert items.get_child(app, drive_id, folder.id, "Restorable") is not None
    changes = delta.fetch_changes(app, drive_id, cursor).items
    seen = {i.id: i.is_deleted for i in changes}
    assert seen.get(sub.id) is False and seen.get(child.id) is False      # delta shows them live again


def test_restore_refuses_what_graph_refuses(app: GraphSession, user: GraphSession, drive_id: str,
                                            folder: DriveItem) -> None:
    live = items.create_folder(app, drive_id, folder.id, "Live one")
    with pytest.raises(errors.NotFound):
        _restore(user, drive_id, live.id)                                  # not in the recycle bin
    gone = items.create_folder(app, drive_id, folder.id, "Taken name")
    items.delete_item(user, drive_id, gone.id)
    items.create_folder(app, drive_id, folder.id, "Taken name")            # the name is in use again
    with pytest.raises(errors.Conflict):
        _restore(user, drive_id, gone.id)
    with pytest.raises(errors.NotFound):
        _restore(user, drive_id, "01NOSUCHITEMXXXXXXXXXXXXXXXXXXXXXX")
