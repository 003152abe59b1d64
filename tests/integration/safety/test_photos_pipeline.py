"""Photos through the real steps (the dispatcher over Azurite queues, both emulators), each message
delivered twice: an initial sync puts two images of one name in one album side by side (the later one
as `name (<id>).ext`) with their columns; an image edited in SharePoint replaces the Procore image and
the item is re-keyed (old image in the recycle bin, the same SharePoint twin); a folder inside an album and
a non-image file are skipped with their reasons in the link status; the reconciliation pass finds
Procore's changes that no webhook announced."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulators.procore.content import jpeg
from shared.graph import content as sp_content
from shared.graph import fields as sp_fields
from shared.graph import items as sp_items
from shared.models.api import ToolKey
from shared.models.messages import DETECT, METADATA, TRANSFER, ProcoreChange, ReconcileLink, SpChange
from shared.models.rows import ItemState, LinkRow, Stage
from shared.onboarding.status import link_status
from shared.procore.client import ProcoreClient
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from shared.sync import dispatch
from shared.tools.photos import DESCRIPTION_COLUMN, TAKEN_COLUMN
from tests.integration.safety.conftest import PROJECT, Env

DEADLINE_S = 120.0


def _lanes(env: Env) -> list[tuple[str, Any]]:
    s = env.services.settings
    return [(s.queue_initial_sync, DETECT), (s.queue_metadata_initial, METADATA), (s.queue_transfer_initial, TRANSFER),
            (s.queue_live, DETECT), (s.queue_metadata, METADATA), (s.queue_transfer, TRANSFER)]


def _pump(env: Env, link: LinkRow, done: Any, what: str) -> None:
    """Deliver the link's messages (each twice) until `done()` holds and nothing is left to deliver."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        delivered = 0
        for queue, adapter in _lanes(env):
            for message in [m for m in env.take(queue) if m.get("link_id") == link.link_id]:
                delivered += 1
                for _ in range(2):
                    dispatch.handle(env.services, queue, json.dumps(message), adapter, delivery_id=uuid.uuid4().hex)
        if not delivered and done():
            return
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        if not delivered:
            time.sleep(0.3)


def _upload(user: ProcoreClient, tmp: Path, data: bytes, name: str) -> str:
    path = tmp / uuid.uuid4().hex
    path.write_bytes(data)
    return user.uploads.upload(Scope.project(PROJECT), FileSource(path), filename=name).uuid


def _photo(seed: int) -> bytes:
    return jpeg(40 + seed, 30, pad_to=3_000 + seed)


def _sp_change(link: LinkRow, item: Any, *, folder: bool = False) -> SpChange:
    return SpChange(tenant_id=link.tenant_id, link_id=link.link_id, sp_item_id=item.id, is_folder=folder,
                    name=item.name, parent_id=item.parent_id, etag=item.etag, quickxor=item.quick_xor_hash)


@pytest.fixture()
def user(env: Env) -> Iterator[ProcoreClient]:
    client = env.procore_client("user")
    yield client
    client.close()


def test_photos_pipeline(env: Env, user: ProcoreClient, tmp_path: Path) -> None:
    album = user.photos.create_album(PROJECT, f"Phones {uuid.uuid4().hex[:6]}")
    first = user.photos.create_image(PROJECT, upload_uuid=_upload(user, tmp_path, _photo(1), "IMG_0001.jpg"),
                                     image_name="IMG_0001.jpg", album_id=album.id, description="phone a")
    second = user.photos.create_image(PROJECT, upload_uuid=_upload(user, tmp_path, _photo(2), "IMG_0001.jpg"),
                                      image_name="IMG_0001.jpg", album_id=album.id, description="phone b")
    link = env.new_link(documents="off", photos="two_way")
    _pump(env, link, lambda: env.link(link.link_id).stage is Stage.REGULAR, "the initial sync")

    ctx_graph, person = env.graph_session("app"), env.graph_session("user")
    try:
        drive = env.site["drive_id"]
        folder = sp_items.get_by_path(ctx_graph, drive, f"{link.folder_path}/Photos/{album.name}")
        assert folder is not None
        files = {c.name: c for c in sp_items.iter_children(ctx_graph, drive, folder.id)}
        assert set(files) == {"IMG_0001.jpg", f"IMG_0001 ({second.id}).jpg"} or \
            set(files) == {"IMG_0001.jpg", f"IMG_0001 ({first.id}).jpg"}, sorted(files)
        one = files["IMG_0001.jpg"]
        values = sp_fields.get_fields(ctx_graph, drive, one.id)
        assert values.get(DESCRIPTION_COLUMN.name) in ("phone a", "phone b") and values.get(TAKEN_COLUMN.name)

        # Edited in SharePoint: a new Procore image, the old one recycled, the item re-keyed
        row = next(r.row for r in env.repos.items.query(link.link_id) if r.row.sp_item_id == one.id)
        edited = sp_content.put_replace_small(person, drive, one.id, _photo(3))
        env.run(_sp_change(link, edited))
        _pump(env, link, lambda: env.repos.items.get(link.link_id, row.key.row_key) is None, "the re-key")
        moved = next(r.row for r in env.repos.items.query(link.link_id) if r.row.sp_item_id == one.id)
        assert moved.procore_id != row.procore_id and row.procore_id in moved.previous_ids
        assert moved.state is ItemState.SYNCED
        new = user.photos.image(PROJECT, int(moved.procore_id))
        assert new.image_category_id == album.id and new.description == row_description(first, second, row)
        assert b"".join(user.downloads.iter_bytes(new.url)) == _photo(3)
        assert _state(env, int(row.procore_id)) == "recycle_bin"

        # A folder inside the album and a non-image file: skipped with their reasons
        nested = sp_items.create_folder(person, drive, folder.id, "Nested", "fail")
        doc = sp_content.put_new_small(person, drive, folder.id, "notes.txt", b"not an image", "fail")
        env.run(_sp_change(link, nested, folder=True))
        env.run(_sp_change(link, doc))

        def skipped() -> bool:
            reasons = [s.reason or "" for s in link_status(env.repos, env.link(link.link_id)).skipped_items]
            return any("flat" in r for r in reasons) and any("notes.txt" in r for r in reasons)

        _pump(env, link, skipped, "both skips")
        assert "Nested" not in {a.name for a in user.photos.albums(PROJECT)}

        # Without webhooks, the reconciliation pass finds Procore's new image and album rename
        late = user.photos.create_image(PROJECT, upload_uuid=_upload(user, tmp_path, _photo(4), "late.jpg"),
                                        image_name="late.jpg", album_id=album.id)
        user.photos.rename_album(PROJECT, album.id, f"{album.name} (renamed)")
        env.run(ReconcileLink(tenant_id=link.tenant_id, link_id=link.link_id))
        _pump(env, link, lambda: sp_items.get_by_path(
            ctx_graph, drive, f"{link.folder_path}/Photos/{album.name} (renamed)/late.jpg"), "the reconciliation")
        assert any(r.row.procore_id == str(late.id) for r in env.repos.items.query(link.link_id))
    finally:
        ctx_graph.close()
        person.close()


def test_a_description_changed_later_in_procore_rewrites_only_the_columns(
        env: Env, user: ProcoreClient, tmp_path: Path) -> None:
    """Issue 13: an image's description edited in Procore after it was synced reaches the SharePoint column,
    by its webhook and, without one, by the reconciliation pass; cleared in Procore, the column is cleared.
    The content is not copied again: the same SharePoint item, its bytes, and no new file version."""
    album = user.photos.create_album(PROJECT, f"Described {uuid.uuid4().hex[:6]}")
    image = user.photos.create_image(PROJECT, upload_uuid=_upload(user, tmp_path, _photo(7), "slab.jpg"),
                                     image_name="slab.jpg", album_id=album.id, description="before the pour")
    link = env.new_link(documents="off", photos="two_way")
    _pump(env, link, lambda: env.link(link.link_id).stage is Stage.REGULAR, "the initial sync")
    graph = env.graph_session("app")
    try:
        drive = env.site["drive_id"]
        twin = sp_items.get_by_path(graph, drive, f"{link.folder_path}/Photos/{album.name}/slab.jpg")
        assert twin is not None
        assert sp_fields.get_fields(graph, drive, twin.id).get(DESCRIPTION_COLUMN.name) == "before the pour"
        taken = sp_fields.get_fields(graph, drive, twin.id).get(TAKEN_COLUMN.name)
        versions = _versions(graph, drive, twin.id)

        def described(text: str | None) -> Any:
            return lambda: sp_fields.get_fields(graph, drive, twin.id).get(DESCRIPTION_COLUMN.name) == text

        # by the webhook (its hint delivered as the receiver would, twice)
        user.photos.update_image(PROJECT, image.id, description="after the pour")
        hint = ProcoreChange(tenant_id=link.tenant_id, link_id=link.link_id, tool=ToolKey.PHOTOS,
                             resource_name="Images", resource_id=image.id, event_type="update")
        env.run(hint)
        env.run(hint)
        _pump(env, link, lambda: True, "the webhook's steps")
        assert described("after the pour")(), sp_fields.get_fields(graph, drive, twin.id)

        # by the reconciliation pass alone; a description cleared in Procore clears the column
        user.photos.update_image(PROJECT, image.id, description="")
        env.run(ReconcileLink(tenant_id=link.tenant_id, link_id=link.link_id))
        _pump(env, link, lambda: True, "the reconciliation")
        assert described(None)(), sp_fields.get_fields(graph, drive, twin.id)

        now = sp_items.get_item(graph, drive, twin.id)
        assert now.quick_xor_hash == twin.quick_xor_hash and not now.is_deleted
        assert _versions(graph, drive, twin.id) == versions, "the content was copied again"
        assert sp_fields.get_fields(graph, drive, twin.id).get(TAKEN_COLUMN.name) == taken
        row = next(r.row for r in env.repos.items.query(link.link_id) if r.row.sp_item_id == twin.id)
        assert row.procore_id == str(image.id) and not row.previous_ids   # not re-keyed: no new Procore image
        assert [i.id for i in user.photos.images(PROJECT, album_id=album.id)] == [image.id]
    finally:
        graph.close()


def _versions(graph: Any, drive: str, item_id: str) -> int:
    body = graph.request("GET", f"/drives/{drive}/items/{item_id}/versions",
                         route="/drives/{drive-id}/items/{item-id}/versions").json()
    return len(body["value"])


def row_description(first: Any, second: Any, row: Any) -> str:
    return "phone a" if row.procore_id == str(first.id) else "phone b"


def _state(env: Env, image_id: int) -> str:
    with httpx.Client(timeout=10) as http:
        return str(http.get(f"{env.procore_emu.base_url}/_emulator/images/{image_id}").json()["state"])
