"""The cheap checks, as pure rules: which messages one check timer run sends, how late a change can
arrive when every webhook and notification is lost, and what the checks cost in API calls per hour.

One run sends one DriveDelta per (tenant, drive) with a link in regular sync that follows SharePoint
(the drive's delta run serves all its links), and one CheckLink per link in regular sync with a
Procore change feed. Paused links and links in their initial sync get neither. No I/O, no clock.
"""

from __future__ import annotations

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


def plan_checks(links: Iterable[LinkRow]) -> CheckPlan:
    """What one check timer run sends."""
    regular = [link for link in links if link.stage is Stage.REGULAR]
    return CheckPlan(drives=drive_carriers(regular), links=[link for link in regular if has_feed(link)])


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
