"""Photos through the client: albums and images (create via upload, show, update, move, delete)."""

from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path

import pytest

from emulators.procore.content import jpeg
from shared import errors
from shared.procore.client import ProcoreClient
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource


def test_seeded_albums_and_images_are_listed_and_downloadable(app_client: ProcoreClient) -> None:
    albums = list(app_client.photos.albums(101))
    assert "Punch #1: Level 3?" in {a.name for a in albums}       # Photos does not sanitise names
    images = list(app_client.photos.images(101, album_id=albums[0].id))
    assert images and all(i.image_category_id == albums[0].id for i in images)
    sink = io.BytesIO()
    got = app_client.downloads.download_to(images[0].url, sink)
    assert got.size == images[0].size and sink.getvalue()[:2] == b"\xff\xd8" and sink.getvalue()[-2:] == b"\xff\xd9"


def test_album_and_image_lifecycle(user_client: ProcoreClient, app_client: ProcoreClient, tmp_path: Path) -> None:
    since = datetime.now(timezone.utc)
    album = user_client.photos.create_album(101, "Crane Day #2")
    path = tmp_path / "crane.jpg"
    path.write_bytes(jpeg(640, 480, pad_to=50_000))
    up = user_client.uploads.upload(Scope.project(101), FileSource(path), filename="crane.jpg",
                                    content_type="image/jpeg")
    image = user_client.photos.create_image(101, upload_uuid=up.uuid, image_name="crane.jpg", album_id=album.id,
                                            description="Tower crane erection")
    assert image.filename == "crane.jpg" and image.image_category_id == album.id
    assert image.size == path.stat().st_size
    changed = {i.id for i in app_client.photos.images(101, updated_since=since)}
    assert image.id in changed and len(changed) == 1
    other = user_client.photos.create_album(101, "Moved Here")
    moved = user_client.photos.update_image(101, image.id, album_id=other.id, description="moved")
    assert moved.image_category_id == other.id and moved.description == "moved"
    renamed = user_client.photos.rename_album(101, album.id, "Crane Day (renamed)")
    assert renamed.name == "Crane Day (renamed)"
    user_client.photos.delete_image(101, image.id)
    assert image.id not in {i.id for i in app_client.photos.images(101, album_id=other.id)}
    user_client.photos.delete_album(101, album.id)
    with pytest.raises(errors.NotFound):
        app_client.photos.album(101, album.id)
