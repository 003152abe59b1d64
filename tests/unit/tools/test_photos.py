"""The Photos adapter's pure rules: what Procore Photos takes from SharePoint (flat albums, images in albums,
image types), the column values beside an image, and the column definitions Graph is given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from shared.graph.columns import column_body
from shared.models.api import ToolKey
from shared.models.rows import ItemKind
from shared.tools import TOOLS
from shared.tools.base import SourceItem, column_specs
from shared.tools.photos import (
    DESCRIPTION_COLUMN,
    FLAT_REASON,
    LOOSE_REASON,
    ROOT_ID,
    TAKEN_COLUMN,
    UNSORTED_ID,
    PhotoItem,
    album_of,
    is_image,
    refusal,
)


@pytest.mark.parametrize(("kind", "parent", "name", "reason"), [
    (ItemKind.FOLDER, ROOT_ID, "Roof", None),                        # a new album
    (ItemKind.FOLDER, "77", "Level 2", FLAT_REASON),                 # inside an album: albums are flat
    (ItemKind.FOLDER, UNSORTED_ID, "Level 2", FLAT_REASON),
    (ItemKind.FILE, "77", "IMG_0001.JPG", None),                     # any case of an image type
    (ItemKind.FILE, UNSORTED_ID, "scan.tiff", None),                 # the album-less images' folder
    (ItemKind.FILE, "77", "minutes.docx", "not an image"),
    (ItemKind.FILE, "77", "no extension", "not an image"),
    (ItemKind.FILE, ROOT_ID, "loose.jpg", LOOSE_REASON),             # outside every album
])
def test_what_photos_takes_from_sharepoint(kind: ItemKind, parent: str, name: str, reason: str | None) -> None:
    got = refusal(kind, parent, name)
    assert (got is None) is (reason is None)
    if reason is not None:
        assert got is not None and reason in got


def test_images_and_albums() -> None:
    assert is_image("a.heic") and is_image("B.PNG") and not is_image("a.pdf") and not is_image(".jpg.txt")
    assert album_of("12") == 12 and album_of(UNSORTED_ID) is None


def test_column_values_are_the_description_and_the_date_taken_in_utc() -> None:
    taken = datetime(2026, 3, 4, 11, 30, tzinfo=timezone(timedelta(hours=1)))
    photo = PhotoItem(tool=ToolKey.PHOTOS, procore_id="5", kind=ItemKind.FILE, name="a.jpg", parent_id="1",
                      description="north slab", taken_at=taken)
    adapter = TOOLS[ToolKey.PHOTOS]
    assert adapter.sp_columns(photo) == {DESCRIPTION_COLUMN.name: "north slab",
                                         TAKEN_COLUMN.name: "2026-03-04T10:30:00Z"}
    bare = photo.model_copy(update={"description": None, "taken_at": None})
    assert adapter.sp_columns(bare) == {}
    plain = SourceItem(tool=ToolKey.PHOTOS, procore_id="6", kind=ItemKind.FILE, name="b.jpg", parent_id="1",
                       updated_at=datetime.now(UTC))
    assert adapter.sp_columns(plain) == {}


def test_columns_declared_and_their_graph_definitions() -> None:
    assert column_specs(TOOLS[ToolKey.PHOTOS]) == (DESCRIPTION_COLUMN, TAKEN_COLUMN)
    assert column_specs(TOOLS[ToolKey.DOCUMENTS]) == ()
    note, when = column_body(DESCRIPTION_COLUMN), column_body(TAKEN_COLUMN)
    assert note["text"]["allowMultipleLines"] is True and note["displayName"] == "Description"
    assert when["dateTime"]["format"] == "dateTime" and when["name"] == TAKEN_COLUMN.name
    assert len([k for k in ("text", "dateTime", "number", "choice", "boolean") if k in note]) == 1
