"""Golden scenarios (tests/scenarios/*.toml): the README's sync policy made concrete, each run through
the pure interpreter (tests/support/scenario_run.py) and the planner. `-k <name>` runs one."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import pytest

from shared.models.api import ConflictPolicy, InitialSync, Mode
from shared.sync.plan.vocabulary import ActionKind, Breaker, Side
from tests.support.scenario import Scenario, load_all
from tests.support.scenario_run import run

SCENARIOS = load_all()
MIN_SCENARIOS = 45
MIN_E2E = 12
NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*--[a-z0-9]+(-[a-z0-9]+)*$")


def _ops(s: Scenario, side: Side | None = None) -> set[str]:
    return {e.op for e in s.events if side is None or e.side is side}


def _edit_and_delete(s: Scenario) -> bool:
    return any("delete" in _ops(s, side) and _ops(s, other) & {"edit", "create"} for side, other in
               ((Side.PROCORE, Side.SHAREPOINT), (Side.SHAREPOINT, Side.PROCORE)))


# A scenario's name starts with its topic (before "--"), and the topic must be what the file shows.
TOPICS: dict[str, Callable[[Scenario], bool]] = {
    "procore-to-sharepoint": lambda s: bool(s.events) and _ops(s, Side.SHAREPOINT) == set(),
    "sharepoint-to-procore": lambda s: bool(s.events) and _ops(s, Side.PROCORE) == set(),
    "both-sides": lambda s: bool(_ops(s, Side.PROCORE)) and bool(_ops(s, Side.SHAREPOINT)),
    "conflict": lambda s: "edit" in _ops(s, Side.PROCORE) & _ops(s, Side.SHAREPOINT)
    or s.both == () and bool(s.only[Side.PROCORE]) and bool(s.only[Side.SHAREPOINT]) or
    "create" in _ops(s, Side.PROCORE) & _ops(s, Side.SHAREPOINT),
    "keep-both": lambda s: s.policy.conflict_policy is ConflictPolicy.KEEP_BOTH,
    "edit-beats-delete": _edit_and_delete,
    "delete": lambda s: "delete" in _ops(s) and s.policy.delete_sync and s.policy.breaker is Breaker.CLEAR,
    "delete-sync-off": lambda s: "delete" in _ops(s) and not s.policy.delete_sync,
    "breaker": lambda s: "delete" in _ops(s) and s.policy.breaker is not Breaker.CLEAR,
    "lock": lambda s: "lock" in _ops(s),
    "one-way": lambda s: s.policy.mode is Mode.ONE_WAY,
    "tool-off": lambda s: s.policy.mode is Mode.OFF,
    "names": lambda s: any(e.op in ("create", "rename") for e in s.events) or bool(s.both),
    "echo": lambda s: any(e.by_us for e in s.events),
    "from-sharepoint": lambda s: s.policy.initial is InitialSync.FROM_SHAREPOINT,
    "initial-standard": lambda s: s.policy.initial is InitialSync.STANDARD,
    "photos": lambda s: s.tool == "photos",
}


def test_there_are_enough_scenarios_and_a_dozen_for_the_real_pipeline() -> None:
    assert len(SCENARIOS) >= MIN_SCENARIOS
    assert sum(s.e2e for s in SCENARIOS) >= MIN_E2E


def test_each_name_is_unique_and_says_what_the_scenario_shows() -> None:
    counts = Counter(s.name.lower() for s in SCENARIOS)
    assert not [n for n, c in counts.items() if c > 1], "duplicate scenario names"
    for s in SCENARIOS:
        assert s.name == s.path.stem, f"{s.path.name}: name {s.name!r} is not the file's name"
        assert NAME.match(s.name), f"{s.name}: <topic>--<what-happens>, lowercase words joined by '-'"
        topic, _, case = s.name.partition("--")
        assert topic in TOPICS, f"{s.name}: unknown topic {topic!r} (one of {sorted(TOPICS)})"
        assert TOPICS[topic](s), f"{s.name}: does not show what its topic {topic!r} says"
        assert len(case.split("-")) >= 4, f"{s.name}: say what happens in at least four words"
        assert len(s.description.split()) >= 12, f"{s.name}: the description says what is shown and why"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario(scenario: Scenario) -> None:
    outcome = run(scenario)
    got = sorted((key, a.kind.value, a.target.value if a.target else "") for key, a in outcome.actions)
    want = sorted((e.item, e.do.value, e.on.value if e.on else "") for e in scenario.actions)
    assert got == want, "actions differ:\n" + "\n".join(
        f"  {key}: {a.kind.value} -> {a.target.value if a.target else '-'} ({a.reason})" for key, a in outcome.actions)
    for e in scenario.actions:
        match = [a for key, a in outcome.actions if key == e.item and a.kind is e.do and a.target is e.on]
        if e.name is not None:
            assert any(a.name == e.name for a in match), f"{e.item}: {e.do.value} named {[a.name for a in match]}"
        if e.reason is not None:
            assert any(e.reason in a.reason for a in match), f"{e.item}: reasons {[a.reason for a in match]}"
    for side in Side:
        assert outcome.after[side] == sorted(scenario.after[side]), f"{side.value} tree after"
    effects = outcome.effects   # what the tool's own rules did (tests/support/scenario_tools.py)
    assert sorted(effects.skipped) == sorted(s.item for s in scenario.skipped), f"skipped: {effects.skipped}"
    for s in scenario.skipped:
        assert s.reason in effects.skipped[s.item], f"{s.item}: skipped because {effects.skipped[s.item]!r}"
    assert sorted(effects.rekeyed) == sorted(scenario.rekeyed), "re-keyed items"
    if scenario.procore_bin is not None:
        assert sorted(effects.procore_bin) == sorted(scenario.procore_bin), "Procore's recycle bin after"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_a_second_pass_over_the_result_is_quiet(scenario: Scenario) -> None:
    """Once the pass's results are recorded as agreed, planning again finds nothing to do, except for the
    items left waiting (deferred, held, skipped) or on one side only (delete sync off, one-way)."""
    outcome = run(scenario)
    busy = {key: p.kinds() for key, p in outcome.second.items() if p.kinds() != [ActionKind.NOOP]}
    assert set(busy) <= outcome.unsettled, f"not settled after one pass: {busy}"
