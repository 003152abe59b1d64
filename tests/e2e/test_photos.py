"""Issue 13, project Photos both ways on the local stack, in both delivery modes (tests/support/live.py):
a standard initial sync of a project with several albums, album-less images, a hostile album name and one
image name twice in an album; then a person's changes on each side (new image, moves between albums, album
renames, an album made in SharePoint and deleted in Procore, an image edited in SharePoint, a non-image
file and a nested folder, deletes) arrive through webhooks and change notifications alone. It ends with
both sides identical per the mapping, every image exactly once, and the description and date-taken
columns set on the SharePoint items.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from emulators.procore.content import jpeg
from shared.graph import content as sp_content
from shared.graph import fields as sp_fields
from shared.graph import items as sp_items
from shared.graph.models import DriveItem
from shared.procore.client import ProcoreClient
from shared.procore.models import Album, Image
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from shared.sync.naming import sharepoint_name
from shared.tools.photos import DESCRIPTION_COLUMN, TAKEN_COLUMN, UNSORTED_NAME
from tests.support.e2e import (
    Onboarded,
    Running,
    link_status,
    onboard,
    quickxor_of,
    wait_for,
    wait_quiet,
    wait_regular,
)
from tests.support.live import module_stack

PROJECT = 135   # its own project on the shared stack (tests/support/live.py)
SCOPE = Scope.project(PROJECT)
LIVE_TIMEOUT_S = 90
HOSTILE = "Punch #1: Level 3?"          # seeded: `:` and `?` are not allowed in SharePoint names
DUPES = "Two Phones"
TWICE = "IMG_0001.jpg"


def _photo(seed: int) -> bytes:
    return jpeg(64 + seed, 48 + seed % 7, pad_to=4_000 + seed * 37)


def _upload(user: ProcoreClient, tmp: Path, data: bytes, name: str) -> str:
    path = tmp / f"{hashlib.sha1(data).hexdigest()[:12]}-{name}"
    path.write_bytes(data)
    return user.uploads.upload(SCOPE, FileSource(path), filename=name).uuid


def _new_image(user: ProcoreClient, tmp: Path, seed: int, name: str, album: int | None, description: str) -> Image:
    return user.photos.create_image(PROJECT, upload_uuid=_upload(user, tmp, _photo(seed), name), image_name=name,
                                    album_id=album, description=description)


@pytest.fixture(scope="module")
def live(shared_stack: Running, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, Onboarded]]:
    """The project made ready in Procore by a person (one image name twice in an album, two images in no
    album), then linked with Photos two-way (Documents off) and initially synced."""
    tmp = tmp_path_factory.mktemp("photos")
    for run in module_stack(shared_stack, "photos", PROJECT, "Photos project"):
        user = run.procore_client("user")
        dupes = user.photos.create_album(PROJECT, DUPES)
        _new_image(user, tmp, 1, TWICE, dupes.id, "first phone")
        _new_image(user, tmp, 2, TWICE, dupes.id, "second phone")
        _new_image(user, tmp, 3, "loose 1.jpg", None, "no album")
        _new_image(user, tmp, 4, "loose 2.png", None, "")
        ob = onboard(run, PROJECT, tools={"documents": "off", "photos": "two_way"})
        wait_regular(run, ob, timeout=240)
        yield run, ob


# ---- reading both sides ---------------------------------------------------------------------------------

def _albums(user: ProcoreClient) -> list[Album]:
    return list(user.photos.albums(PROJECT))


def _images(user: ProcoreClient) -> list[Image]:
    return list(user.photos.images(PROJECT))


def _quickxor(data: bytes) -> str:
    return quickxor_of(iter([data]))


def _photos_folder(run: Running, ob: Onboarded) -> DriveItem:
    found = sp_items.get_by_path(run.graph_session("user"), run.site["drive_id"], f"{ob.folder_path}/Photos")
    assert found is not None, "no Photos folder in SharePoint"
    return found


def _sp_side(run: Running, ob: Onboarded) -> dict[str, dict[str, DriveItem]]:
    """SharePoint's Photos folder: album folder name -> {file or folder name -> item} (one level)."""
    graph, drive = run.graph_session("user"), run.site["drive_id"]
    side: dict[str, dict[str, DriveItem]] = {}
    for album in sp_items.iter_children(graph, drive, _photos_folder(run, ob).id):
        side[album.name or ""] = {c.name or "": c for c in sp_items.iter_children(graph, drive, album.id)} \
            if album.is_folder else {}
    return side


def _suffixed(name: str, image_id: int) -> str:
    path = PurePosixPath(name)
    return f"{path.stem} ({image_id}){path.suffix}"


def _differences(run: Running, ob: Onboarded, skipped: frozenset[str] = frozenset()) -> list[str]:
    """What keeps both sides from being identical per the mapping: every live album is a folder of its legal
    name, album-less images are in the "Unclassified" folder, every image is exactly once in its album's
    folder with its bytes (a name twice in an album: the others as "name (id).ext"). `skipped`: SharePoint
    paths "album/name" that are not synced by design (skipped with a reason)."""
    user = run.procore_client("user")
    want: dict[str, list[Image]] = {sharepoint_name(a.name, is_folder=True): [] for a in _albums(user)}
    names = {a.id: sharepoint_name(a.name, is_folder=True) for a in _albums(user)}
    for image in _images(user):
        folder = names[image.image_category_id] if image.image_category_id is not None else UNSORTED_NAME
        want.setdefault(folder, []).append(image)
    have = _sp_side(run, ob)
    problems: list[str] = []
    for folder in sorted(set(want) | set(have)):
        if folder not in have:
            problems.append(f"album folder {folder!r} missing in SharePoint")
            continue
        if folder not in want and not (folder == UNSORTED_NAME and not have[folder]):
            problems.append(f"SharePoint folder {folder!r} is no album in Procore")
            continue
        files = {n: i for n, i in have[folder].items() if f"{folder}/{n}" not in skipped}
        images = want.get(folder, [])
        if len(files) != len(images):
            problems.append(f"{folder!r}: {len(images)} images in Procore, {sorted(files)} in SharePoint")
        for image in images:
            twin = files.get(image.filename or "") or files.get(_suffixed(image.filename or "", image.id))
            hashes = {_procore_hash(user, image)}
            matches = [n for n, item in files.items() if item.quick_xor_hash in hashes and
                       n in (image.filename, _suffixed(image.filename or "", image.id))]
            if twin is None or not matches:
                problems.append(f"{folder}/{image.filename} ({image.id}) not in SharePoint with its bytes")
    return problems


_HASHES: dict[tuple[int, str], str] = {}


def _procore_hash(user: ProcoreClient, image: Image) -> str:
    key = (image.id, image.url)
    if key not in _HASHES:
        _HASHES[key] = _quickxor(b"".join(user.downloads.iter_bytes(image.url)))
    return _HASHES[key]


def _wait_identical(run: Running, ob: Onboarded, what: str, skipped: frozenset[str] = frozenset()) -> None:
    last: list[list[str]] = []

    def probe() -> bool:
        last[:] = [_differences(run, ob, skipped)]
        return not last[0]

    try:
        wait_for(probe, LIVE_TIMEOUT_S, what)
    except Exception as exc:
        raise AssertionError(f"{what}: {last[0] if last else exc}") from exc


def _image_state(run: Running, image_id: int) -> dict[str, Any]:
    return dict(run.emulator("procore", f"/_emulator/images/{image_id}"))


def _image_named(user: ProcoreClient, name: str) -> Image | None:
    return next((i for i in _images(user) if i.filename == name), None)


def _sp(run: Running, ob: Onboarded, rel: str) -> DriveItem | None:
    return sp_items.get_by_path(run.graph_session("user"), run.site["drive_id"], f"{ob.folder_path}/Photos/{rel}")


# ---- the test -----------------------------------------------------------------------------------------------

def test_photos_initial_sync_then_live_both_ways(live: tuple[Running, Onboarded], tmp_path: Path) -> None:
    run, ob = live
    user, graph, drive = run.procore_client("user"), run.graph_session("user"), run.site["drive_id"]

    # Standard initial sync: several albums, the hostile name mapped, album-less images, the name twice
    _wait_identical(run, ob, "the initial sync's result")
    side = _sp_side(run, ob)
    assert sharepoint_name(HOSTILE, is_folder=True) in side and HOSTILE not in side
    assert set(side[UNSORTED_NAME]) == {"loose 1.jpg", "loose 2.png"}
    twice = sorted(side[DUPES])
    assert len(twice) == 2 and TWICE in twice and any(n.startswith("IMG_0001 (") for n in twice), twice
    first = side[UNSORTED_NAME]["loose 1.jpg"]
    values = sp_fields.get_fields(graph, drive, first.id)
    assert values.get(DESCRIPTION_COLUMN.name) == "no album" and values.get(TAKEN_COLUMN.name)

    albums = {a.name: a for a in _albums(user)}
    progress = albums["Progress Photos"]
    safety = albums["Safety Walk"]
    progress_sp = sharepoint_name("Progress Photos", is_folder=True)

    # Procore -> SharePoint: a new image, then moved to another album (the same SharePoint item follows)
    added = _new_image(user, tmp_path, 10, "crane.jpg", progress.id, "tower crane")
    crane = wait_for(lambda: _sp(run, ob, f"{progress_sp}/crane.jpg"), LIVE_TIMEOUT_S, "the new image in SharePoint")
    assert sp_fields.get_fields(graph, drive, crane.id).get(DESCRIPTION_COLUMN.name) == "tower crane"
    user.photos.update_image(PROJECT, added.id, album_id=safety.id)
    moved = wait_for(lambda: _sp(run, ob, "Safety Walk/crane.jpg"), LIVE_TIMEOUT_S, "the move in SharePoint")
    assert moved.id == crane.id

    # SharePoint -> Procore: a new image in an album folder, then moved to another album folder
    progress_folder = _sp(run, ob, progress_sp)
    safety_folder = _sp(run, ob, "Safety Walk")
    assert progress_folder is not None and safety_folder is not None
    new_sp = sp_content.put_new_small(graph, drive, progress_folder.id, "from sharepoint.jpg", _photo(11), "fail")
    arrived = wait_for(lambda: _image_named(user, "from sharepoint.jpg"), LIVE_TIMEOUT_S, "the new image in Procore")
    assert arrived.image_category_id == progress.id
    assert b"".join(user.downloads.iter_bytes(arrived.url)) == _photo(11)
    sp_items.update_item(graph, drive, new_sp.id, new_parent_id=safety_folder.id)
    wait_for(lambda: (i := _image_named(user, "from sharepoint.jpg")) is not None and
             i.image_category_id == safety.id, LIVE_TIMEOUT_S, "the move in Procore")

    # Album renamed on each side
    user.photos.rename_album(PROJECT, progress.id, "Progress (north)")
    wait_for(lambda: _sp(run, ob, "Progress (north)"), LIVE_TIMEOUT_S, "the album rename in SharePoint")
    sp_items.update_item(graph, drive, safety_folder.id, name="Safety Walk 2026")
    wait_for(lambda: user.photos.album(PROJECT, safety.id).name == "Safety Walk 2026", LIVE_TIMEOUT_S,
             "the album rename in Procore")

    # An album made in SharePoint (a folder directly in Photos) is a new album; deleted in Procore, it goes
    roof = sp_items.create_folder(graph, drive, _photos_folder(run, ob).id, "Roof", "fail")
    made = wait_for(lambda: next((a for a in _albums(user) if a.name == "Roof"), None), LIVE_TIMEOUT_S,
                    "the new album in Procore")
    user.photos.delete_album(PROJECT, made.id)
    wait_for(lambda: _sp(run, ob, "Roof") is None, LIVE_TIMEOUT_S, "the album delete in SharePoint")
    assert roof.id

    # An image edited in SharePoint replaces the Procore image: new bytes in the same album with the same
    # description, the old image in Procore's recycle bin; the SharePoint item stays the same one
    edited = _photo(12)
    sp_content.put_replace_small(graph, drive, crane.id, edited)
    def replacement() -> Image | None:
        found = _image_named(user, "crane.jpg")
        return found if found is not None and found.id != added.id else None

    replaced = wait_for(replacement, LIVE_TIMEOUT_S, "the replaced image in Procore")
    assert b"".join(user.downloads.iter_bytes(replaced.url)) == edited
    assert replaced.image_category_id == safety.id and replaced.description == "tower crane"
    assert _image_state(run, added.id)["state"] == "recycle_bin"
    assert _sp(run, ob, "Safety Walk 2026/crane.jpg").id == crane.id  # type: ignore[union-attr]

    # What Photos cannot take is skipped with its reason: a non-image file, a folder inside an album
    sp_content.put_new_small(graph, drive, safety_folder.id, "minutes.docx", b"PK\x03\x04 not an image", "fail")
    nested = sp_items.create_folder(graph, drive, safety_folder.id, "Level 2", "fail")
    sp_content.put_new_small(graph, drive, nested.id, "inside.jpg", _photo(13), "fail")

    def skipped_reasons() -> list[str] | None:
        reasons = [str(s.get("reason") or "") for s in link_status(run, ob).get("skipped_items", [])]
        wanted = ["minutes.docx" in r and "not an image" in r for r in reasons], ["flat" in r for r in reasons]
        return reasons if any(wanted[0]) and any(wanted[1]) else None

    reasons = wait_for(skipped_reasons, LIVE_TIMEOUT_S, "both skips in the link status")
    assert not _image_named(user, "minutes.docx") and not _image_named(user, "inside.jpg"), reasons
    assert "Level 2" not in {a.name for a in _albums(user)}

    # Deletes each way: Procore's to SharePoint's recycle bin, SharePoint's to Procore's
    loose = _image_named(user, "loose 2.png")
    assert loose is not None
    user.photos.delete_image(PROJECT, loose.id)
    wait_for(lambda: _sp(run, ob, f"{UNSORTED_NAME}/loose 2.png") is None, LIVE_TIMEOUT_S, "the delete in SharePoint")
    sp_items.delete_item(graph, drive, new_sp.id)
    wait_for(lambda: _image_named(user, "from sharepoint.jpg") is None, LIVE_TIMEOUT_S, "the delete in Procore")
    assert _image_state(run, arrived.id)["state"] == "recycle_bin"

    skipped = frozenset({"Safety Walk 2026/minutes.docx", "Safety Walk 2026/Level 2"})
    _wait_identical(run, ob, "both sides after the live changes", skipped)
    wait_quiet(run, timeout=120)
    assert not _differences(run, ob, skipped)
