"""The cheap checks against Azurite and both emulators: a check timer run sends one DriveDelta per drive
and one CheckLink per link in regular sync; a CheckLink hands the Procore changes since the watermark
(created, edited, renamed, recycled) to detect once each and asks for no delta run of its own; and what
a quiet check costs in API calls, counted by the emulators' /_emulator/stats (the README's budget).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from shared.models.api import Mode, ToolKey
from shared.models.messages import CheckLink, DriveDelta, StartInitialSync
from shared.models.rows import LinkRow, Stage
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from shared.safety import fanout
from shared.safety.checks import CHECK_GAP, company_stride, has_feed
from shared.safety.watermark import Watermark
from tests.integration.safety.conftest import PROJECT, Env

SCOPE = Scope.project(PROJECT)
KIND = "procore_watermark:documents"


def _regular(env: Env) -> LinkRow:
    """A new link whose initial sync started (watermark and Documents folder made), then in regular sync."""
    link = env.new_link()
    env.run(StartInitialSync(tenant_id=link.tenant_id, link_id=link.link_id))
    env.take(env.services.settings.queue_initial_sync)
    env.repos.links.mutate(link.tenant_id, link.link_id, lambda r: r.model_copy(update={"stage": Stage.REGULAR}))
    env.take()
    return env.link(link.link_id)


def _check(env: Env, link: LinkRow) -> list[dict[str, Any]]:
    env.run(CheckLink(tenant_id=link.tenant_id, link_id=link.link_id))
    return env.take()


def _procore_stats(env: Env, reset: bool = False) -> dict[str, Any]:
    with httpx.Client(timeout=30) as http:
        if reset:
            http.post(env.procore_emu.base_url + "/_emulator/reset-stats").raise_for_status()
            return {}
        resp = http.get(env.procore_emu.base_url + "/_emulator/stats")
        resp.raise_for_status()
        return resp.json()  # type: ignore[no-any-return]


def _app_calls(env: Env) -> tuple[dict[str, int], dict[str, int]]:
    """API calls the product (the app identities) made since the last reset: (Graph, Procore) by route."""
    graph = env.graph_emulator("/_emulator/stats")["clients"].get(env.tenant.microsoft.client_id, {})
    procore = _procore_stats(env)["by_client"].get(env.tenant.procore.client_id, {})
    return (dict(graph.get("routes", {})),
            {route: int(v["calls"]) for route, v in procore.get("routes", {}).items()})


def _reset_stats(env: Env) -> None:
    env.graph_emulator("/_emulator/reset-stats", {})
    _procore_stats(env, reset=True)


def test_a_check_hands_on_procore_changes_once_and_runs_no_delta_of_its_own(env: Env, tmp_path: Path) -> None:
    link = _regular(env)
    assert _check(env, link) == []                       # nothing changed since the initial sync started
    user = env.procore_client("user")
    try:
        root = user.documents.root(SCOPE, exclude_files=True)
        src = tmp_path / "a.txt"
        src.write_bytes(b"made while every webhook was lost\n")
        made = user.documents.create_file(SCOPE, name=f"Checked {link.link_id[:6]}.txt", parent_id=root.id,
                                          upload_uuid=user.uploads.upload(SCOPE, FileSource(src), filename="a").uuid)
        renamed = user.documents.create_file(SCOPE, name=f"Old {link.link_id[:6]}.txt", parent_id=root.id,
                                             upload_uuid=user.uploads.upload(SCOPE, FileSource(src),
                                                                             filename="b").uuid)
        gone = user.documents.create_file(SCOPE, name=f"Gone {link.link_id[:6]}.txt", parent_id=root.id,
                                          upload_uuid=user.uploads.upload(SCOPE, FileSource(src), filename="c").uuid)
        user.documents.update_file(SCOPE, renamed.id, name=f"New {link.link_id[:6]}.txt")
        user.documents.delete_file(SCOPE, gone.id)
    finally:
        user.close()

    sent = _check(env, link)
    assert {m["kind"] for m in sent} == {"procore_change"}           # no drive_delta: the drive gets its own
    by_id = {m["resource_id"]: m for m in sent}
    assert len(by_id) == len(sent) and {made.id, renamed.id, gone.id} <= set(by_id)
    assert all(m["event_type"] == "update" and m["source_application_id"] is None and m["link_id"] == link.link_id
               for m in sent)
    stored = env.repos.cursors.get(link.link_id, KIND)
    assert stored is not None
    mark = Watermark.parse(stored.row.value)
    assert mark is not None and {str(made.id), str(renamed.id), str(gone.id)} <= set(mark.seen)
    assert _check(env, link) == []                       # checked again: nothing twice


def test_links_not_in_regular_sync_are_not_checked(env: Env) -> None:
    link = env.new_link()
    env.take()
    assert _check(env, link) == []                       # in its initial sync
    env.repos.links.mutate(link.tenant_id, link.link_id, lambda r: r.model_copy(update={"stage": Stage.PAUSED}))
    assert _check(env, link) == []                       # paused: dropped, not bounced back
    assert env.invisible() == 0


def test_the_timer_sends_one_delta_per_drive_and_one_check_per_regular_link(env: Env) -> None:
    first, second = _regular(env), _regular(env)         # the same drive
    initial = env.new_link()
    paused = _regular(env)
    env.repos.links.mutate(paused.tenant_id, paused.link_id, lambda r: r.model_copy(update={"stage": Stage.PAUSED}))
    every_tool = {tool: Mode.ONE_WAY for tool in ToolKey} | {ToolKey.DOCUMENTS: Mode.TWO_WAY}
    for link in (first, second):                         # two projects with every tool on: more than the
        env.repos.links.mutate(link.tenant_id, link.link_id,   # company's check share every run
                               lambda r: r.model_copy(update={"tools": every_tool}))
    env.take()
    regular = [s.row for s in env.repos.links.query(first.tenant_id) if s.row.stage is Stage.REGULAR]
    stride = company_stride([link for link in regular if has_feed(link)])   # this tenant's links take turns
    assert stride > 1
    start = datetime.now(UTC)
    checks: list[str] = []
    for run in range(stride):                            # one run after another (the timer's run numbers)
        total = fanout.fan_out_checks(env.services, start + run * CHECK_GAP)   # every tenant's, other modules' too
        sent = env.take_until(lambda taken, total=total: len(taken) >= total)
        ours = [m for m in sent if m["tenant_id"] == first.tenant_id]
        deltas = [m for m in ours if m["kind"] == "drive_delta"]
        assert len(deltas) == 1                          # this module's links share one drive
        checks += [m["link_id"] for m in ours if m["kind"] == "check_link"]
    assert sorted(checks) == sorted(link.link_id for link in regular if has_feed(link))   # each once a turn
    assert {first.link_id, second.link_id} <= set(checks)
    assert initial.link_id not in checks and paused.link_id not in checks
    assert all(env.link(link_id).stage is Stage.REGULAR for link_id in checks)

    total = fanout.fan_out_reconciles(env.services)      # the reconcile, too, asks for one delta run per drive
    reconciles = [m for m in env.take_until(lambda taken: len(taken) >= total) if m["tenant_id"] == first.tenant_id]
    all_paused = [s.row.link_id for s in env.repos.links.query(first.tenant_id) if s.row.stage is Stage.PAUSED]
    assert paused.link_id in all_paused
    assert sorted(m["link_id"] for m in reconciles) == sorted([*checks, *all_paused])   # + their resume checks
    # (the reconcile is the whole safety net: every regular link, whatever the checks' turns)
    assert sum(1 for m in reconciles if m["graph"]) == 1


def test_what_a_quiet_check_costs(env: Env) -> None:
    """The budget in the README: a check that finds nothing makes 2 Procore calls per link (the live and
    the recycle-bin listing of the Documents index, one page each) and 1 Graph call per drive (one delta
    page), however many links share the drive."""
    links = [_regular(env) for _ in range(3)]
    env.run(DriveDelta(tenant_id=links[0].tenant_id, link_id=links[0].link_id))  # the drive's cursor is taken
    for link in links:
        _check(env, link)
    env.take()

    _reset_stats(env)
    for link in links:
        assert _check(env, link) == []
    graph, procore = _app_calls(env)
    assert graph == {}
    assert procore == {"GET /rest/v1.0/projects/{project_id}/documents": 2 * len(links)}, procore

    _reset_stats(env)
    env.run(DriveDelta(tenant_id=links[0].tenant_id, link_id=links[0].link_id))
    assert [m for m in env.take() if m["kind"] == "sp_change"] == []
    graph, procore = _app_calls(env)
    assert procore == {}
    assert sum(graph.values()) == 1 and list(graph) == ["GET /drives/{drive-id}/root/delta"], graph
