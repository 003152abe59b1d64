"""The sync policy, decided once for both directions: `plan(PlanInput) -> Plan`.

Each side is compared with the agreed state, the pair of presences picks a rule from `_RULES` (a
missing cell raises UndefinedCell), and two filters finish the plan: nothing is written to Procore
under a one-way tool, and a write to a locked item waits (defer). Pure: no I/O, no clock (the caller
passes `today`), no logging. Never imports azure.functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from shared.models.api import ConflictPolicy, InitialSync, Mode
from shared.sync.conflict import conflict_name, newest_wins
from shared.sync.plan.names import name_for, same_name
from shared.sync.plan.state import Agreed, PlanInput, SideState
from shared.sync.plan.vocabulary import (
    Action,
    ActionKind,
    Breaker,
    Change,
    Kind,
    Plan,
    Presence,
    Side,
    UndefinedCell,
    other,
)

LOCK_BLOCKS = frozenset({ActionKind.REPLACE_CONTENT, ActionKind.RENAME, ActionKind.MOVE, ActionKind.DELETE})
LOCK_REASON = {Side.PROCORE: "checked out in Procore: waits for the check-in",
               Side.SHAREPOINT: "locked in SharePoint (open in Office): waits for the release"}
QUIET = frozenset({Change.UNCHANGED, Change.LOCKED})
ONE_WAY_REASON = "one-way tool: nothing is written to Procore"


def observe(state: SideState | None, agreed: Agreed | None, side: Side) -> tuple[Presence, frozenset[Change]]:
    """Where the item stands on one side, and what that side changed since the agreed state."""
    if state is None:
        return (Presence.DELETED, frozenset({Change.DELETED})) if agreed else (Presence.ABSENT, frozenset())
    locked = {Change.LOCKED} if state.locked else set()
    if agreed is None:
        return Presence.CREATED, frozenset({Change.CREATED, *locked})
    changes: set[Change] = set()
    if not state.by_us:  # our own write is no one's change (an echo)
        if state.kind is Kind.FILE and state.content_changed:
            changes.add(Change.CONTENT_CHANGED)
        if state.name != (agreed.procore_name if side is Side.PROCORE else agreed.sp_name):
            changes.add(Change.RENAMED)
        if state.parent != agreed.parent:
            changes.add(Change.MOVED)
    return Presence.KEPT, frozenset((changes or {Change.UNCHANGED}) | locked)


@dataclass(frozen=True)
class _Cell:
    inp: PlanInput
    changes: dict[Side, frozenset[Change]]

    def state(self, side: Side) -> SideState:
        state = self.inp.procore if side is Side.PROCORE else self.inp.sharepoint
        assert state is not None
        return state

    def did(self, side: Side, change: Change) -> bool:
        return change in self.changes[side]

    @property
    def one_way(self) -> bool:
        return self.inp.policy.mode is Mode.ONE_WAY

    def newer(self) -> Side:
        """The side whose change wins: the newer modified time (ties and unknown times: Procore, as
        shared.sync.conflict.newest_wins favours the side it is asked about); one-way: always Procore."""
        if self.one_way:
            return Side.PROCORE
        verdict = newest_wins(Side.PROCORE, self.state(Side.PROCORE).modified, self.state(Side.SHAREPOINT).modified)
        return Side.PROCORE if verdict.incoming_wins else Side.SHAREPOINT

    def won(self, why: str, winner: Side) -> str:
        if self.one_way:
            return f"{why}: one-way tool, Procore's wins"
        return f"{why}: {winner.value} is newer"


def _send(cell: _Cell, kind: ActionKind, source: Side, reason: str, *, conflict: bool = False) -> Action:
    """Copy the source side's item to the other side (create / restore / keep-both), or skip it with why."""
    target, state = other(source), cell.state(source)
    to = name_for(target, state, cell.inp.sp_parent_path if target is Side.SHAREPOINT else None)
    if to.name is None:
        return Action(ActionKind.SKIP, target, f"not synced: {to.reason}", source=source)
    return Action(kind, target, reason, source=source, name=to.name, parent=state.parent, conflict=conflict)


def _same_content(p: SideState, s: SideState) -> bool:
    """Identical by the servers' hashes (and sizes, when both are known); unknown is not identical."""
    if p.hash is None or p.hash != s.hash:
        return False
    return p.size is None or s.size is None or p.size == s.size


def _nothing_left(_: _Cell) -> list[Action]:
    return [Action(ActionKind.NOOP, None, "unknown item gone from both sides: nothing to do")]


def _created_on(side: Side) -> Callable[[_Cell], list[Action]]:
    def rule(cell: _Cell) -> list[Action]:
        state = cell.state(side)
        if state.by_us:
            return [Action(ActionKind.NOOP, None, f"our own write to {side.value} (echo)")]
        return [_send(cell, ActionKind.CREATE, side, f"{state.kind.value} created in {side.value}")]
    return rule


def _created_on_both(cell: _Cell) -> list[Action]:
    """Both sides hold an unmapped item of the same name in the same folder: match them."""
    p, s = cell.state(Side.PROCORE), cell.state(Side.SHAREPOINT)
    if p.kind is Kind.FOLDER:
        return [Action(ActionKind.RECORD_ONLY, None, "matched by name: the same folder on both sides")]
    if _same_content(p, s):
        return [Action(ActionKind.RECORD_ONLY, None, "matched by name, identical content: nothing copied")]
    initial = cell.inp.policy.initial
    if initial is InitialSync.STANDARD or s.by_us:
        return [Action(ActionKind.REPLACE_CONTENT, Side.SHAREPOINT, "matched by name: Procore's file replaces "
                       "the unmapped SharePoint one (kept as a prior version)", source=Side.PROCORE)]
    if p.by_us:
        return [Action(ActionKind.REPLACE_CONTENT, Side.PROCORE, "matched by name: SharePoint's file replaces "
                       "our own unrecorded copy in Procore", source=Side.SHAREPOINT)]
    if initial is InitialSync.FROM_SHAREPOINT:
        winner = cell.newer()
        reason = cell.won("matched by name (initial sync from SharePoint)", winner) + \
            f"; {other(winner).value}'s copy kept as a prior version"
        return [Action(ActionKind.REPLACE_CONTENT, other(winner), reason, source=winner)]
    return _content_conflict(cell)


def _content_conflict(cell: _Cell) -> list[Action]:
    """Both sides changed the file's content since the agreed state."""
    p, s = cell.state(Side.PROCORE), cell.state(Side.SHAREPOINT)
    if _same_content(p, s):
        return [Action(ActionKind.RECORD_ONLY, None, "both sides changed to identical content: recorded")]
    winner = cell.newer()
    loser = other(winner)
    reason = cell.won("conflict", winner) + f"; {loser.value}'s edit kept as a prior version"
    replace_loser = Action(ActionKind.REPLACE_CONTENT, loser, reason, source=winner, conflict=True)
    if cell.inp.policy.conflict_policy is not ConflictPolicy.KEEP_BOTH:
        return [replace_loser]
    copy = conflict_name(s.name, loser, cell.inp.policy.today)
    why = f"{reason}; kept both (keep_both): {loser.value}'s edit beside it as {copy!r}"
    sides = [Side.SHAREPOINT] if cell.one_way else [loser, winner]  # one-way: nothing written to Procore
    copies = [Action(ActionKind.KEEP_BOTH_COPY, side, why, source=loser, name=copy, parent=cell.state(side).parent,
                     conflict=True) for side in sides]
    return [*copies, replace_loser]


def _metadata(cell: _Cell, change: Change) -> list[Action]:
    """A rename (or a move) on one side or both: the single one travels, two different ones: the newer."""
    p, s = cell.state(Side.PROCORE), cell.state(Side.SHAREPOINT)
    on_p, on_s = cell.did(Side.PROCORE, change), cell.did(Side.SHAREPOINT, change)
    if not (on_p or on_s):
        return []
    kind = ActionKind.RENAME if change is Change.RENAMED else ActionKind.MOVE
    what = "renamed" if change is Change.RENAMED else "moved"
    if on_p and on_s:
        alike = same_name(p.name, s.name) if change is Change.RENAMED else p.parent == s.parent
        if alike:
            return [Action(ActionKind.RECORD_ONLY, None, f"{what} alike on both sides: recorded")]
        source = cell.newer()
        reason = cell.won(f"{what} differently on both sides", source)
    else:
        source = Side.PROCORE if on_p else Side.SHAREPOINT
        reason = f"{what} in {source.value}"
    target, state = other(source), cell.state(source)
    if kind is ActionKind.MOVE:
        return [Action(kind, target, reason, source=source, parent=state.parent)]
    to = name_for(target, replace(state, kind=Kind.FOLDER))  # a rename never makes a file unsupported
    if to.name is None:
        return [Action(ActionKind.SKIP, target, f"cannot follow the rename: {to.reason}", source=source)]
    return [Action(kind, target, reason, source=source, name=to.name)]


def _differs(state: SideState, agreed: Agreed, side: Side) -> bool:
    """Our own write left the side in another state than the agreed one (SharePoint's rewrite of an Office
    file, or a write whose record was lost): recorded, never sent."""
    name = agreed.procore_name if side is Side.PROCORE else agreed.sp_name
    return state.by_us and (state.content_changed or state.name != name or state.parent != agreed.parent)


def _kept_on_both(cell: _Cell) -> list[Action]:
    actions: list[Action] = []
    on_p, on_s = (cell.did(side, Change.CONTENT_CHANGED) for side in (Side.PROCORE, Side.SHAREPOINT))
    if on_p and on_s:
        actions += _content_conflict(cell)
    elif on_p or on_s:
        source = Side.PROCORE if on_p else Side.SHAREPOINT
        actions.append(Action(ActionKind.REPLACE_CONTENT, other(source), f"new content in {source.value}",
                              source=source))
    actions += _metadata(cell, Change.RENAMED) + _metadata(cell, Change.MOVED)
    if actions:
        return actions
    agreed = cell.inp.agreed
    assert agreed is not None
    if any(_differs(cell.state(side), agreed, side) for side in (Side.PROCORE, Side.SHAREPOINT)):
        return [Action(ActionKind.RECORD_ONLY, None, "our own write (echo): its state recorded, nothing sent")]
    return [Action(ActionKind.NOOP, None, "as agreed on both sides")]


def _deleted_on(gone: Side) -> Callable[[_Cell], list[Action]]:
    def rule(cell: _Cell) -> list[Action]:
        kept = other(gone)
        state, policy = cell.state(kept), cell.inp.policy
        edited = cell.did(kept, Change.CONTENT_CHANGED) if state.kind is Kind.FILE else state.changed_below
        if edited:
            what = "edited" if state.kind is Kind.FILE else "holding edited files"
            if cell.one_way and gone is Side.PROCORE:
                return [Action(ActionKind.RECORD_ONLY, None, f"deleted in Procore, {what} in SharePoint: one-way "
                               "tool, so the edit stays in SharePoint only (untracked)", conflict=True)]
            return [_send(cell, ActionKind.RESTORE, kept, f"{what} in {kept.value}, deleted in {gone.value}: "
                          "the edit wins and is copied back", conflict=True)]
        if cell.one_way and gone is Side.SHAREPOINT:   # SharePoint is Procore's copy: it comes back
            return [_send(cell, ActionKind.RESTORE, Side.PROCORE, f"deleted in SharePoint; {ONE_WAY_REASON}, "
                          "and Procore's copy is restored in SharePoint")]
        if not policy.delete_sync:
            return [Action(ActionKind.RECORD_ONLY, None, f"deleted in {gone.value}; delete sync is off: "
                           "not synced (delete_not_synced)")]
        if policy.breaker is Breaker.HELD:
            return [Action(ActionKind.HOLD, kept, f"deleted in {gone.value}: held by the mass-delete breaker",
                           source=gone)]
        if policy.breaker is Breaker.DISCARDED:
            return [_send(cell, ActionKind.RESTORE, kept, "held delete discarded by an operator: copied back")]
        return [Action(ActionKind.DELETE, kept, f"deleted in {gone.value}", source=gone)]
    return rule


def _deleted_on_both(_: _Cell) -> list[Action]:
    return [Action(ActionKind.RECORD_ONLY, None, "deleted on both sides: forgotten")]


_Rule = Callable[[_Cell], list[Action]]
_RULES: dict[tuple[Presence, Presence], _Rule] = {
    (Presence.ABSENT, Presence.ABSENT): _nothing_left,
    (Presence.CREATED, Presence.ABSENT): _created_on(Side.PROCORE),
    (Presence.ABSENT, Presence.CREATED): _created_on(Side.SHAREPOINT),
    (Presence.CREATED, Presence.CREATED): _created_on_both,
    (Presence.KEPT, Presence.KEPT): _kept_on_both,
    (Presence.DELETED, Presence.KEPT): _deleted_on(Side.PROCORE),
    (Presence.KEPT, Presence.DELETED): _deleted_on(Side.SHAREPOINT),
    (Presence.DELETED, Presence.DELETED): _deleted_on_both,
}


def _one_way(actions: list[Action]) -> list[Action]:
    """Safety net for one-way tools: a write to Procore becomes a skip (SharePoint's change stays there)."""
    out: list[Action] = []
    for action in actions:
        if action.target is Side.PROCORE and action.writes:
            action = Action(ActionKind.SKIP, Side.PROCORE, f"{action.reason}; {ONE_WAY_REASON}", source=action.source)
        out.append(action)
    return out


def _locks(cell: _Cell, actions: list[Action]) -> list[Action]:
    """A write onto a locked item waits, and the item's whole plan with it (planned again later)."""
    locked = {side for side in (Side.PROCORE, Side.SHAREPOINT) if cell.did(side, Change.LOCKED)}
    blocked = sorted({a.target for a in actions if a.target in locked and a.kind in LOCK_BLOCKS})
    if not blocked:
        return actions
    return [Action(ActionKind.DEFER, side, LOCK_REASON[side]) for side in blocked]


def plan(inp: PlanInput) -> Plan:
    """The actions that bring both sides of one item to agreement, with their reasons."""
    p_presence, p_changes = observe(inp.procore, inp.agreed, Side.PROCORE)
    s_presence, s_changes = observe(inp.sharepoint, inp.agreed, Side.SHAREPOINT)
    if inp.policy.mode is Mode.OFF:
        quiet = p_changes | s_changes <= QUIET
        return Plan(p_changes, s_changes, (Action(ActionKind.NOOP, None, "as agreed; the tool is off") if quiet else
                                           Action(ActionKind.SKIP, None, "the tool is off for this link"),))
    rule = _RULES.get((p_presence, s_presence))
    if rule is None:
        raise UndefinedCell(f"no rule for Procore {p_presence.value} x SharePoint {s_presence.value}")
    cell = _Cell(inp, {Side.PROCORE: p_changes, Side.SHAREPOINT: s_changes})
    actions = rule(cell)
    if cell.one_way:
        actions = _one_way(actions)
    actions = _locks(cell, actions)
    if not actions:
        raise UndefinedCell(f"the rule for Procore {sorted(p_changes)} x SharePoint {sorted(s_changes)} gave nothing")
    return Plan(p_changes, s_changes, tuple(actions))
