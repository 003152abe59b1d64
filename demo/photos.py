"""The demo's Photos: one image name twice in an album before onboarding (two phones' IMG_0001.jpg; the
seed already has an album whose name SharePoint forbids), the check that SharePoint's `Photos` folder
holds every album and image per the mapping, and one live photo in each direction, timed.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TextIO

from demo.arrival import Arrivals
from demo.onboarding import Onboarded
from demo.stack import Running
from demo.trees import quickxor_of
from demo.uploads import upload_bytes
from demo.waiting import DemoFailure
from shared.graph import content as sp_content
from shared.graph import items as sp_items
from shared.graph.models import DriveItem
from shared.procore.client import ProcoreClient
from shared.procore.models import Image
from shared.procore.scope import Scope
from shared.sync.naming import sharepoint_name

TOOL_FOLDER = "Photos"
UNSORTED = "Unclassified"          # SharePoint folder of the images without an album (shared/tools/photos.py)
TWICE = "IMG_0001.jpg"
LIVE_ALBUM = "Progress Photos"
# A tiny valid JPEG (SOI, an empty comment, EOI) per label: distinct bytes, no image library needed.
FROM_PROCORE, FROM_SHAREPOINT = "crane from procore.jpg", "crane from sharepoint.jpg"


def _jpeg(label: str) -> bytes:
    text = label.encode()
    return b"\xff\xd8\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text + b"\xff\xd9"


@dataclass
class PhotoCount:
    albums: int
    images: int
    mapped: dict[str, str] = field(default_factory=dict)   # album name in Procore -> its legal folder name
    twice: list[str] = field(default_factory=list)         # the disambiguated file names of a name used twice


def add_duplicate_name(client: ProcoreClient, project_id: int) -> None:
    """Two phones' IMG_0001.jpg in the first album, made by a person before the link exists."""
    albums = list(client.photos.albums(project_id))
    if not albums:
        raise DemoFailure(f"the Procore project {project_id} has no photo album")
    scope = Scope.project(project_id)
    for phone in ("phone A", "phone B"):
        data = _jpeg(f"{TWICE} from {phone}")
        uuid = upload_bytes(client, scope, TWICE, data, "image/jpeg")
        client.photos.create_image(project_id, upload_uuid=uuid, image_name=TWICE, album_id=albums[0].id,
                                   description=f"taken with {phone}")


def _suffixed(name: str, image_id: int) -> str:
    path = PurePosixPath(name)
    return f"{path.stem} ({image_id}){path.suffix}"


def check_photos(run: Running, ob: Onboarded, project_id: int) -> PhotoCount:
    """Every live album is a folder of its legal name under `Photos`, album-less images are in
    `Unclassified`, every image is there exactly once with its size (one name twice in an album: one of
    them, the later to arrive, as `name (<its id>).ext`). DemoFailure listing what differs."""
    client = run.procore_client("user")
    graph, drive = run.graph_session("user"), run.site["drive_id"]
    listed = list(client.photos.albums(project_id))
    albums = {a.id: sharepoint_name(a.name, is_folder=True) for a in listed}
    mapped = {a.name: albums[a.id] for a in listed if albums[a.id] != a.name}
    want: dict[str, list[Image]] = {name: [] for name in albums.values()}
    for image in client.photos.images(project_id):
        folder = albums[image.image_category_id] if image.image_category_id is not None else UNSORTED
        want.setdefault(folder, []).append(image)
    root = sp_items.get_by_path(graph, drive, f"{ob.folder_path}/{TOOL_FOLDER}")
    if root is None:
        raise DemoFailure(f"no {TOOL_FOLDER} folder in SharePoint")
    have: dict[str, dict[str, DriveItem]] = {
        folder.name or "": {c.name or "": c for c in sp_items.iter_children(graph, drive, folder.id)}
        for folder in sp_items.iter_children(graph, drive, root.id) if folder.is_folder}
    problems: list[str] = []
    twice: list[str] = []
    for folder in sorted(set(want) | set(have)):
        files, images = have.get(folder), want.get(folder, [])
        if files is None:
            problems.append(f"album folder {folder!r} missing in SharePoint")
            continue
        if len(files) != len(images):
            problems.append(f"{folder!r}: {len(images)} images in Procore, {len(files)} files in SharePoint")
        # Each image its own file: of two images of one name, whichever arrived second has `name (<its id>).ext`
        # (an id's own name, so it is matched first); the other has the plain name.
        suffixed = {image.id: _suffixed(image.filename or "", image.id) for image in images}
        taken = {n for i in images if (n := suffixed[i.id]) in files and files[n].size == i.size}
        twice += sorted(taken)
        for image in images:
            if suffixed[image.id] in taken:
                continue
            plain = image.filename or ""
            if plain in taken or plain not in files or files[plain].size != image.size:
                problems.append(f"{folder}/{image.filename} ({image.id}) is not in SharePoint")
            taken.add(plain)
    if problems:
        raise DemoFailure("SharePoint's Photos do not match Procore:\n  " + "\n  ".join(problems[:15]))
    return PhotoCount(albums=len(want), images=sum(len(v) for v in want.values()), mapped=mapped, twice=twice)


class PhotoEdits(Arrivals):
    """One photo added in Procore, one in SharePoint, each followed until the other side shows it."""

    def __init__(self, run: Running, ob: Onboarded, project_id: int, timeout: float, out: TextIO = sys.stdout):
        super().__init__(run, ob, timeout, out)
        self.project_id = project_id
        self.procore = run.procore_client("user")
        self.graph = run.graph_session("user")
        self.drive = run.site["drive_id"]

    def run_all(self) -> None:
        album = next((a for a in self.procore.photos.albums(self.project_id) if a.name == LIVE_ALBUM), None)
        if album is None:
            raise DemoFailure(f"no album {LIVE_ALBUM!r} in the Procore project")
        folder = f"{self.ob.folder_path}/{TOOL_FOLDER}/{sharepoint_name(LIVE_ALBUM, is_folder=True)}"
        data = _jpeg(FROM_PROCORE)
        uuid = upload_bytes(self.procore, Scope.project(self.project_id), FROM_PROCORE, data, "image/jpeg")
        self.procore.photos.create_image(self.project_id, upload_uuid=uuid, image_name=FROM_PROCORE,
                                         album_id=album.id, description="added in Procore")
        want = quickxor_of(iter([data]))
        self.arrive(f"photo added in Procore: {FROM_PROCORE!r}", "SharePoint",
                    lambda: (i := sp_items.get_by_path(self.graph, self.drive, f"{folder}/{FROM_PROCORE}"))
                    and i.quick_xor_hash == want)
        sp_folder = sp_items.get_by_path(self.graph, self.drive, folder)
        if sp_folder is None:
            raise DemoFailure(f"the album folder {folder!r} is not in SharePoint")
        sp_content.put_new_small(self.graph, self.drive, sp_folder.id, FROM_SHAREPOINT, _jpeg(FROM_SHAREPOINT), "fail")
        self.arrive(f"photo added in SharePoint: {FROM_SHAREPOINT!r}", "Procore",
                    lambda: any(i.filename == FROM_SHAREPOINT and i.image_category_id == album.id
                                for i in self.procore.photos.images(self.project_id, album_id=album.id)))
