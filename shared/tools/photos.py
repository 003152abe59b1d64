"""Project Photos, both ways: albums (image categories) are flat containers under `<link>/Photos`, images
are unversioned files in them; images without an album live in the album Procore shows them in.

Procore images have no versions: new bytes for an image are a new image (`replace_content` makes it in the
same album with the same description, then sends the old one to the recycle bin), and the engine re-keys
the item. Albums are flat: a folder inside an album, or anything other than an image, is skipped with its
reason. The description and date taken travel as SharePoint columns. Never imports azure.functions.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from shared import errors
from shared.graph.columns import ColumnDef as SpColumn
from shared.models.api import Mode, ToolKey
from shared.models.rows import ItemKind, LinkRow
from shared.procore.client import ProcoreClient
from shared.procore.models import Album, Image
from shared.procore.paging import dedupe
from shared.procore.photos import IMAGES
from shared.procore.scope import Scope
from shared.safety.watermark import Changed
from shared.tools.base import (
    Capabilities,
    SourceItem,
    SourcePage,
    ToolRoot,
    VersionOrder,
    compare_tokens,
)

PAGE_SIZE = 100
SP_FOLDER = "Photos"
ROOT_ID = "albums"                   # the Photos tool itself: the container of every album
UNSORTED_ID = "unclassified"         # the album of images that have none (image_category_id null)
# How Procore's Photos tool names the album of album-less images. The reference does not name it
# (procore-api.md §6); "Unclassified" is Procore's word for them: confirm against a live project.
UNSORTED_NAME = "Unclassified"
RESOURCES = ("Images", "Image Categories")
# Image types the Photos tool accepts (Procore support: .jpeg .jpg .pjpeg .gif .png .bmp .tif .tiff), plus
# the phone formats its mobile apps upload.
IMAGE_TYPES = frozenset({".jpg", ".jpeg", ".pjpeg", ".jfif", ".gif", ".png", ".bmp", ".tif", ".tiff", ".heic",
                         ".heif", ".webp"})
DESCRIPTION_COLUMN = SpColumn(name="ProcorePhotoDescription", display_name="Description", kind="note")
TAKEN_COLUMN = SpColumn(name="ProcorePhotoTaken", display_name="Date taken", kind="dateTime")
FLAT_REASON = "Procore photo albums are flat: a folder inside an album folder is not synced"
LOOSE_REASON = "photos live in album folders: a file directly in the Photos folder is not synced"
_EARLIEST = datetime.min.replace(tzinfo=UTC)


class PhotoItem(SourceItem):
    """An image as the engine sees it, with what its SharePoint columns show."""

    description: str | None = None
    taken_at: datetime | None = None


def is_image(name: str) -> bool:
    return PurePosixPath(name.lower()).suffix in IMAGE_TYPES


def not_an_image_reason(name: str) -> str | None:
    """Why a SharePoint file cannot become a Procore image, or None when it can."""
    if is_image(name):
        return None
    kinds = ", ".join(sorted(IMAGE_TYPES))
    return f"not an image Procore Photos accepts ({kinds}): {name!r} is not synced"


def refusal(kind: ItemKind, parent_id: str, name: str) -> str | None:
    """Why Procore Photos cannot take a SharePoint item made in container `parent_id` (None: it can). Albums
    are flat (a folder only directly in the Photos folder), images live in albums, only image types."""
    if kind is ItemKind.FOLDER:
        return None if parent_id == ROOT_ID else f"{FLAT_REASON}: {name!r}"
    if parent_id == ROOT_ID:
        return LOOSE_REASON
    return not_an_image_reason(name)


def album_of(container_id: str) -> int | None:
    """The Procore album id of a container (None: the album-less images)."""
    if container_id == ROOT_ID:
        raise errors.ItemSkipped(LOOSE_REASON)
    return None if container_id == UNSORTED_ID else int(container_id)


def _project(link: LinkRow) -> int:
    if link.procore_project_id is None:
        raise errors.InvariantBroken("Photos is a project tool; this link is a company link")
    return link.procore_project_id


def _album_item(album: Album) -> SourceItem:
    return SourceItem(tool=ToolKey.PHOTOS, procore_id=str(album.id), kind=ItemKind.FOLDER, name=album.name,
                      parent_id=ROOT_ID, updated_at=album.updated_at, changed_at=album.updated_at)


def _unsorted() -> SourceItem:
    return SourceItem(tool=ToolKey.PHOTOS, procore_id=UNSORTED_ID, kind=ItemKind.FOLDER, name=UNSORTED_NAME,
                      parent_id=ROOT_ID)


def _image_item(image: Image) -> PhotoItem:
    """An image: its id is also its version (its bytes never change under one id)."""
    album = str(image.image_category_id) if image.image_category_id is not None else UNSORTED_ID
    return PhotoItem(tool=ToolKey.PHOTOS, procore_id=str(image.id), kind=ItemKind.FILE,
                     name=image.filename or f"image-{image.id}.jpg", parent_id=album, version=str(image.id),
                     size=image.size, updated_at=image.created_at or image.updated_at, download_url=image.url,
                     changed_at=image.updated_at, description=image.description or None, taken_at=image.taken_at)


def sp_column_values(item: SourceItem) -> dict[str, str]:
    if not isinstance(item, PhotoItem):
        return {}
    values: dict[str, str] = {}
    if item.description:
        values[DESCRIPTION_COLUMN.name] = item.description
    if item.taken_at is not None:
        values[TAKEN_COLUMN.name] = item.taken_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return values


class PhotosAdapter:
    key = ToolKey.PHOTOS
    title = "Photos"
    allowed_modes = frozenset({Mode.TWO_WAY, Mode.ONE_WAY, Mode.OFF})
    capabilities = Capabilities(available=True, two_way=True, company=False, versioned=False, tree=False,
                                derived_items=False, change_feed=True, from_sharepoint=False)
    sp_column_specs = (DESCRIPTION_COLUMN, TAKEN_COLUMN)

    # ---- read half -------------------------------------------------------------------------------------
    def root(self, client: ProcoreClient, link: LinkRow) -> ToolRoot:
        return ToolRoot(procore_id=ROOT_ID, sp_folder_name=SP_FOLDER)

    def list_page(self, client: ProcoreClient, link: LinkRow, page: int) -> SourcePage:
        """Page 1: every album (albums are few); page n > 1: page n - 1 of the images, oldest first."""
        project = _project(link)
        if page == 1:
            return SourcePage(items=[_album_item(a) for a in client.photos.albums(project)], next_page=2)
        params: dict[str, Any] = {"project_id": project, "sort": "id", "page": page - 1, "per_page": PAGE_SIZE}
        response = client.session.request("GET", IMAGES, route=IMAGES, params=params)
        raw = response.json()
        items: list[SourceItem] = [_image_item(Image.model_validate(entry)) for entry in raw]
        total = response.headers.get("Total")
        more = ((page - 1) * PAGE_SIZE < int(total)) if total and total.isdigit() else len(raw) == PAGE_SIZE
        return SourcePage(items=items, next_page=page + 1 if more else None)

    def get(self, client: ProcoreClient, link: LinkRow, procore_id: str, kind: ItemKind) -> SourceItem | None:
        project = _project(link)
        if procore_id == UNSORTED_ID:
            return _unsorted()
        if procore_id == ROOT_ID:
            return None
        try:
            if kind is ItemKind.FILE:
                return _image_item(client.photos.image(project, int(procore_id)))
            return _album_item(client.photos.album(project, int(procore_id)))
        except errors.NotFound:
            return None

    def children(self, client: ProcoreClient, link: LinkRow, container_id: str) -> list[SourceItem]:
        project = _project(link)
        if container_id == ROOT_ID:
            return [_album_item(a) for a in client.photos.albums(project)]
        if container_id == UNSORTED_ID:
            return [_image_item(i) for i in client.photos.images(project) if i.image_category_id is None]
        return [_image_item(i) for i in client.photos.images(project, album_id=int(container_id))]

    def fetch(self, client: ProcoreClient, link: LinkRow, item: SourceItem) -> Iterator[bytes]:
        url = item.download_url
        if url is None:
            current = self.get(client, link, item.procore_id, ItemKind.FILE)
            url = current.download_url if current else None
        if url is None:
            raise errors.NotFound(f"image {item.procore_id} has nothing to download")
        return client.downloads.iter_bytes(url)

    def parts(self, client: ProcoreClient, link: LinkRow, item: SourceItem) -> list[SourceItem]:
        return []   # an album or an image is synced as it is

    def compare_versions(self, candidate: str, recorded: str) -> VersionOrder:
        return compare_tokens(candidate, recorded)   # an image's version is its id: only equality means anything

    def changes(self, client: ProcoreClient, link: LinkRow, since: datetime, until: datetime) -> Iterator[Changed]:
        """Albums and images changed in [since, until] by time (albums have no time filter: read whole, they
        are few). Recycled images leave the listing; their deletes come by webhook."""
        project = _project(link)
        albums = [Changed(procore_id=str(a.id), kind=ItemKind.FOLDER, updated_at=a.updated_at)
                  for a in client.photos.albums(project)
                  if a.updated_at is not None and since <= a.updated_at <= until]
        images = [Changed(procore_id=str(i.id), kind=ItemKind.FILE, updated_at=i.updated_at)
                  for i in client.photos.images(project, updated_since=since)
                  if i.updated_at is None or i.updated_at <= until]
        merged = sorted(albums + images, key=lambda change: change.updated_at or _EARLIEST)
        return dedupe(iter(merged), key=lambda change: (change.kind, change.procore_id))

    def check_access(self, client: ProcoreClient, scope: Scope) -> None:
        if scope.kind != "project":
            raise errors.InvariantBroken("Photos is a project tool")
        next(iter(client.photos.albums(scope.id)), None)

    # ---- webhooks --------------------------------------------------------------------------------------
    def webhook_resources(self, *, company: bool) -> tuple[str, ...]:
        return () if company else RESOURCES

    def owns_resource(self, resource_name: str) -> bool:
        return resource_name in RESOURCES

    def kind_of_resource(self, resource_name: str) -> ItemKind | None:
        return {"Images": ItemKind.FILE, "Image Categories": ItemKind.FOLDER}.get(resource_name)

    def resource_name(self, link: LinkRow, kind: ItemKind) -> str:
        return "Images" if kind is ItemKind.FILE else "Image Categories"

    # ---- write half ------------------------------------------------------------------------------------
    def create_container(self, client: ProcoreClient, link: LinkRow, parent_id: str, name: str) -> SourceItem:
        reason = refusal(ItemKind.FOLDER, parent_id, name)
        if reason:
            raise errors.ItemSkipped(reason)
        if name.lower() == UNSORTED_NAME.lower():
            return _unsorted()
        project = _project(link)
        existing = next((a for a in client.photos.albums(project) if a.name.lower() == name.lower()), None)
        return _album_item(existing or client.photos.create_album(project, name))

    def create_content(self, client: ProcoreClient, link: LinkRow, parent_id: str, name: str,
                       upload_uuid: str) -> SourceItem:
        reason = refusal(ItemKind.FILE, parent_id, name)
        if reason:
            raise errors.ItemSkipped(reason) if is_image(name) else errors.UnsupportedType(reason)
        album = album_of(parent_id)
        return _image_item(client.photos.create_image(_project(link), upload_uuid=upload_uuid, image_name=name,
                                                      album_id=album))

    def replace_content(self, client: ProcoreClient, link: LinkRow, procore_id: str, upload_uuid: str) -> SourceItem:
        """Images have no versions: the new bytes become a new image in the same album with the same name,
        description and date taken; then the old image goes to the recycle bin (nothing lost). The engine
        re-keys the item to the new id."""
        project = _project(link)
        old = client.photos.image(project, int(procore_id))
        new = client.photos.create_image(project, upload_uuid=upload_uuid,
                                         image_name=old.filename or f"image-{old.id}.jpg",
                                         album_id=old.image_category_id, description=old.description or None,
                                         taken_at=old.taken_at)
        try:
            client.photos.delete_image(project, old.id)
        except errors.NotFound:
            pass   # gone meanwhile (a redelivery recycled it already)
        return _image_item(new)

    def move(self, client: ProcoreClient, link: LinkRow, procore_id: str, kind: ItemKind, *,
             name: str | None = None, parent_id: str | None = None) -> None:
        project = _project(link)
        if kind is ItemKind.FOLDER:
            if parent_id is not None and parent_id != ROOT_ID:
                raise errors.ItemSkipped(FLAT_REASON)
            if name is not None and procore_id not in (UNSORTED_ID, ROOT_ID):
                client.photos.rename_album(project, int(procore_id), name)
            return   # the album-less images' album has no name of its own in Procore
        if name is not None and not is_image(name):
            raise errors.UnsupportedType(not_an_image_reason(name) or "")
        album = album_of(parent_id) if parent_id is not None else None
        client.photos.update_image(project, int(procore_id), album_id=album, filename=name,
                                   unsorted=parent_id == UNSORTED_ID)

    def delete(self, client: ProcoreClient, link: LinkRow, procore_id: str, kind: ItemKind) -> None:
        project = _project(link)
        if kind is ItemKind.FILE:
            client.photos.delete_image(project, int(procore_id))
        elif procore_id == UNSORTED_ID:   # the folder of album-less images: those images go to the recycle bin
            for image in [i for i in client.photos.images(project) if i.image_category_id is None]:
                client.photos.delete_image(project, image.id)
        elif procore_id == ROOT_ID:
            raise errors.InvariantBroken("the Photos tool itself is never deleted")
        else:
            client.photos.delete_album(project, int(procore_id))

    # ---- SharePoint --------------------------------------------------------------------------------------
    def sp_columns(self, item: SourceItem) -> dict[str, str]:
        return sp_column_values(item)

    def web_url(self, scope: Scope, item: SourceItem, *, api_base: str) -> str | None:
        """The item's page in Procore's web app: none is known for an image or album. Procore's API gives no
        web address of one (an image's or album's `links` are API paths), Procore's published web routes (the
        developer docs' side-panel views) name no Photos page, and the emulator serves no web app: None rather
        than a guessed address."""
        return None
