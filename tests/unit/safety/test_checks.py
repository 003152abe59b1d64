"""Cheap checks: what a check run sends (one delta per drive, one Procore pass per regular link), and the
arithmetic behind the 5-minute promise with the schedules the product is configured with (code defaults,
the Bicep app settings agree through tests/infra, and local.settings.json.example), plus the watermark at
that cadence (a late-indexed Procore change costs no second gap)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devhost.timers import next_fire
from shared import config
from shared.models.api import InitialSync, Mode, TenantSettings, ToolKey
from shared.models.rows import ItemKind, LinkRow, Stage
from shared.safety.checks import (
    CHECK_SHARE,
    FAN_OUT_PER_SECOND,
    PROCORE_HOURLY_LIMIT,
    RECONCILE_SHARE,
    STEP_TIME,
    TARGET,
    calls_per_hour,
    check_calls,
    company_stride,
    drive_carriers,
    fan_out_spread,
    max_messages_within,
    plan_checks,
    procore_share,
    turns,
    worst_case_arrival,
)
from shared.safety.watermark import Changed, Watermark, plan_pass, window

ROOT = Path(__file__).resolve().parents[3]
T0 = datetime(2026, 3, 2, 0, 0, 0, tzinfo=UTC)
TWO_WAY = {ToolKey.DOCUMENTS: Mode.TWO_WAY}
DELIVERY_PER_DEPLOYMENT = 500          # links + drives the README promises the bound for


def _link(n: int, stage: Stage = Stage.REGULAR, *, tenant: str = "t1", drive: str = "d1",
          tools: dict[ToolKey, Mode] | None = None) -> LinkRow:
    return LinkRow(tenant_id=tenant, link_id=f"l{n}", procore_company_id=1, procore_project_id=100 + n,
                   project_name=f"P{n}", site_id="s", drive_id=drive, folder_path=f"Projects/{n}",
                   initial_sync=InitialSync.STANDARD, tools=TWO_WAY if tools is None else tools, stage=stage,
                   created_at=T0, updated_at=T0)


def _ids(links: list[LinkRow]) -> list[str]:
    return [link.link_id for link in links]


def test_one_delta_per_drive_and_one_procore_pass_per_regular_link() -> None:
    links = [_link(1), _link(2), _link(3, drive="d2"), _link(4, tenant="t2"),       # t2 has its own d1
             _link(5, Stage.PAUSED, drive="d3"), _link(6, Stage.INITIAL_SYNC, drive="d4"),
             _link(7, Stage.FAILED), _link(8, Stage.DELETED)]
    plan = plan_checks(links)
    assert _ids(plan.drives) == ["l1", "l3", "l4"]
    assert _ids(plan.links) == ["l1", "l2", "l3", "l4"]
    assert plan.messages == 7


def test_a_drive_is_carried_by_a_link_that_follows_sharepoint() -> None:
    nothing = {ToolKey.DOCUMENTS: Mode.OFF}
    links = [_link(1, tools=nothing), _link(2, Stage.PAUSED), _link(3)]
    assert _ids(drive_carriers(links)) == ["l3"]               # no tool on: SharePoint changes do not matter
    plan = plan_checks(links)
    assert _ids(plan.drives) == ["l3"] and _ids(plan.links) == ["l3"]   # l1 has no Procore change feed either
    # one-way Documents: SharePoint is watched (a person's change is logged, a deleted copy restored)
    one_way = {ToolKey.DOCUMENTS: Mode.ONE_WAY, ToolKey.RFIS: Mode.ONE_WAY}
    assert _ids(drive_carriers([_link(1, tools=one_way), _link(3, drive="d2")])) == ["l1", "l3"]
    records_only = {ToolKey.DOCUMENTS: Mode.OFF, ToolKey.RFIS: Mode.ONE_WAY}   # a deleted PDF is put back
    assert _ids(drive_carriers([_link(1, tools=records_only)])) == ["l1"]


def test_a_link_without_a_procore_feed_gets_no_procore_pass() -> None:
    records_only = {ToolKey.DOCUMENTS: Mode.OFF, ToolKey.RFIS: Mode.ONE_WAY}     # RFIs have a feed
    photos = {ToolKey.DOCUMENTS: Mode.OFF, ToolKey.PHOTOS: Mode.TWO_WAY}          # Photos has a feed (issue 13)
    nothing = {ToolKey.DOCUMENTS: Mode.OFF}
    plan = plan_checks([_link(1, tools=records_only), _link(2, tools=photos), _link(3, tools=nothing)])
    assert _ids(plan.links) == ["l1", "l2"] and _ids(plan.drives) == ["l1"]   # one delta for their drive


def test_the_fan_out_releases_a_fixed_number_of_messages_a_second() -> None:
    assert fan_out_spread(0) == fan_out_spread(1) == timedelta(0)
    assert fan_out_spread(FAN_OUT_PER_SECOND) == timedelta(0)
    assert fan_out_spread(FAN_OUT_PER_SECOND + 1) == timedelta(seconds=1)
    assert fan_out_spread(1000) == timedelta(seconds=49)


def _gap(schedule: str, span: timedelta = timedelta(days=2)) -> timedelta:
    """The longest time between two consecutive fires of an NCRONTAB schedule (as the local host reads it)."""
    longest, at = timedelta(0), next_fire(schedule, T0)
    while at < T0 + span:
        nxt = next_fire(schedule, at)
        longest, at = max(longest, nxt - at), nxt
    return longest


def test_gap_of_a_schedule() -> None:
    assert _gap("30 */2 * * * *") == timedelta(minutes=2)
    assert _gap("0 */15 * * * *") == timedelta(minutes=15)
    assert _gap("0 0,50 * * * *") == timedelta(minutes=50)


def _configured_check_schedules() -> dict[str, str]:
    example = json.loads((ROOT / "local.settings.json.example").read_text())["Values"]
    return {"code default (deployed by infra, see tests/infra/test_settings.py)":
            config.setting_defaults()["PCSYNC_CHECK_SCHEDULE"],
            "local.settings.json.example": example["PCSYNC_CHECK_SCHEDULE"]}


@pytest.mark.parametrize("where", list(_configured_check_schedules()))
def test_the_configured_check_schedule_keeps_the_worst_case_under_five_minutes(where: str) -> None:
    schedule = _configured_check_schedules()[where]
    gap = _gap(schedule)
    quiet = timedelta(seconds=TenantSettings().quiet_period_s)       # the tenant default
    worst = worst_case_arrival(gap, DELIVERY_PER_DEPLOYMENT, quiet)
    assert worst < TARGET, f"{where}: {schedule!r} gives {worst}"
    most = max_messages_within(gap, quiet)
    assert most >= DELIVERY_PER_DEPLOYMENT
    assert worst_case_arrival(gap, most, quiet) <= TARGET < worst_case_arrival(gap, most + 1, quiet)
    # and the check runs more often than the full reconciliation
    assert gap < _gap(config.setting_defaults()["PCSYNC_RECONCILE_SCHEDULE"])


def test_the_old_quarter_hour_reconcile_alone_would_not_keep_the_promise() -> None:
    gap = _gap(config.DEFAULT_RECONCILE_SCHEDULE)
    assert worst_case_arrival(gap, 1, timedelta(seconds=5)) > TARGET


def test_queue_pickup_fits_in_the_step_time() -> None:
    host = json.loads((ROOT / "host.json").read_text())
    h, m, s = (float(p) for p in host["extensions"]["queues"]["maxPollingInterval"].split(":"))
    assert timedelta(hours=h, minutes=m, seconds=s) * 2 <= STEP_TIME


def test_the_api_budget_arithmetic() -> None:
    two_min = timedelta(minutes=2)
    assert calls_per_hour(two_min, 2) == 60                  # Procore: live + recycle-bin listing per check
    assert calls_per_hour(two_min, 1) == 30                  # Graph: one delta page per drive per check
    assert procore_share(two_min, 2, 30) == pytest.approx(0.5)
    assert procore_share(timedelta(minutes=1), 2, 30) == pytest.approx(1.0)


ALL_TOOLS = {tool: Mode.TWO_WAY if tool in (ToolKey.DOCUMENTS, ToolKey.PHOTOS) else Mode.ONE_WAY for tool in ToolKey}


def test_a_company_s_checks_stay_within_their_share_of_its_procore_budget() -> None:
    """A company with twenty projects, every tool on: its links take turns, each checked every `stride` runs,
    so its checks cost at most CHECK_SHARE of the hourly budget; one such project is checked every run."""
    gap = timedelta(minutes=2)
    one = [_link(1, tools=ALL_TOOLS)]
    assert company_stride(one, gap) == 1
    assert calls_per_hour(gap, check_calls(one[0])) <= CHECK_SHARE * PROCORE_HOURLY_LIMIT
    twenty = [_link(n, tools=ALL_TOOLS) for n in range(20)]
    stride = company_stride(twenty, gap)
    assert stride > 1
    checked: dict[str, int] = {}
    hour = int(timedelta(hours=1) / gap)
    for run in range(hour):
        for link in plan_checks(twenty, run, gap).links:
            checked[link.link_id] = checked.get(link.link_id, 0) + 1
    assert sorted(checked) == sorted(link.link_id for link in twenty)      # every link has its turns
    calls = sum(n * check_calls(twenty[0]) for n in checked.values())
    assert calls <= CHECK_SHARE * PROCORE_HOURLY_LIMIT * 1.05, calls        # within the share (turns round up)
    for start in range(stride):                                             # each link once in any `stride` runs
        window_runs = [link.link_id for run in range(start, start + stride)
                       for link in plan_checks(twenty, run, gap).links]
        assert sorted(window_runs) == sorted(link.link_id for link in twenty)


def test_the_reconciliation_s_procore_passes_take_turns_on_their_own_share() -> None:
    """Every 15 minutes the reconciliation repeats the checks' Procore pass: within RECONCILE_SHARE of the
    company's budget too, so a big company's safety net keeps most of its budget for live work."""
    gap = timedelta(minutes=15)
    one = [_link(1, tools=ALL_TOOLS)]
    assert turns(one, 0, gap, RECONCILE_SHARE) == {"l1"}
    twenty = [_link(n, tools=ALL_TOOLS) for n in range(20)]
    stride = company_stride(twenty, gap, RECONCILE_SHARE)
    assert stride > 1
    passes = [pid for run in range(stride) for pid in turns(twenty, run, gap, RECONCILE_SHARE)]
    assert sorted(passes) == sorted(link.link_id for link in twenty)      # each once in `stride` runs
    per_hour = len(passes) * check_calls(twenty[0]) * (timedelta(hours=1) / gap) / stride
    checks = CHECK_SHARE * PROCORE_HOURLY_LIMIT
    assert per_hour + checks <= 0.4 * PROCORE_HOURLY_LIMIT, per_hour     # both safety nets: at most 40 %


def test_companies_take_turns_on_their_own_budgets() -> None:
    """Another tenant's (or company's) links neither slow a small company's checks nor share its budget."""
    big = [_link(n, tools=ALL_TOOLS, tenant="big") for n in range(20)]
    small = [_link(100 + n, tools=ALL_TOOLS, tenant="small") for n in range(1)]
    for run in range(5):
        assert _ids([link for link in plan_checks(big + small, run).links if link.tenant_id == "small"]) == ["l100"]


def _changed(pid: int, at: datetime) -> Changed:
    return Changed(str(pid), ItemKind.FILE, at)


def test_at_check_cadence_a_change_indexed_late_is_read_by_the_next_pass() -> None:
    gap = timedelta(minutes=2)
    mark = Watermark(until=T0)
    stamped = T0 + gap - timedelta(seconds=3)          # stamped before pass 1 reads ...
    first_read = T0 + gap
    since, until = window(mark, first_read)
    assert since <= stamped <= until
    first = plan_pass(mark, [], until)                  # ... but not yet in the index when it does
    assert first.hints == []
    since, until = window(first.next, first_read + gap)
    assert since <= stamped <= until                    # the lag window reaches back to it
    second = plan_pass(first.next, [_changed(7, stamped)], until)
    assert [h.procore_id for h in second.hints] == ["7"]
    assert stamped < window(second.next, first_read + 2 * gap)[0]            # the next check no longer reads it
