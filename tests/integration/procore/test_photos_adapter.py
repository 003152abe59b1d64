"""The Photos adapter against the Procore emulator: albums flat under the tool root, album-less images in
their own album, new bytes as a new image (the old one recycled, album and description kept), moves in and
out of albums, skips (nested album, non-image, a file outside every album), the change feed and webhooks;
and the emulator as strict as Procore about them (non-images refused, recycled images 404)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from emulators.procore.content import jpeg
from shared import errors
from shared.models.api import InitialSync, Mode, ToolKey
from shared.models.rows import ItemKind, LinkRow
from shared.procore.client import ProcoreClient
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from shared.tools import TOOLS, tool_of
from shared.tools.photos import FLAT_REASON, LOOSE_REASON, ROOT_ID, UNSORTED_ID, UNSORTED_NAME, PhotoItem

PHOTOS = TOOLS[ToolKey.PHOTOS]
PROJECT = 102   # not the project the client tests watch for changes
NOW = datetime.now(UTC)
LINK = LinkRow(tenant_id="t", link_id="l", procore_company_id=1, procore_project_id=PROJECT, project_name="P",
               site_id="s", drive_id="d", folder_path="f", initial_sync=InitialSync.STANDARD,
               tools={ToolKey.PHOTOS: Mode.TWO_WAY}, created_at=NOW, updated_at=NOW)


def _upload(client: ProcoreClient, tmp_path: Path, data: bytes, name: str = "photo.jpg") -> str:
    path = tmp_path / uuid.uuid4().hex
    path.write_bytes(data)
    return client.uploads.upload(Scope.project(PROJECT), FileSource(path), filename=name).uuid


def _photo(seed: int) -> bytes:
    return jpeg(320 + seed, 240, pad_to=20_000 + seed)


def test_albums_images_and_the_album_less_ones(app_client: ProcoreClient, user_client: ProcoreClient,
                                               tmp_path: Path) -> None:
    root = PHOTOS.root(app_client, LINK)
    assert (root.procore_id, root.sp_folder_name) == (ROOT_ID, "Photos")
    albums = PHOTOS.list_page(app_client, LINK, 1)
    assert albums.next_page == 2 and albums.items and all(a.kind is ItemKind.FOLDER and a.parent_id == ROOT_ID
                                                          for a in albums.items)
    assert "Punch #1: Level 3?" in {a.name for a in albums.items}   # hostile names as Procore has them
    loose = user_client.photos.create_image(PROJECT, upload_uuid=_upload(user_client, tmp_path, _photo(1)),
                                            image_name="loose.jpg", description="no album")
    found = PHOTOS.get(app_client, LINK, str(loose.id), ItemKind.FILE)
    assert isinstance(found, PhotoItem) and found.parent_id == UNSORTED_ID and found.description == "no album"
    assert found.version == str(loose.id) and found.download_url
    album = PHOTOS.get(app_client, LINK, UNSORTED_ID, ItemKind.FOLDER)
    assert album is not None and album.name == UNSORTED_NAME and album.parent_id == ROOT_ID
    assert str(loose.id) in {c.procore_id for c in PHOTOS.children(app_client, LINK, UNSORTED_ID)}
    listed: list[str] = []
    page: int | None = 2
    while page is not None:
        got = PHOTOS.list_page(app_client, LINK, page)
        listed += [i.procore_id for i in got.items if i.kind is ItemKind.FILE]
        page = got.next_page
    assert str(loose.id) in listed and len(listed) == len(set(listed))
    assert b"".join(PHOTOS.fetch(app_client, LINK, found)) == _photo(1)


def test_write_half_round_trip(app_client: ProcoreClient, user_client: ProcoreClient, tmp_path: Path) -> None:
    since = datetime.now(UTC) - timedelta(seconds=1)
    name = f"Pour {uuid.uuid4().hex[:6]}"
    album = PHOTOS.create_container(app_client, LINK, ROOT_ID, name)
    assert album.kind is ItemKind.FOLDER and album.name == name and album.parent_id == ROOT_ID
    assert PHOTOS.create_container(app_client, LINK, ROOT_ID, name.upper()).procore_id == album.procore_id
    assert PHOTOS.create_container(app_client, LINK, ROOT_ID, UNSORTED_NAME).procore_id == UNSORTED_ID
    with pytest.raises(errors.ItemSkipped, match="flat"):
        PHOTOS.create_container(app_client, LINK, album.procore_id, "Nested")

    image = PHOTOS.create_content(app_client, LINK, album.procore_id, "slab.jpg",
                                  _upload(app_client, tmp_path, _photo(2)))
    user_client.photos.update_image(PROJECT, int(image.procore_id), description="north slab")
    replaced = PHOTOS.replace_content(app_client, LINK, image.procore_id, _upload(app_client, tmp_path, _photo(3)))
    assert replaced.procore_id != image.procore_id and replaced.parent_id == album.procore_id
    assert isinstance(replaced, PhotoItem) and replaced.description == "north slab" and replaced.name == "slab.jpg"
    assert PHOTOS.get(app_client, LINK, image.procore_id, ItemKind.FILE) is None   # in the recycle bin
    assert b"".join(PHOTOS.fetch(app_client, LINK, replaced)) == _photo(3)

    PHOTOS.move(app_client, LINK, replaced.procore_id, ItemKind.FILE, parent_id=UNSORTED_ID)
    moved = PHOTOS.get(app_client, LINK, replaced.procore_id, ItemKind.FILE)
    assert moved is not None and moved.parent_id == UNSORTED_ID
    PHOTOS.move(app_client, LINK, replaced.procore_id, ItemKind.FILE, parent_id=album.procore_id, name="slab 2.jpg")
    moved = PHOTOS.get(app_client, LINK, replaced.procore_id, ItemKind.FILE)
    assert moved is not None and (moved.parent_id, moved.name) == (album.procore_id, "slab 2.jpg")
    PHOTOS.move(app_client, LINK, album.procore_id, ItemKind.FOLDER, name=f"{name} (renamed)")
    renamed = PHOTOS.get(app_client, LINK, album.procore_id, ItemKind.FOLDER)
    assert renamed is not None and renamed.name == f"{name} (renamed)"
    with pytest.raises(errors.ItemSkipped, match="flat"):
        PHOTOS.move(app_client, LINK, album.procore_id, ItemKind.FOLDER, parent_id=UNSORTED_ID)

    changed = {(c.kind, c.procore_id) for c in PHOTOS.changes(app_client, LINK, since, datetime.now(UTC))}
    assert {(ItemKind.FOLDER, album.procore_id), (ItemKind.FILE, replaced.procore_id)} <= changed

    PHOTOS.delete(app_client, LINK, replaced.procore_id, ItemKind.FILE)
    assert PHOTOS.get(app_client, LINK, replaced.procore_id, ItemKind.FILE) is None
    PHOTOS.delete(app_client, LINK, replaced.procore_id, ItemKind.FILE)   # a redelivered delete: done already
    PHOTOS.delete(app_client, LINK, album.procore_id, ItemKind.FOLDER)
    assert PHOTOS.get(app_client, LINK, album.procore_id, ItemKind.FOLDER) is None


def test_what_photos_cannot_take_is_skipped_with_its_reason(app_client: ProcoreClient, tmp_path: Path) -> None:
    album = PHOTOS.create_container(app_client, LINK, ROOT_ID, f"Skips {uuid.uuid4().hex[:6]}")
    with pytest.raises(errors.UnsupportedType, match="not an image"):
        PHOTOS.create_content(app_client, LINK, album.procore_id, "minutes.docx",
                              _upload(app_client, tmp_path, b"PK\x03\x04 doc", "minutes.docx"))
    with pytest.raises(errors.ItemSkipped, match=LOOSE_REASON):
        PHOTOS.create_content(app_client, LINK, ROOT_ID, "loose.jpg", _upload(app_client, tmp_path, _photo(4)))
    assert FLAT_REASON.startswith("Procore photo albums are flat")


def test_the_emulator_refuses_what_procore_refuses(app_client: ProcoreClient, tmp_path: Path) -> None:
    """A non-image upload is a 422 with Procore's error shape; a recycled image answers 404 except to
    retrieve (and comes back from there)."""
    with pytest.raises(errors.SyncError, match="not an image"):
        app_client.photos.create_image(PROJECT, upload_uuid=_upload(app_client, tmp_path, b"%PDF-1.4", "plan.pdf"),
                                       image_name="plan.pdf")
    image = app_client.photos.create_image(PROJECT, upload_uuid=_upload(app_client, tmp_path, _photo(5)),
                                           image_name="ok.png")
    app_client.photos.delete_image(PROJECT, image.id)
    with pytest.raises(errors.NotFound):
        app_client.photos.image(PROJECT, image.id)
    with pytest.raises(errors.NotFound):
        app_client.photos.update_image(PROJECT, image.id, description="x")
    back = app_client.session.request("POST", f"/rest/v1.0/images/{image.id}/retrieve",
                                      route="/rest/v1.0/images/{id}/retrieve", params={"project_id": PROJECT})
    assert back.json()["id"] == image.id and app_client.photos.image(PROJECT, image.id).id == image.id


def test_webhook_resources_name_the_photos_tool() -> None:
    assert PHOTOS.webhook_resources(company=False) == ("Images", "Image Categories")
    assert PHOTOS.webhook_resources(company=True) == ()
    assert tool_of("Images") is ToolKey.PHOTOS and tool_of("Image Categories") is ToolKey.PHOTOS
    assert PHOTOS.kind_of_resource("Images") is ItemKind.FILE
    assert PHOTOS.kind_of_resource("Image Categories") is ItemKind.FOLDER
    assert PHOTOS.resource_name(LINK, ItemKind.FILE) == "Images"
    assert PHOTOS.resource_name(LINK, ItemKind.FOLDER) == "Image Categories"
