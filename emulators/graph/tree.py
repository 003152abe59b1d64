"""driveItem mutations: create folder, write file content, rename/move, delete to the recycle bin.

Each enforces naming rules, conflictBehavior, locks and If-Match, bumps eTag/cTag as documented
(eTag on any change, cTag on content change; a folder's cTag when anything beneath changes) and
records the change for delta and notifications. Callers hold store.lock.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
import re
from pathlib import Path

from emulators.graph import errors, ids, naming
from emulators.graph.state import Drive, Identity, Item, PriorVersion, utcnow
from emulators.graph.store import Store

CONFLICT_BEHAVIORS = ("fail", "replace", "rename")
_ETAG_LIST = re.compile(r'(?:W/)?"[^"]*"')


def check_if_match(item: Item | None, if_match: str | None, if_none_match: str | None = None) -> None:
    """If-Match: eTag or cTag (or *) must match; If-None-Match: * asserts the item does not exist."""
    if if_none_match is not None and item is not None:
        if if_none_match.strip() == "*" or if_none_match.strip() in (item.etag, item.ctag):
            raise errors.precondition_failed()
    if if_match is None:
        return
    if item is None:
        raise errors.precondition_failed()
    value = if_match.strip()
    tags = ["*"] if value == "*" else [value] + _ETAG_LIST.findall(value)   # tags carry commas
    if "*" not in tags and item.etag not in tags and item.ctag not in tags:
        raise errors.precondition_failed()


def validate_new_name(store: Store, drive: Drive, parent: Item, name: str, is_folder: bool) -> None:
    if not parent.is_folder:
        raise errors.invalid_request("The parent item is not a folder.")
    naming.check_name(name, is_folder=is_folder, at_root=parent.id == drive.root_id)
    naming.check_path_length(store.full_decoded_path(drive, parent, name), store.config.max_path_chars)


def _free_name(store: Store, parent: Item, name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    n = 1
    while True:
        candidate = f"{stem} {n}.{ext}" if ext else f"{stem} {n}"
        if store.child(parent, candidate) is None:
            return candidate
        n += 1


def resolve_conflict(store: Store, drive: Drive, parent: Item, name: str, behavior: str,
                     who: Identity) -> tuple[str, Item | None]:
    """Apply conflictBehavior: (name to use, existing item to replace or None)."""
    if behavior not in CONFLICT_BEHAVIORS:
        raise errors.invalid_request(f"Invalid value for @microsoft.graph.conflictBehavior: {behavior}")
    existing = store.child(parent, name)
    if existing is None:
        return name, None
    if behavior == "fail":
        raise errors.name_exists(name)
    if behavior == "rename":
        return _free_name(store, parent, name), None
    return name, existing


def _new_item(store: Store, drive: Drive, parent: Item, name: str, is_folder: bool, who: Identity) -> Item:
    now = utcnow()
    item = Item(ids.item_id(), drive.id, name, parent.id, is_folder, ids.new_guid(), now, now, who, who,
                drive.next_list_item_id, ids.new_guid(), fs_created=now, fs_modified=now)
    drive.next_list_item_id += 1
    drive.items[item.id] = item
    parent.children[name.lower()] = item.id
    return item


def create_folder(store: Store, drive: Drive, parent: Item, name: str, behavior: str, who: Identity) -> Item:
    validate_new_name(store, drive, parent, name, True)
    name, existing = resolve_conflict(store, drive, parent, name, behavior, who)
    if existing is not None:
        delete_item(store, drive, existing, who)
    item = _new_item(store, drive, parent, name, True, who)
    store.record_change(drive, [item])
    return item


def write_file(store: Store, drive: Drive, parent: Item, name: str, staging: Path, digest: str,
               behavior: str, who: Identity, target: Item | None = None,
               fs_created: dt.datetime | None = None,
               fs_modified: dt.datetime | None = None) -> tuple[Item, bool]:
    """Commit a staged file (digest = its QuickXorHash) as new content of `target` or parent/name.

    Returns (item, created).
    """
    if target is None:
        validate_new_name(store, drive, parent, name, False)
        name, target = resolve_conflict(store, drive, parent, name, behavior, who)
        if target is not None and target.is_folder:
            raise errors.name_exists(name)
    created = target is None
    if target is None:
        target = _new_item(store, drive, parent, name, False, who)
    else:
        store.check_lock(target)
        target.etag_version += 1
        target.ctag_version += 1
        target.fields_version += 1
    size = staging.stat().st_size
    old = target.blob
    if not created and old is not None:  # the replaced content stays as a prior version
        target.versions.append(PriorVersion(len(target.versions) + 1, target.size, target.modified,
                                            target.modified_by, old))
    target.blob = store.blobs.adopt(staging, target.id, target.ctag_version)
    now = utcnow()
    target.size, target.quick_xor, target.modified, target.modified_by = size, digest, now, who
    target.mime_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    target.fs_modified = fs_modified or now
    if fs_created is not None:
        target.fs_created = fs_created
    store.record_change(drive, [target])
    return target, created


def update_item(store: Store, drive: Drive, item: Item, who: Identity, name: str | None = None,
                new_parent: Item | None = None, behavior: str = "fail",
                fs_modified: dt.datetime | None = None) -> Item:
    """PATCH: rename and/or move within the drive (metadata change: eTag moves, cTag does not)."""
    if item.id == drive.root_id:
        raise _root_error()
    store.check_lock(item)
    parent = drive.items[item.parent_id] if item.parent_id else item
    changed = [item]
    dest = new_parent or parent
    target_name = name if name is not None else item.name
    if dest.id != parent.id or target_name != item.name:
        if dest.id == item.id or item in store.ancestors(dest) or dest is item:
            raise errors.invalid_request("Cannot move an item into itself or its descendant.")
        validate_new_name(store, drive, dest, target_name, item.is_folder)
        clash = store.child(dest, target_name)
        if clash is not None and clash.id != item.id:
            if behavior == "rename":
                target_name = _free_name(store, dest, target_name)
            elif behavior == "replace":
                delete_item(store, drive, clash, who)
            else:
                raise errors.name_exists(target_name)
        del parent.children[item.name.lower()]
        dest.children[target_name.lower()] = item.id
        item.name, item.parent_id = target_name, dest.id
        if dest.id != parent.id:
            parent.ctag_version += 1
            changed.append(parent)
    if fs_modified is not None:
        item.fs_modified = fs_modified
    item.etag_version += 1
    item.modified, item.modified_by = utcnow(), who
    store.record_change(drive, changed)
    return item


def _root_error() -> errors.GraphError:
    return errors.GraphError(400, "invalidRequest", "The root item cannot be modified.")


def delete_item(store: Store, drive: Drive, item: Item, who: Identity) -> None:
    """Move the item (and everything beneath) to the recycle bin; delta reports each as deleted."""
    if item.id == drive.root_id:
        raise _root_error()
    store.check_lock(item)
    parent = drive.items[item.parent_id] if item.parent_id else None
    gone: list[Item] = []
    stack = [item]
    while stack:
        cur = stack.pop()
        gone.append(cur)
        stack.extend(drive.items[c] for c in cur.children.values())
    if parent is not None:
        parent.children.pop(item.name.lower(), None)
    for cur in gone:
        cur.deleted = True
        cur.etag_version += 1
        cur.modified_by = who
    drive.recycle_bin.append(item.id)
    store.record_change(drive, gone + ([parent] if parent is not None else []))
