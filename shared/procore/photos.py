"""Photos: albums (image categories) and images of a project."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from .models import Album, Image
from .paging import dedupe, iterate, updated_between
from .session import ProcoreSession

ALBUMS = "/rest/v1.0/image_categories"
IMAGES = "/rest/v1.0/images"


class PhotosApi:
    def __init__(self, session: ProcoreSession) -> None:
        self._s = session

    def albums(self, project_id: int) -> Iterator[Album]:
        return iterate(self._s, ALBUMS, route=ALBUMS, params={"project_id": project_id}, parse=Album.model_validate)

    def album(self, project_id: int, album_id: int) -> Album:
        return Album.model_validate(self._s.get_json(f"{ALBUMS}/{album_id}", route=ALBUMS + "/{id}",
                                                     params={"project_id": project_id}))

    def create_album(self, project_id: int, name: str) -> Album:
        body = self._s.request("POST", ALBUMS, route=ALBUMS, params={"project_id": project_id},
                               json={"image_category": {"name": name}}).json()
        return Album.model_validate(body)

    def rename_album(self, project_id: int, album_id: int, name: str) -> Album:
        body = self._s.request("PATCH", f"{ALBUMS}/{album_id}", route=ALBUMS + "/{id}",
                               params={"project_id": project_id}, json={"image_category": {"name": name}}).json()
        return Album.model_validate(body)

    def delete_album(self, project_id: int, album_id: int) -> None:
        self._s.request("DELETE", f"{ALBUMS}/{album_id}", route=ALBUMS + "/{id}", params={"project_id": project_id})

    def images(self, project_id: int, *, album_id: int | None = None,
               updated_since: datetime | None = None) -> Iterator[Image]:
        params: dict[str, Any] = {"project_id": project_id}
        if album_id is not None:
            params["image_category_id"] = album_id
        if updated_since is not None:
            params["filters[updated_at]"] = updated_between(updated_since)
        return dedupe(iterate(self._s, IMAGES, route=IMAGES, params=params, parse=Image.model_validate),
                      key=lambda i: i.id)

    def image(self, project_id: int, image_id: int) -> Image:
        return Image.model_validate(self._s.get_json(f"{IMAGES}/{image_id}", route=IMAGES + "/{id}",
                                                     params={"project_id": project_id}))

    def create_image(self, project_id: int, *, upload_uuid: str, image_name: str, album_id: int | None = None,
                     description: str | None = None, taken_at: datetime | None = None) -> Image:
        image: dict[str, Any] = {}
        if album_id is not None:
            image["image_category_id"] = album_id
        if description is not None:
            image["description"] = description
        if taken_at is not None:
            image["taken_at"] = taken_at.isoformat()
        body = self._s.request("POST", IMAGES, route=IMAGES, params={"project_id": project_id},
                               json={"upload_uuid": upload_uuid, "image_name": image_name, "image": image}).json()
        return Image.model_validate(body)

    def update_image(self, project_id: int, image_id: int, *, album_id: int | None = None,
                     description: str | None = None, filename: str | None = None, unsorted: bool = False) -> Image:
        """Change an image's album (`unsorted`: out of every album), description or file name."""
        image: dict[str, Any] = {}
        if album_id is not None:
            image["image_category_id"] = album_id
        elif unsorted:
            image["image_category_id"] = None
        if description is not None:
            image["description"] = description
        if filename is not None:
            image["filename"] = filename
        body = self._s.request("PATCH", f"{IMAGES}/{image_id}", route=IMAGES + "/{id}",
                               params={"project_id": project_id}, json={"image": image}).json()
        return Image.model_validate(body)

    def delete_image(self, project_id: int, image_id: int) -> None:
        """To the recycle bin."""
        self._s.request("DELETE", f"{IMAGES}/{image_id}", route=IMAGES + "/{id}", params={"project_id": project_id})
