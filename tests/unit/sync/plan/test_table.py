"""The planner's whole table (style R4): every change on the Procore side x every change on the
SharePoint side x mode x conflict policy x delete sync x kind, each under every initial-sync mode,
breaker verdict and timing; a cell without a rule fails, and the published invariants hold in all."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from shared.models.api import ConflictPolicy, InitialSync, Mode
from shared.sync.plan import planner
from shared.sync.plan.planner import plan
from shared.sync.plan.state import Agreed, PlanInput, Policy, SideState
from shared.sync.plan.vocabulary import WRITES, ActionKind, Breaker, Change, Kind, Plan, Side, UndefinedCell

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CONTENT_WRITES = frozenset({ActionKind.CREATE, ActionKind.REPLACE_CONTENT, ActionKind.RESTORE,
                            ActionKind.KEEP_BOTH_COPY})
LOCK_BLOCKED = frozenset({ActionKind.REPLACE_CONTENT, ActionKind.RENAME, ActionKind.MOVE, ActionKind.DELETE})


@dataclass(frozen=True)
class Variant:
    """One side's observation in the table: a name for messages and how to build the state."""

    label: str
    agreed: bool                    # needs an agreed row (kept/deleted) or not (created/absent)
    present: bool
    changes: frozenset[str] = frozenset()   # of content, renamed, moved
    locked: bool = False
    by_us: bool = False
    changed_below: bool = False


def variants(kind: Kind) -> list[Variant]:
    dims = ("content", "renamed", "moved") if kind is Kind.FILE else ("renamed", "moved")
    out = [Variant("absent", False, False), Variant("created", False, True),
           Variant("created by us (echo)", False, True, by_us=True), Variant("deleted", True, False)]
    locks = (False, True) if kind is Kind.FILE else (False,)
    below = (False, True) if kind is Kind.FOLDER else (False,)
    for n in range(len(dims) + 1):
        for subset in itertools.combinations(dims, n):
            for locked, changed_below in itertools.product(locks, below):
                label = "+".join(subset) or "unchanged"
                out.append(Variant(label + (" locked" if locked else "") + (" edits below" if changed_below else ""),
                                   True, True, frozenset(subset), locked, changed_below=changed_below))
    out.append(Variant("echo of our write", True, True, frozenset({"content", "renamed"} & set(dims)), by_us=True))
    if kind is Kind.FILE:
        out.append(Variant("created locked", False, True, locked=True))
    return out


AGREED = {kind: Agreed(kind=kind, procore_name="Plan.pdf", sp_name="Plan.pdf", parent="root",
                       procore_version="p1" if kind is Kind.FILE else None,
                       sp_version="s1" if kind is Kind.FILE else None, sp_hash="h0" if kind is Kind.FILE else None)
          for kind in Kind}
# Timings of both sides' last changes: (Procore's time, SharePoint's time, same content?)
TIMINGS = {"procore newer": (T0 + timedelta(minutes=2), T0 + timedelta(minutes=1), False),
           "sharepoint newer": (T0 + timedelta(minutes=1), T0 + timedelta(minutes=2), False),
           "same time, identical content": (T0, T0, True)}


def state(v: Variant, side: Side, kind: Kind, when: datetime, identical: bool) -> SideState | None:
    if not v.present:
        return None
    tag = "p" if side is Side.PROCORE else "s"
    content = "content" in v.changes or not v.agreed
    return SideState(kind=kind, name=f"Plan {tag}.pdf" if "renamed" in v.changes else "Plan.pdf",
                     parent=f"folder-{tag}" if "moved" in v.changes else "root",
                     version=f"{tag}2" if content else f"{tag}1", content_changed=v.agreed and content,
                     hash=None if kind is Kind.FOLDER else ("h-same" if identical else f"h-{tag}") if content else "h0",
                     size=100, modified=when, locked=v.locked, by_us=v.by_us, changed_below=v.changed_below)


@dataclass(frozen=True)
class Cell:
    kind: Kind
    procore: Variant
    sharepoint: Variant
    mode: Mode
    policy: ConflictPolicy
    delete_sync: bool
    initial: InitialSync | None
    breaker: Breaker
    timing: str

    def input(self) -> PlanInput:
        p_at, s_at, identical = TIMINGS[self.timing]
        return PlanInput(
            procore=state(self.procore, Side.PROCORE, self.kind, p_at, identical),
            sharepoint=state(self.sharepoint, Side.SHAREPOINT, self.kind, s_at, identical),
            agreed=AGREED[self.kind] if self.procore.agreed else None,
            policy=Policy(mode=self.mode, conflict_policy=self.policy, delete_sync=self.delete_sync,
                          initial=self.initial, breaker=self.breaker, today="2026-12-05"),
            sp_parent_path="Projects/Tower/Documents")


def table() -> Iterator[Cell]:
    """change x change x mode x policy x delete sync x kind, then the context dimensions."""
    for kind in Kind:
        sides = variants(kind)
        for p, s in itertools.product(sides, sides):
            if p.agreed != s.agreed:
                continue  # one agreed row per pair: both sides are measured against it, or neither is
            for rest in itertools.product(Mode, ConflictPolicy, (True, False), (None, *InitialSync), Breaker,
                                          TIMINGS):
                yield Cell(kind, p, s, *rest)


def _edited(cell: Cell, side: Side) -> bool:
    v = cell.procore if side is Side.PROCORE else cell.sharepoint
    return v.present and not v.by_us and ("content" in v.changes or v.changed_below)


def _check(cell: Cell, result: Plan) -> list[str]:
    """The invariants the README publishes, over one cell; returns what is broken."""
    acts = result.actions
    broken: list[str] = []
    written = {a.target for a in acts if a.kind in WRITES}
    content = {a.target for a in acts if a.kind in CONTENT_WRITES}
    if any(not a.reason for a in acts):
        broken.append("an action without a reason")
    if any(a.kind in WRITES and (a.target is None or a.source is None) for a in acts):
        broken.append("a write without a target or a source")
    if any(a.kind in WRITES - {ActionKind.KEEP_BOTH_COPY} and a.source is a.target for a in acts):
        broken.append("a write onto its own source (only a keep-both copy goes beside its own side's file)")
    for a in acts:
        if a.kind is ActionKind.DELETE and a.target is not None and _edited(cell, a.target):
            broken.append(f"a delete on {a.target} where that side has an edit (edit beats delete)")
        if a.kind is ActionKind.DELETE and (not cell.delete_sync or cell.breaker in (Breaker.HELD,
                                                                                      Breaker.DISCARDED)):
            broken.append("a delete while delete sync is off or the breaker does not admit it")
        v = cell.procore if a.target is Side.PROCORE else cell.sharepoint
        if a.kind in LOCK_BLOCKED and v.locked:
            broken.append(f"{a.kind} onto a locked item on {a.target}")
    if len(content) > 1 and ActionKind.KEEP_BOTH_COPY not in result.kinds():
        broken.append("content written to both sides outside keep-both")
    if cell.mode is Mode.ONE_WAY and Side.PROCORE in written:
        broken.append("a write to Procore under a one-way tool")
    if cell.mode is Mode.OFF and written:
        broken.append("a write while the tool is off")
    if ActionKind.NOOP in result.kinds() and len(acts) > 1:
        broken.append("noop beside other actions")
    quiet = {Change.UNCHANGED, Change.LOCKED}
    if result.procore <= quiet and result.sharepoint <= quiet \
            and not cell.procore.by_us and not cell.sharepoint.by_us and result.kinds() != [ActionKind.NOOP]:
        broken.append("something planned although nothing changed")
    if ActionKind.HOLD in result.kinds() and cell.breaker is not Breaker.HELD:
        broken.append("a hold without the breaker")
    copies = [a for a in acts if a.kind is ActionKind.KEEP_BOTH_COPY]
    if copies and (cell.policy is not ConflictPolicy.KEEP_BOTH or any("conflict 2026-12-05" not in (a.name or "")
                                                                      for a in copies)):
        broken.append("a keep-both copy outside keep_both, or not named as conflict.py names it")
    return broken


def test_every_cell_has_a_defined_plan_and_keeps_the_invariants() -> None:
    cells = failures = 0
    seen: set[ActionKind] = set()
    problems: dict[str, str] = {}
    for cell in table():
        cells += 1
        try:
            result = plan(cell.input())
        except UndefinedCell as exc:
            failures += 1
            problems.setdefault(str(exc), repr(cell))
            continue
        seen.update(result.kinds())
        for broken in _check(cell, result):
            failures += 1
            problems.setdefault(broken, f"{cell.kind} P={cell.procore.label} S={cell.sharepoint.label} "
                                        f"{cell.mode} {cell.policy} delete_sync={cell.delete_sync} "
                                        f"{cell.initial} {cell.breaker} {cell.timing}: {result.actions}")
    assert not failures, "\n".join(f"{k}\n    {v}" for k, v in problems.items())
    assert cells > 100_000, cells
    assert seen == set(ActionKind), f"never planned: {set(ActionKind) - seen}"


def test_the_table_covers_every_pair_of_presences() -> None:
    from shared.sync.plan.vocabulary import Presence

    measured = {Presence.KEPT, Presence.DELETED}  # against an agreed row; ABSENT and CREATED: without one
    possible = {(p, s) for p, s in itertools.product(Presence, Presence) if (p in measured) == (s in measured)}
    assert set(planner._RULES) == possible


def test_a_missing_cell_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    """The completeness test can fail: drop one rule and the planner raises for that cell."""
    from shared.sync.plan.vocabulary import Presence

    rules = dict(planner._RULES)
    del rules[(Presence.DELETED, Presence.KEPT)]
    monkeypatch.setattr(planner, "_RULES", rules)
    cell = next(c for c in table() if c.procore.label == "deleted" and c.sharepoint.label == "unchanged")
    with pytest.raises(UndefinedCell):
        plan(cell.input())
