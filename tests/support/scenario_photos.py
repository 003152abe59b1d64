"""The Photos golden scenarios (`tool = "photos"`) on the local stack, for tests/support/scenario_stack.py:
albums are project-wide and flat, so each scenario gets a Procore project of its own (its seeded photos
sent to the recycle bin first), linked with Photos alone; its `before` albums and images made by a person,
both sides read back as tree lines (album folders under the link's `Photos` folder, images in them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from shared.models.api import ToolKey
from shared.procore.models import Image
from shared.sync.plan.vocabulary import Kind, Side
from shared.tools.photos import SP_FOLDER, UNSORTED_NAME
from tests.support.e2e import Onboarded, Running, onboard, quickxor_of
from tests.support.scenario import SEP, TAG, Entry, Event, leaf_name, parse_entry
from tests.support.scenario_stack import Place, _label_of, _sharepoint_event, _upload, content_bytes

# Photos alone on a scenario's link: every other tool off (the record tools are on by default).
PHOTOS_ONLY: dict[str, str] = {tool.value: "off" for tool in ToolKey} | {ToolKey.PHOTOS.value: "two_way"}


@dataclass
class PhotoPlace(Place):
    """A Photos scenario's project and link: the scenario's top is the link's `Photos` folder itself."""

    tags: dict[str, int] = field(default_factory=dict)   # "#tag" of a second image of one name -> its id

    @property
    def sp_top_path(self) -> str:
        return f"{self.folder_path}/{SP_FOLDER}"

    # reading both sides -------------------------------------------------------------------------------
    def procore_lines(self, cache: dict[int, str]) -> tuple[list[str], dict[str, str]]:
        """Albums as folders, images as files in their album's folder (album-less ones in `Unclassified`);
        each path's image or album id (a second image of one path as `path#<id>`)."""
        user = self.run.procore_client("user")
        labels = self.labels()
        names = {a.id: a.name for a in user.photos.albums(self.project_id)}
        lines = [f"{name}/" for name in names.values()]
        ids = {name: str(album_id) for album_id, name in names.items()}
        images = sorted(user.photos.images(self.project_id), key=lambda i: i.id)
        for image in images:
            folder = names.get(image.image_category_id or -1, UNSORTED_NAME)
            path = f"{folder}/{image.filename}"
            ids[path if path not in ids else f"{path}{TAG}{image.id}"] = str(image.id)
            lines.append(f"{path}{SEP}{_label_of(labels, self._hash(user, image, cache))}")
        return sorted(lines), ids

    def _hash(self, user: Any, image: Image, cache: dict[int, str]) -> str:
        if image.id not in cache:   # an image's bytes never change under one id
            cache[image.id] = quickxor_of(user.downloads.iter_bytes(image.url))
        return cache[image.id]

    def sharepoint_lines(self) -> tuple[list[str], dict[str, str]]:
        """The link's Photos folder as tree lines (an empty `Unclassified` folder left out: the product
        keeps the album-less images' folder), and each path's item id."""
        lines, ids = super().sharepoint_lines()
        if f"{UNSORTED_NAME}/" in lines and not any(line.startswith(f"{UNSORTED_NAME}/") and line != f"{UNSORTED_NAME}/"
                                                     for line in lines):
            lines.remove(f"{UNSORTED_NAME}/")
        return sorted(lines), ids

    def versions(self, side: Side, item_id: str) -> int:
        return 1 if side is Side.PROCORE else super().versions(side, item_id)   # Procore images: no versions

    def expectations(self, today: str) -> list[dict[Side, list[str]]]:
        """The `after` trees with each "#tag" of a second image of one name as its real id: the image created
        later gets `name (<id>).ext`; either of two images of one name may take the plain name first, so
        the other assignment is accepted too (both are exactly once, under names the mapping keeps)."""
        first = {side: self._real(self.expected(side, today)) for side in (Side.PROCORE, Side.SHAREPOINT)}
        options = [first]
        for tag, image_id in self.tags.items():
            twin = self._first_of_name(tag)
            if twin is None:
                continue
            swapped = [self._swap(line, tag, image_id, twin) for line in first[Side.SHAREPOINT]]
            options.append({Side.PROCORE: first[Side.PROCORE], Side.SHAREPOINT: sorted(swapped)})
        return options

    def _real(self, lines: list[str]) -> list[str]:
        out = []
        for line in lines:
            for tag, image_id in self.tags.items():
                line = line.replace(f"({tag})", f"({image_id})")
            out.append(line)
        return sorted(out)

    def _first_of_name(self, tag: str) -> tuple[str, int] | None:
        """(path, image id) of the untagged image of the tagged one's name."""
        tagged = next((e for e in self._entries() if e.path.endswith(f"{TAG}{tag}")), None)
        if tagged is None:
            return None
        path = tagged.path.partition(TAG)[0]
        found = self.before_ids.get(Side.PROCORE, {}).get(path)
        return (path, int(found)) if found else None

    @staticmethod
    def _swap(line: str, tag: str, image_id: int, first: tuple[str, int]) -> str:
        """One SharePoint line with the two images' names exchanged (the first one suffixed instead)."""
        path, other = first
        plain = leaf_name(path)
        stem, dot, ext = plain.rpartition(".")
        suffixed = f"{stem} ({image_id}){dot}{ext}"
        entry = parse_entry(line)
        folder = str(PurePosixPath(path).parent)
        if entry.path == f"{folder}/{suffixed}":
            return f"{folder}/{plain}{SEP}{entry.content}"
        if entry.path == path:
            return f"{folder}/{stem} ({other}){dot}{ext}{SEP}{entry.content}"
        return line

    def _entries(self) -> list[Entry]:
        s = self.scenario
        return [*s.both, *s.only[Side.PROCORE], *s.only[Side.SHAREPOINT]]

    def recycled(self, image_id: str) -> bool:
        """Is the image in Procore's recycle bin (the public API no longer shows it there)?"""
        state: dict[str, Any] = self.run.emulator("procore", f"/_emulator/images/{image_id}")
        return state.get("state") == "recycle_bin"


# building `before` ------------------------------------------------------------------------------------
def new_photos_project(run: Running, project_id: int, name: str) -> None:
    """A new Procore project with no live photos: the emulator seeds some, a person recycles them all."""
    run.emulator("procore", "/_emulator/projects", {"id": project_id, "name": name})
    user = run.procore_client("user")
    for image in list(user.photos.images(project_id)):
        user.photos.delete_image(project_id, image.id)
    for album in list(user.photos.albums(project_id)):
        user.photos.delete_album(project_id, album.id)


def create_photos_in_procore(place: PhotoPlace, entries: tuple[Entry, ...], tmp: Path) -> None:
    """Albums (top folders) and images in them, made in Procore by a person; a second image of one name
    (`path#tag`) made after the first, its real id noted for the tag."""
    user, project = place.run.procore_client("user"), place.project_id
    albums: dict[str, int] = {}
    for entry in entries:
        if entry.kind is Kind.FOLDER:
            assert "/" not in entry.path, f"{place.top}: albums are flat ({entry.path!r})"
            albums[entry.path] = user.photos.create_album(project, entry.path).id
    for entry in sorted((e for e in entries if e.kind is Kind.FILE), key=lambda e: TAG in e.path):
        album, _, rest = entry.path.partition("/")
        assert rest and "/" not in rest and album in albums, f"{place.top}: an image is in an album ({entry.path!r})"
        name = entry.name
        scope_upload = _upload(user, place.scope, tmp, name, content_bytes(entry.content or ""))
        image = user.photos.create_image(project, upload_uuid=scope_upload, image_name=name, album_id=albums[album])
        if TAG in entry.path:
            place.tags[entry.path.partition(TAG)[2]] = image.id


def onboard_photos(place: PhotoPlace) -> Onboarded:
    return onboard(place.run, place.project_id, tools=PHOTOS_ONLY, folder_path=place.folder_path)


# events -------------------------------------------------------------------------------------------------
def apply_photos_event(place: PhotoPlace, event: Event, tmp: Path) -> None:
    """One event of a Photos scenario by a person: SharePoint's as for Documents (below the Photos folder);
    Procore's through the Photos API (an image's new bytes are a new image, not a version)."""
    if event.side is Side.SHAREPOINT:
        _sharepoint_event(place, event)
        return
    user, project = place.run.procore_client("user"), place.project_id
    ids = place.procore_lines({})[1]
    path = event.path.rstrip("/")
    if event.op == "create" and event.path.endswith("/"):
        user.photos.create_album(project, path)
    elif event.op == "create":
        album, _, name = path.partition("/")
        upload = _upload(user, place.scope, tmp, name, content_bytes(event.content or ""))
        user.photos.create_image(project, upload_uuid=upload, image_name=name, album_id=int(ids[album]))
    elif event.op == "move":
        user.photos.update_image(project, int(ids[path]), album_id=int(ids[event.to or ""]))
    elif event.op == "rename" and "/" not in path:
        user.photos.rename_album(project, int(ids[path]), event.to or "")
    elif event.op == "rename":
        user.photos.update_image(project, int(ids[path]), filename=event.to)
    elif event.op == "delete" and "/" not in path:
        user.photos.delete_album(project, int(ids[path]))
    elif event.op == "delete":
        user.photos.delete_image(project, int(ids[path]))
    else:
        raise AssertionError(f"{place.top}: no Procore {event.op!r} for Photos on the stack")
