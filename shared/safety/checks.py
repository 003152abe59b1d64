"""The cheap checks, as pure rules: which messages one check timer run sends, how late a change can
arrive when every webhook and notification is lost, and what the checks cost in API calls per hour.

One run sends one DriveDelta per (tenant, drive) with a link in regular sync that follows SharePoint
(the drive's delta run serves all its links), and one CheckLink per link in regular sync with a
Procore change feed. Paused links and links in their initial sync get neither. No I/O, no clock.

The checks of one Procore company (a tenant's app and company share one rate budget) may use
CHECK_SHARE of its hourly budget, the reconciliation's Procore passes RECONCILE_SHARE: beyond that its
links take turns, each passed every `stride` runs (shifted by a hash of the link id, so the turns spread
over the runs). Webhooks stay the fast path; the rest of the budget is kept for live changes and
initial syncs.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from shared.models.rows import LinkRow, Stage
from shared.sync.hooks import needs_graph
from shared.tools import fed_tools

TARGET = timedelta(minutes=5)            # issue: a change arrives within 5 minutes with every delivery lost
FAN_OUT_PER_SECOND = 20                  # messages a timer run releases per second (visibility delay)
PIPELINE_STEPS = 6                       # check/delta -> detect -> fetch -> upload -> record (+ one deferral)
STEP_TIME = timedelta(seconds=10)        # one step, queue pickup included (architecture: steps take seconds)
PROCORE_HOURLY_LIMIT = 3600              # requests per hour per app and company (reference §2)
CHECK_GAP = timedelta(minutes=2)         # the default PCSYNC_CHECK_SCHEDULE's gap between runs
CHECK_SHARE = 0.25                       # of a company's hourly Procore budget the checks may use
RECONCILE_GAP = timedelta(minutes=15)    # the default PCSYNC_RECONCILE_SCHEDULE's gap
RECONCILE_SHARE = 0.1                    # ... and the reconciliation's Procore passes
CALLS_PER_FED_TOOL = 2                   # a watermark pass: the changed items, then the recycle bin


@dataclass(frozen=True)
class CheckPlan:
    drives: list[LinkRow]                # one link per (tenant, drive): carries the drive's DriveDelta
    links: list[LinkRow]                 # one CheckLink each (the Procore watermark pass)

    @property
    def messages(self) -> int:
        return len(self.drives) + len(self.links)


def has_feed(link: LinkRow) -> bool:
    """The link has a tool that is on and has a Procore change feed."""
    return bool(fed_tools(link.tools))


def drive_carriers(links: Iterable[LinkRow]) -> list[LinkRow]:
    """The first link in regular sync that follows SharePoint, per (tenant, drive), in input order."""
    seen: set[tuple[str, str]] = set()
    out: list[LinkRow] = []
    for link in links:
        key = (link.tenant_id, link.drive_id)
        if link.stage is Stage.REGULAR and needs_graph(link.tools) and key not in seen:
            seen.add(key)
            out.append(link)
    return out


def check_calls(link: LinkRow) -> int:
    """Procore calls one CheckLink of the link costs when nothing changed."""
    return CALLS_PER_FED_TOOL * len(fed_tools(link.tools))


def company_stride(links: Iterable[LinkRow], check_gap: timedelta = CHECK_GAP, share: float = CHECK_SHARE,
                   limit: int = PROCORE_HOURLY_LIMIT) -> int:
    """Every how many runs each of one company's links is checked, so its checks stay within `share` of the
    company's hourly budget (1: every run)."""
    demand = calls_per_hour(check_gap, sum(check_calls(link) for link in links))
    return max(1, math.ceil(demand / (share * limit)))


def _turn(link_id: str) -> int:
    return int(hashlib.sha256(link_id.encode()).hexdigest()[:8], 16)


def turns(links: Iterable[LinkRow], run_index: int, gap: timedelta, share: float) -> set[str]:
    """The ids of the `links` (with a Procore feed) whose turn run `run_index` is: every link of a company
    whose passes every `gap` fit in `share` of its budget, else each link every company_stride runs."""
    companies: dict[tuple[str, int], list[LinkRow]] = defaultdict(list)
    for link in links:
        if has_feed(link):
            companies[(link.tenant_id, link.procore_company_id)].append(link)
    due: set[str] = set()
    for group in companies.values():
        stride = company_stride(group, gap, share)
        due |= {link.link_id for link in group if (run_index + _turn(link.link_id)) % stride == 0}
    return due


def plan_checks(links: Iterable[LinkRow], run_index: int = 0, check_gap: timedelta = CHECK_GAP) -> CheckPlan:
    """What the check timer's run number `run_index` sends (its links' turns: company_stride)."""
    regular = [link for link in links if link.stage is Stage.REGULAR]
    due = turns(regular, run_index, check_gap, CHECK_SHARE)
    return CheckPlan(drives=drive_carriers(regular), links=[link for link in regular if link.link_id in due])


def fan_out_spread(messages: int, per_second: int = FAN_OUT_PER_SECOND) -> timedelta:
    """The visibility delay of the last message of a run."""
    return timedelta(seconds=max(messages - 1, 0) // per_second)


def worst_case_arrival(check_gap: timedelta, messages: int, quiet_period: timedelta,
                       steps: int = PIPELINE_STEPS, step_time: timedelta = STEP_TIME) -> timedelta:
    """Longest time from a change to its arrival on the other side when no delivery arrives: the change
    lands just after a check read (it waits the longest gap between two check runs), its check message
    is the last of the run, a SharePoint file then waits out its quiet period, and each pipeline step
    takes step_time. A Procore item indexed late or stamped by a skewed clock is still read by the next
    pass (the watermark re-reads a LAG window), so it does not add a second gap as long as it lags less
    than a gap."""
    return check_gap + fan_out_spread(messages) + quiet_period + steps * step_time


def max_messages_within(check_gap: timedelta, quiet_period: timedelta, target: timedelta = TARGET) -> int:
    """How many check messages (links + drives) one run may send with the worst case still within target."""
    room = target - check_gap - quiet_period - PIPELINE_STEPS * STEP_TIME
    if room < timedelta(0):
        return 0
    return (int(room.total_seconds()) + 1) * FAN_OUT_PER_SECOND


def runs_per_hour(check_gap: timedelta) -> float:
    return timedelta(hours=1) / check_gap


def calls_per_hour(check_gap: timedelta, calls_per_check: int) -> float:
    """API calls per hour that `calls_per_check` every `check_gap` cost."""
    return runs_per_hour(check_gap) * calls_per_check


def procore_share(check_gap: timedelta, calls_per_check: int, links: int,
                  limit: int = PROCORE_HOURLY_LIMIT) -> float:
    """Share of a company's hourly Procore budget that the checks of `links` links use."""
    return calls_per_hour(check_gap, calls_per_check) * links / limit
