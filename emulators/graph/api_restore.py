"""driveItem restore: `POST /drives/{drive-id}/items/{item-id}/restore` brings an item back from the
recycle bin (with everything that was deleted with it), into its old folder or `parentReference`.

As in Graph: only an item in the recycle bin can be restored (404 itemNotFound otherwise), its folder
must still exist, a live item of the same name there is a 409 nameAlreadyExists, and the answer is
the restored driveItem (200). Delta reports every restored item again.
"""

from __future__ import annotations

from starlette.responses import Response

from emulators.graph import errors
from emulators.graph.api_items import item_response
from emulators.graph.state import Item
from emulators.graph.web import Ctx, route


@route("POST", "drives/{d}/item/restore")
async def restore_item(ctx: Ctx) -> Response:
    body = await ctx.json()
    parent_ref = body.get("parentReference") or {}
    with ctx.store.lock:
        drive = ctx.drive()
        assert ctx.target.item_ref is not None
        item = drive.items.get(ctx.target.item_ref)
        if item is None or not item.deleted or item.id not in drive.recycle_bin:
            raise errors.not_found("Item not found in the recycle bin")
        parent_id = parent_ref.get("id") if isinstance(parent_ref, dict) and parent_ref.get("id") else item.parent_id
        parent = drive.items.get(parent_id) if parent_id else None
        if parent is None or parent.deleted or not parent.is_folder:
            raise errors.not_found("The item's parent folder was not found; restore it first or give "
                                   "parentReference")
        name = body.get("name") or item.name
        if not isinstance(name, str):
            raise errors.invalid_request("The 'name' property must be a string.")
        if name.lower() in parent.children:
            raise errors.name_exists(name)
        restored: list[Item] = []
        stack = [item]
        while stack:
            cur = stack.pop()
            cur.deleted = False
            cur.etag_version += 1
            restored.append(cur)
            stack.extend(drive.items[c] for c in cur.children.values())
        item.name, item.parent_id = name, parent.id
        parent.children[name.lower()] = item.id
        parent.ctag_version += 1
        drive.recycle_bin.remove(item.id)
        ctx.store.record_change(drive, restored + [parent])
        return item_response(ctx, item)
