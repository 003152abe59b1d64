"""One side's view of an item + the last agreed state -> the runners' actions, through the planner.

The policy itself lives in shared.sync.plan (both directions at once); these two functions build the
planner's input from what one runner observed (the other side taken as agreed) and map its actions
back to the runners' ActionKind, keeping the row bookkeeping (pending, skipped rows) here.
No I/O, no logging, no clock (style R3). Never imports azure.functions.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from shared.graph.models import DriveItem
from shared.models.api import Mode, TenantSettings, ToolKey
from shared.models.rows import ItemKind, ItemRow, ItemState
from shared.sync.plan import planner
from shared.sync.plan import vocabulary as v
from shared.sync.plan.state import Agreed, PlanInput, Policy, SideState
from shared.tools import TOOLS
from shared.tools.base import CompareVersions, SourceItem, VersionOrder, version_changed


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


def _versions(tool: ToolKey, compare: CompareVersions | None) -> CompareVersions:
    """How the tool's adapter orders its version tokens (the engine never parses one)."""
    return compare or TOOLS[tool].compare_versions


def version_already_synced(row: ItemRow | None, version: str, compare: CompareVersions | None = None) -> bool:
    """This Procore version, or a newer one, is in SharePoint already: a late step for it (a duplicate
    delivery, a retry that waited) has nothing to do, and must not put older bytes over newer ones.
    Which version is older is the tool adapter's answer (`compare`, else the registered adapter's)."""
    if row is None or row.state is not ItemState.SYNCED or not row.sp_item_id or row.procore_version is None:
        return False
    return _versions(row.tool, compare)(version, row.procore_version) is not VersionOrder.NEWER


def procore_changes(current: SourceItem | None, base: ItemRow | None,
                    compare: CompareVersions | None = None) -> frozenset[Change]:
    """What changed on the Procore side since the last agreed state."""
    if current is None:
        return frozenset({Change.DELETED}) if base is not None else frozenset()
    if base is None:
        return frozenset({Change.NEW})
    changes: set[Change] = set()
    if current.kind is ItemKind.FILE and version_changed(_versions(current.tool, compare), current.version,
                                                         base.procore_version):
        changes.add(Change.CONTENT)
    if current.name != base.procore_name:
        changes.add(Change.RENAMED)
    if current.parent_id != base.procore_parent_id:
        changes.add(Change.MOVED)
    return frozenset(changes or {Change.UNCHANGED})


def _kind(kind: ItemKind) -> v.Kind:
    return v.Kind.FOLDER if kind is ItemKind.FOLDER else v.Kind.FILE


def _agreed(base: ItemRow, parent: str | None) -> Agreed:
    return Agreed(kind=_kind(base.kind), procore_name=base.procore_name, sp_name=base.sp_name or base.procore_name,
                  parent=parent, procore_version=base.procore_version, sp_version=base.sp_etag,
                  sp_hash=base.sp_quickxor)


def _as_agreed(agreed: Agreed, procore: bool) -> SideState:
    """The side this runner did not observe, taken as agreed (its own runner reports its changes)."""
    return SideState(kind=agreed.kind, name=agreed.procore_name if procore else agreed.sp_name, parent=agreed.parent,
                     version=agreed.procore_version if procore else agreed.sp_version)


def _to_runner(plan: v.Plan, create: ActionKind, replace: ActionKind, move: ActionKind,
               recycle: ActionKind) -> list[Action]:
    """The planner's actions toward one side as the runners' kinds; a rename and a move are one step."""
    mapping = {v.ActionKind.CREATE: create, v.ActionKind.RESTORE: create, v.ActionKind.REPLACE_CONTENT: replace,
               v.ActionKind.RENAME: move, v.ActionKind.MOVE: move, v.ActionKind.DELETE: recycle}
    actions: list[Action] = []
    for planned in plan.actions:
        kind = mapping.get(planned.kind, ActionKind.NOOP)
        if kind is not ActionKind.NOOP and any(a.kind is kind for a in actions):
            continue
        actions.append(Action(kind, planned.reason))
    moves = [a for a in actions if a.kind is move]
    rest = [a for a in actions if a.kind is not move]
    noops = [a for a in rest if a.kind is ActionKind.NOOP]
    doing = moves + [a for a in rest if a.kind is not ActionKind.NOOP]
    return doing or noops[:1]


def _procore_skip(plan: v.Plan, current: SourceItem) -> v.Plan:
    """A name SharePoint refuses is recorded as skipped by the step that writes it (transfer, metadata), as
    before: a skip toward SharePoint goes on as that step."""
    if not any(a.kind is v.ActionKind.SKIP for a in plan.actions):
        return plan
    swap = v.ActionKind.CREATE if v.Change.CREATED in plan.procore else v.ActionKind.RENAME
    return v.Plan(plan.procore, plan.sharepoint, tuple(
        v.Action(swap, v.Side.SHAREPOINT, a.reason) if a.kind is v.ActionKind.SKIP else a for a in plan.actions))


def decide_procore_to_sp(current: SourceItem | None, base: ItemRow | None,
                         compare: CompareVersions | None = None) -> list[Action]:
    """Actions that bring SharePoint to the item's current Procore state (versions compared by `compare`,
    else by the tool's registered adapter)."""
    synced = base is not None and base.state is ItemState.SYNCED and bool(base.sp_item_id)
    if current is None and base is not None and not synced:
        return [Action(ActionKind.FORGET, "deleted in Procore before it was synced")]
    if current is not None and base is not None and not synced and base.state is ItemState.SKIPPED \
            and not {Change.RENAMED, Change.MOVED} & procore_changes(current, base, compare):
        return [Action(ActionKind.NOOP, f"still skipped: {base.reason}")]
    agreed = _agreed(base, base.procore_parent_id) if base is not None and synced else None
    side = None if current is None else SideState(
        kind=_kind(current.kind), name=current.name, parent=current.parent_id, version=current.version,
        content_changed=agreed is not None and current.kind is ItemKind.FILE
        and version_changed(_versions(current.tool, compare), current.version, agreed.procore_version),
        modified=current.updated_at)
    plan = planner.plan(PlanInput(side, _as_agreed(agreed, procore=False) if agreed else None, agreed))
    create = ActionKind.MIRROR_FOLDER_SP if current is not None and current.kind is ItemKind.FOLDER \
        else ActionKind.COPY_TO_SP
    return _to_runner(_procore_skip(plan, current) if current is not None else plan, create, ActionKind.COPY_TO_SP,
                      ActionKind.MOVE_SP, ActionKind.RECYCLE_SP)


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
    if base is not None and base.state is not ItemState.SYNCED:
        return [Action(ActionKind.NOOP, f"Procore side still {base.state.value}: it settles the item")]
    if base is not None and not current.deleted and current.etag is not None and current.etag == base.sp_etag:
        return [Action(ActionKind.NOOP, "already agreed (same eTag)")]
    agreed = _agreed(base, base.sp_parent_id) if base is not None else None
    kind = v.Kind.FOLDER if current.is_folder else v.Kind.FILE
    side = None if current.deleted else SideState(
        kind=kind, name=current.name or "", parent=current.parent_id, version=current.etag, hash=current.quickxor,
        content_changed=agreed is not None and kind is v.Kind.FILE and bool(current.quickxor)
        and current.quickxor != agreed.sp_hash)
    plan = planner.plan(PlanInput(_as_agreed(agreed, procore=True) if agreed else None, side, agreed))
    create = ActionKind.MIRROR_FOLDER_PROCORE if current.is_folder else ActionKind.COPY_TO_PROCORE
    return _to_runner(plan, create, ActionKind.COPY_TO_PROCORE, ActionKind.MOVE_PROCORE, ActionKind.RECYCLE_PROCORE)


# Observations for the runners that plan both sides at once (a conflict, an edit against a delete): the
# runner reads both sides' current state, these turn it and the agreed row into the planner's input.

def agreed_pair(row: ItemRow) -> Agreed:
    """The item's agreed state, its parent keyed by the Procore parent's id (the pair key)."""
    return _agreed(row, row.procore_parent_id)


def procore_state(current: SourceItem | None, row: ItemRow | None, *, hash: str | None = None,
                  locked: bool = False, changed: bool | None = None, metadata: bool = False) -> SideState | None:
    """Procore's current state of the item (None: gone). Procore keeps no content hash unless the caller
    hashed the bytes it staged (`hash`): a version other than the agreed one is a change (`changed` when the
    caller knows better: the version it is copying was never synced). Its time is the content's, or, for a
    name-and-place plan (`metadata`), the item's own last change (a rename or move)."""
    if current is None or current.deleted:
        return None
    if changed is None:
        agreed = row.procore_version if row is not None else None
        changed = current.kind is ItemKind.FILE and None not in (current.version, agreed) \
            and version_changed(_versions(current.tool, None), current.version, agreed)
    return SideState(kind=_kind(current.kind), name=current.name, parent=current.parent_id, version=current.version,
                     content_changed=changed,
                     hash=hash, size=current.size, locked=locked,
                     modified=(current.changed_at or current.updated_at) if metadata else current.updated_at)


def sharepoint_state(item: DriveItem | None, row: ItemRow | None, *, by_us: bool,
                     changed: bool | None = None) -> SideState | None:
    """SharePoint's current state of the item (None: gone). Its content changed when its quickXorHash is not
    the agreed one (`changed` when the caller knows better: the bytes it is copying are a change)."""
    if item is None or item.is_deleted:
        return None
    kind = v.Kind.FOLDER if item.is_folder else v.Kind.FILE
    if changed is None:
        changed = row is not None and kind is v.Kind.FILE and bool(row.sp_quickxor) \
            and item.quick_xor_hash != row.sp_quickxor
    parent = None if row is None else row.procore_parent_id if item.parent_id == row.sp_parent_id \
        else f"sp:{item.parent_id}"  # another SharePoint folder than the agreed one: a key of its own
    return SideState(kind=kind, name=item.name or "", parent=parent, version=item.etag, hash=item.quick_xor_hash,
                     size=item.size, modified=item.last_modified, by_us=by_us, content_changed=changed)


def folder_state(row: ItemRow, procore: bool, changed_below: bool) -> SideState:
    """A folder still on one side, as agreed, holding (or not) a person's changes below it."""
    agreed = agreed_pair(row)
    return SideState(kind=v.Kind.FOLDER, name=agreed.procore_name if procore else agreed.sp_name,
                     parent=agreed.parent, changed_below=changed_below)


def policy_of(settings: TenantSettings, mode: Mode | None, today: str) -> Policy:
    """The planner's policy for one tool of a link in regular sync."""
    return Policy(mode=mode or Mode.TWO_WAY, conflict_policy=settings.conflict_policy,
                  delete_sync=settings.delete_sync, today=today)
