"""The planner's parts a scenario does not show on its own: how one side is classified against the
agreed state, the names a target side gets, and the one-way and lock filters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.models.api import Mode
from shared.sync.plan.names import name_for, same_name
from shared.sync.plan.planner import observe, plan
from shared.sync.plan.state import Agreed, PlanInput, Policy, SideState
from shared.sync.plan.vocabulary import ActionKind, Change, Kind, Presence, Side

AGREED = Agreed(kind=Kind.FILE, procore_name="a:b.pdf", sp_name="a：b.pdf", parent="root", procore_version="1",
                sp_version="e1", sp_hash="h")


def _file(name: str = "a：b.pdf", **over: object) -> SideState:
    fields: dict[str, object] = {"kind": Kind.FILE, "name": name, "parent": "root"}
    fields.update(over)
    return SideState(**fields)  # type: ignore[arg-type]


def test_a_side_is_measured_against_its_own_name_in_the_agreed_row() -> None:
    assert observe(_file(), AGREED, Side.SHAREPOINT) == (Presence.KEPT, frozenset({Change.UNCHANGED}))
    assert observe(_file("a:b.pdf"), AGREED, Side.PROCORE) == (Presence.KEPT, frozenset({Change.UNCHANGED}))
    assert observe(_file("a:b.pdf"), AGREED, Side.SHAREPOINT)[1] == {Change.RENAMED}
    changed = observe(_file(parent="other", content_changed=True, locked=True), AGREED, Side.SHAREPOINT)[1]
    assert changed == {Change.MOVED, Change.CONTENT_CHANGED, Change.LOCKED}
    assert observe(None, AGREED, Side.PROCORE) == (Presence.DELETED, frozenset({Change.DELETED}))
    assert observe(None, None, Side.PROCORE) == (Presence.ABSENT, frozenset())
    assert observe(_file(), None, Side.PROCORE)[0] is Presence.CREATED
    # our own write is nobody's change, whatever it looks like
    assert observe(_file("x.pdf", content_changed=True, by_us=True), AGREED, Side.SHAREPOINT)[1] == {Change.UNCHANGED}


@pytest.mark.parametrize(("name", "target", "expected", "why"), [
    ("a:b.pdf", Side.SHAREPOINT, "a：b.pdf", None),
    ("a:b.pdf", Side.PROCORE, "a:b.pdf", None),
    ("CON.txt", Side.SHAREPOINT, "CON_.txt", None),
    ("~$x.docx", Side.PROCORE, None, "Office lock file"),
    ("bad\x07.pdf", Side.SHAREPOINT, None, "control characters"),
])
def test_the_name_on_the_target_side(name: str, target: Side, expected: str | None, why: str | None) -> None:
    got = name_for(target, _file(name))
    assert got.name == expected
    assert (why is None and got.reason is None) or (why is not None and why in (got.reason or ""))


def test_names_agree_through_the_legal_look_alike() -> None:
    assert same_name("a:b.pdf", "a：b.pdf")
    assert not same_name("a:b.pdf", "a_b.pdf")


def test_one_way_turns_any_write_to_procore_into_a_skip_and_sharepoint_still_gets_procore_changes() -> None:
    policy = Policy(mode=Mode.ONE_WAY)
    sp_edit = plan(PlanInput(_file("a:b.pdf"), _file(content_changed=True), AGREED, policy))
    assert [(a.kind, a.target) for a in sp_edit.actions] == [(ActionKind.SKIP, Side.PROCORE)]
    p_edit = plan(PlanInput(_file("a:b.pdf", content_changed=True), _file(), AGREED, policy))
    assert [(a.kind, a.target) for a in p_edit.actions] == [(ActionKind.REPLACE_CONTENT, Side.SHAREPOINT)]


def test_a_write_onto_a_locked_item_defers_the_items_whole_plan() -> None:
    both = plan(PlanInput(_file("a:b.pdf", content_changed=True), _file("renamed.pdf", locked=True), AGREED))
    assert [(a.kind, a.target) for a in both.actions] == [(ActionKind.DEFER, Side.SHAREPOINT)]


def test_a_conflict_is_won_by_the_newer_side_and_a_tie_by_procore() -> None:
    early, late = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    for p_at, s_at, loser in ((early, late, Side.PROCORE), (late, early, Side.SHAREPOINT),
                              (early, early, Side.SHAREPOINT), (None, late, Side.SHAREPOINT)):
        result = plan(PlanInput(_file("a:b.pdf", content_changed=True, hash="p", modified=p_at),
                                _file(content_changed=True, hash="s", modified=s_at), AGREED))
        [action] = result.actions
        assert (action.kind, action.target, action.conflict) == (ActionKind.REPLACE_CONTENT, loser, True)
