"""The planner's closed vocabulary: what changed on one side, and what to do about it.

Every per-side observation is a set of `Change`s and every decision an `Action` of one `ActionKind`
naming the side it acts on; a completeness test walks the whole table (style R4).
Pure: no I/O, no clock. Never imports azure.functions.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from shared.sync.conflict import Side

__all__ = ["Action", "ActionKind", "Breaker", "Change", "Kind", "Plan", "Presence", "Side", "UndefinedCell",
           "WRITES", "other"]


class Kind(enum.StrEnum):
    FILE = "file"
    FOLDER = "folder"


class Change(enum.StrEnum):
    """What one side did to an item since the agreed state (several may hold at once)."""

    CREATED = "created"                  # exists on this side, no agreed state yet
    CONTENT_CHANGED = "content_changed"  # the adapter's comparator says the version differs from the agreed one
    RENAMED = "renamed"
    MOVED = "moved"
    DELETED = "deleted"                  # agreed, gone from this side
    LOCKED = "locked"                    # open in Office (SharePoint 423) or checked out in Procore
    UNCHANGED = "unchanged"              # as agreed (an echo of our own write counts as unchanged)


class Presence(enum.StrEnum):
    """Where the item stands on one side against the agreed state: the planner's first dispatch key."""

    ABSENT = "absent"    # not on this side, no agreed state
    CREATED = "created"  # on this side, no agreed state
    KEPT = "kept"        # on this side, agreed (changed or not)
    DELETED = "deleted"  # not on this side, agreed


class Breaker(enum.StrEnum):
    """The mass-delete breaker's word on this item's delete (shared.sync.guards computes it)."""

    CLEAR = "clear"          # the guard admits the delete
    HELD = "held"            # the breaker tripped (or holds the link's deletes): hold it
    RELEASED = "released"    # an operator released the burst: apply it
    DISCARDED = "discarded"  # an operator discarded it: copy the item back


class ActionKind(enum.StrEnum):
    CREATE = "create"                    # a new twin on the target side, from the source side
    REPLACE_CONTENT = "replace_content"  # the source's content as a new version of the target's twin
    RENAME = "rename"
    MOVE = "move"
    DELETE = "delete"                    # to the target side's recycle bin
    RESTORE = "restore"                  # bring back on the target side what it deleted (a new twin)
    KEEP_BOTH_COPY = "keep_both_copy"    # the conflict's loser written beside the winner, under a conflict name
    SKIP = "skip"                        # not synced, with the reason (unsupported name, one-way, tool off)
    HOLD = "hold"                        # a delete held by the mass-delete breaker
    DEFER = "defer"                      # the target is locked: look again later
    RECORD_ONLY = "record_only"          # update the agreed state (and activity), write nothing
    NOOP = "noop"                        # nothing to do: both sides as agreed


# The kinds that write to the target side.
WRITES = frozenset({ActionKind.CREATE, ActionKind.REPLACE_CONTENT, ActionKind.RENAME, ActionKind.MOVE,
                    ActionKind.DELETE, ActionKind.RESTORE, ActionKind.KEEP_BOTH_COPY})


def other(side: Side) -> Side:
    return Side.SHAREPOINT if side is Side.PROCORE else Side.PROCORE


@dataclass(frozen=True)
class Action:
    """One decision. `target` is the side written (or that would have been: skip, hold, defer); None
    for record_only and noop. `source` is the side whose state is copied; `name` the name to give;
    `parent` the pair key of the new parent (move, create); `conflict` marks a conflict's resolution
    (the runner writes a `conflict` activity event)."""

    kind: ActionKind
    target: Side | None
    reason: str
    source: Side | None = None
    name: str | None = None
    parent: str | None = None
    conflict: bool = False

    @property
    def writes(self) -> bool:
        return self.kind in WRITES


@dataclass(frozen=True)
class Plan:
    """The planner's answer for one item: each side's observed changes and the actions, in order."""

    procore: frozenset[Change]
    sharepoint: frozenset[Change]
    actions: tuple[Action, ...]

    def kinds(self) -> list[ActionKind]:
        return [a.kind for a in self.actions]


class UndefinedCell(Exception):
    """The planner has no rule for this combination: a hole in the table (the completeness test fails)."""
