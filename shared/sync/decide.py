"""Pure decisions: the current Procore state of an item + the last agreed state -> actions.

No I/O, no logging, no clock (style R3). The runner logs each action's reason. This module covers
the Procore -> SharePoint direction; two-way decisions extend the same vocabulary.
Never imports azure.functions.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from shared.models.rows import ItemKind, ItemRow, ItemState
from shared.sync.naming import unsupported_reason
from shared.tools.base import SourceItem


class Change(enum.StrEnum):
    NEW = "new"
    CONTENT = "content"
    RENAMED = "renamed"
    MOVED = "moved"
    DELETED = "deleted"
    UNCHANGED = "unchanged"


class ActionKind(enum.StrEnum):
    MIRROR_FOLDER_SP = "mirror_folder_sp"   # create (or find) the folder's SharePoint twin
    COPY_TO_SP = "copy_to_sp"               # fetch the current version and upload it (new file or version)
    MOVE_SP = "move_sp"                     # rename and/or move the twin to match Procore
    RECYCLE_SP = "recycle_sp"               # delete the twin (to the SharePoint recycle bin)
    FORGET = "forget"                       # gone on Procore before it was ever synced: just record
    MIRROR_FOLDER_PROCORE = "mirror_folder_procore"   # create the Procore twin of a SharePoint folder
    COPY_TO_PROCORE = "copy_to_procore"     # upload the SharePoint file to Procore (new file or version)
    MOVE_PROCORE = "move_procore"           # rename and/or move the Procore twin to match SharePoint
    RECYCLE_PROCORE = "recycle_procore"     # delete the Procore twin (to the Procore recycle bin)
    NOOP = "noop"                           # nothing to do (our own echo, or no relevant change)


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    reason: str


def version_already_synced(row: ItemRow | None, version: str) -> bool:
    """This Procore version, or a newer one, is in SharePoint already: a late step for it (a duplicate
    delivery, a retry that waited) has nothing to do, and must not put older bytes over newer ones.
    Procore's file version ids grow with time, so a smaller id is an older version."""
    if row is None or row.state is not ItemState.SYNCED or not row.sp_item_id or row.procore_version is None:
        return False
    if row.procore_version == version:
        return True
    return version.isdigit() and row.procore_version.isdigit() and int(version) < int(row.procore_version)


def procore_changes(current: SourceItem | None, base: ItemRow | None) -> frozenset[Change]:
    """What changed on the Procore side since the last agreed state."""
    if current is None:
        return frozenset({Change.DELETED}) if base is not None else frozenset()
    if base is None:
        return frozenset({Change.NEW})
    changes: set[Change] = set()
    if current.kind is ItemKind.FILE and current.version != base.procore_version:
        changes.add(Change.CONTENT)
    if current.name != base.procore_name:
        changes.add(Change.RENAMED)
    if current.parent_id != base.procore_parent_id:
        changes.add(Change.MOVED)
    return frozenset(changes or {Change.UNCHANGED})


def _create(current: SourceItem, why: str) -> Action:
    if current.kind is ItemKind.FOLDER:
        return Action(ActionKind.MIRROR_FOLDER_SP, f"folder {why}")
    return Action(ActionKind.COPY_TO_SP, f"file {why}")


def decide_procore_to_sp(current: SourceItem | None, base: ItemRow | None) -> list[Action]:
    """Actions that bring SharePoint to the item's current Procore state."""
    changes = procore_changes(current, base)
    if not changes:
        return [Action(ActionKind.NOOP, "unknown item is gone: nothing to do")]
    if Change.DELETED in changes:
        assert base is not None
        if base.sp_item_id and base.state is ItemState.SYNCED:
            return [Action(ActionKind.RECYCLE_SP, "deleted in Procore")]
        return [Action(ActionKind.FORGET, "deleted in Procore before it was synced")]
    assert current is not None
    if Change.NEW in changes:
        return [_create(current, "created in Procore")]
    assert base is not None
    if base.state is not ItemState.SYNCED or not base.sp_item_id:
        if base.state is ItemState.SKIPPED and Change.RENAMED not in changes and Change.MOVED not in changes:
            return [Action(ActionKind.NOOP, f"still skipped: {base.reason}")]
        return [_create(current, f"not synced yet ({base.state.value}): planned again")]
    actions: list[Action] = []
    if Change.RENAMED in changes or Change.MOVED in changes:
        what = " and ".join(c.value for c in (Change.RENAMED, Change.MOVED) if c in changes)
        actions.append(Action(ActionKind.MOVE_SP, f"{what} in Procore"))
    if Change.CONTENT in changes:
        actions.append(Action(ActionKind.COPY_TO_SP, f"new version {current.version} in Procore"))
    return actions or [Action(ActionKind.NOOP, "no change to sync (already agreed)")]


@dataclass(frozen=True)
class SpView:
    """A SharePoint item as a delta page reported it."""

    sp_item_id: str
    deleted: bool
    is_folder: bool
    name: str | None
    parent_id: str | None
    etag: str | None
    quickxor: str | None
    modified_by_app: str | None


def sp_changes(current: SpView, base: ItemRow | None) -> frozenset[Change]:
    """What changed on the SharePoint side since the last agreed state."""
    if current.deleted:
        return frozenset({Change.DELETED}) if base is not None else frozenset()
    if base is None:
        return frozenset({Change.NEW})
    changes: set[Change] = set()
    if not current.is_folder and current.quickxor and current.quickxor != base.sp_quickxor:
        changes.add(Change.CONTENT)
    if current.name != base.sp_name:
        changes.add(Change.RENAMED)
    if current.parent_id != base.sp_parent_id:
        changes.add(Change.MOVED)
    return frozenset(changes or {Change.UNCHANGED})


def decide_sp_to_procore(current: SpView, base: ItemRow | None, our_app_id: str) -> list[Action]:
    """Actions that bring Procore to the item's current SharePoint state."""
    if current.modified_by_app and current.modified_by_app == our_app_id:
        return [Action(ActionKind.NOOP, "our own write to SharePoint (echo)")]
    changes = sp_changes(current, base)
    if not changes:
        return [Action(ActionKind.NOOP, "unknown SharePoint item is gone: nothing to do")]
    if Change.DELETED in changes:
        assert base is not None
        if base.state is ItemState.SYNCED:
            return [Action(ActionKind.RECYCLE_PROCORE, "deleted in SharePoint")]
        return [Action(ActionKind.NOOP, f"deleted in SharePoint while {base.state.value} from Procore")]
    if Change.NEW in changes:
        if current.is_folder:
            return [Action(ActionKind.MIRROR_FOLDER_PROCORE, "folder created in SharePoint")]
        reason = unsupported_reason(current.name or "")
        if reason:
            return [Action(ActionKind.NOOP, f"not synced: {reason}")]
        return [Action(ActionKind.COPY_TO_PROCORE, "file created in SharePoint")]
    assert base is not None
    if base.state is not ItemState.SYNCED:
        return [Action(ActionKind.NOOP, f"Procore side still {base.state.value}: it settles the item")]
    if current.etag is not None and current.etag == base.sp_etag:
        return [Action(ActionKind.NOOP, "already agreed (same eTag)")]
    actions: list[Action] = []
    if Change.RENAMED in changes or Change.MOVED in changes:
        what = " and ".join(c.value for c in (Change.RENAMED, Change.MOVED) if c in changes)
        actions.append(Action(ActionKind.MOVE_PROCORE, f"{what} in SharePoint"))
    if Change.CONTENT in changes:
        actions.append(Action(ActionKind.COPY_TO_PROCORE, "new content in SharePoint"))
    return actions or [Action(ActionKind.NOOP, "no change to sync (metadata only)")]
