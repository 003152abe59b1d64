"""Issues 12 and 13: the golden scenarios marked `e2e = true` run through the real pipeline on the local
stack, in both delivery modes, on one stack per mode: each Documents scenario in its own top folder of a
link onboarded through the public API, each Photos scenario in a project and link of its own (albums are
project-wide), its `before` made in Procore and synced by the product, its events done through the public
APIs as people would, and both sides compared with the scenario's `after` trees.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shared.sync.plan.vocabulary import ActionKind, Side
from tests.support.e2e import Onboarded, Running, link_status, start_stack, wait_for, wait_regular
from tests.support.live import DELIVERY, DELIVERY_MODES, TIMERS_OFF
from tests.support.scenario import Event, Scenario, load_all
from tests.support.scenario_photos import (
    PhotoPlace,
    apply_photos_event,
    create_photos_in_procore,
    new_photos_project,
    onboard_photos,
)
from tests.support.scenario_stack import (
    Place,
    apply_event,
    clear_project,
    create_in_procore,
    create_in_sharepoint,
    drop_notifications,
    identity_expectations,
    onboard_link,
    pending_messages,
    settings_of,
    unheard_events,
    wait_clock_past,
    wait_quiet,
)
from tests.support.trees import activity

E2E = [s for s in load_all() if s.e2e]   # every e2e scenario runs in both delivery modes
DOCUMENTS = [s for s in E2E if s.tool == "documents"]
PHOTOS = [s for s in E2E if s.tool == "photos"]
MAIN_PROJECT = 101      # scenarios on the tenant defaults
OTHER_PROJECT = 102     # scenarios needing other tenant settings or a from-SharePoint initial sync
FIRST_PHOTOS_PROJECT = 901   # a new project for each Photos scenario (free in the `small` seed)
SETUP_S = 180
CONVERGE_S = 240


@dataclass
class Staged:
    """One stack in one delivery mode with every scenario set up and its events done."""

    run: Running
    places: dict[str, Place]
    quiet: list[bool] = field(default_factory=list)

    def wait_quiet_once(self) -> None:
        """The pipeline idle (no timer runs, so once idle it stays so while the tests only read)."""
        if not self.quiet:
            wait_quiet(self.run, timeout=CONVERGE_S)
            self.quiet.append(True)


def _link_key(s: Scenario) -> tuple[str, tuple[tuple[str, Any], ...]]:
    initial = s.policy.initial.value if s.policy.initial is not None else "standard"
    return initial, tuple(sorted(settings_of(s).items()))


def _stage(run: Running, mode: str, tmp: Path, started: float) -> Staged:
    """Both sides of every scenario made first (the seed's documents deleted, so a link's initial sync
    copies only its scenarios), then one link per kind of settings onboarded through the public API and
    waited to `regular`: the agreed state is the product's own. Then the events."""
    run.emulator("procore", "/_emulator/config", {"rate_spike_limit": 1_000_000})  # the tests' own reads
    clear_project(run, MAIN_PROJECT)
    clear_project(run, OTHER_PROJECT)
    groups: dict[tuple[str, tuple[tuple[str, Any], ...]], list[Scenario]] = {}
    for s in DOCUMENTS:
        groups.setdefault(_link_key(s), []).append(s)
    places: dict[str, Place] = {}
    photos: list[PhotoPlace] = []
    for n, s in enumerate(PHOTOS):
        assert not s.only[Side.SHAREPOINT] and s.policy.initial is None and not settings_of(s), s.name
        new_photos_project(run, FIRST_PHOTOS_PROJECT + n, f"Golden photos {n}")
        photo = PhotoPlace(s, run, FIRST_PHOTOS_PROJECT + n, f"Projects/Golden photos {uuid.uuid4().hex[:6]}")
        create_photos_in_procore(photo, (*s.both, *s.only[Side.PROCORE]), tmp)
        places[s.name] = photo
        photos.append(photo)
    for (initial, settings), scenarios in groups.items():
        project = MAIN_PROJECT if initial == "standard" and not settings else OTHER_PROJECT
        folder = f"Projects/Golden {uuid.uuid4().hex[:6]}"
        for s in scenarios:
            place = places[s.name] = Place(s, run, project, folder)
            create_in_procore(place, (*s.both, *s.only[Side.PROCORE]), tmp)
            if initial == "from_sharepoint":
                create_in_sharepoint(place, s.only[Side.SHAREPOINT])
    links: dict[tuple[str, tuple[tuple[str, Any], ...]], Onboarded] = {}
    for (initial, settings), scenarios in groups.items():
        first = places[scenarios[0].name]
        ob = onboard_link(run, first.project_id, dict(settings), initial_sync=initial, folder_path=first.folder_path)
        links[initial, settings] = ob
        for s in scenarios:
            places[s.name].ob = ob
    for photo in photos:
        photo.ob = onboard_photos(photo)
    for ob in [*links.values(), *(photo.ob for photo in photos if photo.ob is not None)]:
        wait_regular(run, ob, timeout=SETUP_S)
    for place in places.values():
        if place.scenario.policy.initial is None and not place.scenario.only[Side.PROCORE]:
            assert place.sharepoint_lines()[0] == place.before(), f"{place.top}: `before` not synced"
    wait_quiet(run, timeout=SETUP_S)
    print(f"\n  set up {time.monotonic() - started:.0f} s after the stack started")

    cache: dict[int, str] = {}
    for place in places.values():
        place.before_ids = {Side.PROCORE: place.procore_lines(cache)[1], Side.SHAREPOINT: place.sharepoint_lines()[1]}

    # Events: first those the product must meet only while handling a later one, then the rest.
    drop_notifications(run, 1.0)
    try:
        for place in places.values():
            for event in unheard_events(place.scenario):
                _apply(place, event, tmp)
    finally:
        drop_notifications(run, 0.0)
    wait_clock_past(time.time())
    for place in places.values():
        unheard = unheard_events(place.scenario)
        for event in place.scenario.events:
            if event not in unheard:
                _apply(place, event, tmp)
    return Staged(run, places)


def _apply(place: Place, event: Event, tmp: Path) -> None:
    if isinstance(place, PhotoPlace):
        apply_photos_event(place, event, tmp)
    else:
        apply_event(place, event, tmp)


@pytest.fixture(scope="module", params=DELIVERY_MODES)
def staged(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Staged]:
    t0 = time.monotonic()
    run = start_stack(tmp_path_factory.mktemp("golden"), seed_size="small",
                      host_env={**TIMERS_OFF, **DELIVERY[request.param]})
    started = time.monotonic()
    print(f"\n  stack started in {started - t0:.0f} s")
    try:
        yield _stage(run, request.param, tmp_path_factory.mktemp("golden-files"), started)
    finally:
        print(f"\ngolden scenarios, {request.param}: {time.monotonic() - started:.0f} s after the stack started")
        run.stop()


def _conflict_expected(s: Scenario) -> bool:
    return any("newer" in (a.reason or "") or "edit wins" in (a.reason or "") for a in s.actions) or any(
        a.do in (ActionKind.KEEP_BOTH_COPY, ActionKind.RESTORE) for a in s.actions)


@pytest.mark.parametrize("name", [s.name for s in E2E])
def test_golden_scenario_end_to_end(staged: Staged, name: str) -> None:
    _check(staged, name)


def _check(staged: Staged, name: str) -> None:
    """Both sides as the scenario's `after`, and still so once the pipeline is quiet."""
    place = staged.places[name]
    scenario = place.scenario
    today = datetime.now(UTC).date().isoformat()
    wants = place.expectations(today) if isinstance(place, PhotoPlace) else [
        {side: place.expected(side, today) for side in (Side.PROCORE, Side.SHAREPOINT)}]
    cache: dict[int, str] = {}
    seen: dict[Side, list[str]] = {}

    def converged() -> bool:
        seen[Side.PROCORE] = place.procore_lines(cache)[0]
        seen[Side.SHAREPOINT] = place.sharepoint_lines()[0]
        return seen in wants

    try:
        wait_for(converged, CONVERGE_S, f"{name}: both sides as the scenario expects", interval=1.0)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n expected {wants[0]}\n seen {seen}") from None
    staged.wait_quiet_once()       # and nothing more happens afterwards
    procore, procore_ids = place.procore_lines(cache)
    sharepoint, sp_ids = place.sharepoint_lines()
    assert {Side.PROCORE: procore, Side.SHAREPOINT: sharepoint} in wants

    # A rename, move or new content keeps the item (same id); a restored item is a new one.
    now_ids = {Side.PROCORE: procore_ids, Side.SHAREPOINT: sp_ids}
    for side, before, after, same in identity_expectations(scenario):
        old, new = place.before_ids[side][before], now_ids[side][after]
        assert (old == new) is same, f"{side.value} {before} -> {after}: id {old} -> {new}, same id expected: {same}"

    # Matched as identical: no bytes copied, no version added on either side.
    for a in scenario.actions:
        if a.do is ActionKind.RECORD_ONLY and "identical" in (a.reason or ""):
            for side, ids in now_ids.items():
                assert place.versions(side, ids[a.item]) == 1, f"{a.item}: a version was added in {side.value}"
    # Deferred while locked: the write waits (a deferred message on its queue), nothing was overwritten.
    if any(a.do is ActionKind.DEFER for a in scenario.actions):
        log = (staged.run.stack.state_dir / "host.log").read_text(errors="replace")
        assert re.search(r" deferred [0-9.]+ s \(attempt [0-9]+\): .*lock", log, re.IGNORECASE), \
            "no write was deferred for a lock"
        assert pending_messages(staged.run, due_only=False), "nothing waits to retry the locked item"

    if isinstance(place, PhotoPlace):
        _check_photos(staged.run, place)

    # The link's activity about this scenario's items (by Procore id, before or now, or by path).
    mine = {*place.before_ids[Side.PROCORE].values(), *procore_ids.values()}
    assert place.ob is not None
    events = [a for a in activity(staged.run, place.ob)
              if str(a.get("item")) in mine or place.top in str(a.get("path") or "")]
    if _conflict_expected(scenario):
        assert any(a.get("event") == "conflict" for a in events), events
    if any(a.reason == "delete_not_synced" for a in scenario.actions):
        assert any(a.get("event") == "delete_not_synced" for a in events), events


def _check_photos(run: Running, place: PhotoPlace) -> None:
    """What Procore Photos cannot take is skipped with the adapter's reason in the link status; what the
    scenario says Procore recycled (an image replaced by new bytes, a deleted one) is in its recycle bin."""
    scenario = place.scenario
    assert place.ob is not None
    # each expected skip is its own entry (an item below a refused folder gives that folder's reason)
    reasons = [str(s.get("reason") or "") for s in link_status(run, place.ob)["skipped_items"]]
    for want in scenario.skipped:
        match = next((r for r in reasons if want.reason in r), None)
        assert match is not None, f"{want.item}: not skipped because {want.reason!r} ({reasons})"
        reasons.remove(match)
    for line in scenario.procore_bin or ():
        path = line.partition(" = ")[0]
        image_id = place.before_ids[Side.PROCORE][path]
        assert place.recycled(image_id), f"{path} ({image_id}) is not in Procore's recycle bin"
