"""One initial sync measured: onboard a link through the public API, time it until the completion email
(read from the Graph emulator's control surface, so waiting costs the product no Storage request), then
wait until the pipeline is quiet and take what the product used in between (calls, Storage, CPU).
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any

from bench.populate import Project
from bench.stack import BenchStack, Counters
from demo.onboarding import Onboarded, onboard, wait_regular
from demo.quiet import wait_quiet
from demo.stack import Running
from demo.waiting import wait_for

POLL_S = 0.2
QUIET_WINDOW_S = 2.0


@dataclass(frozen=True)
class Usage:
    """What the product (`app`) used between two Counters."""

    procore_calls: int
    procore_429: int
    procore_routes: dict[str, int]
    procore_bytes_in: int
    procore_bytes_out: int
    procore_storage_bytes_in: int    # file content sent to Procore's storage (by anyone; the bench is idle)
    procore_storage_bytes_out: int   # file content read from it
    graph_calls: int
    graph_routes: dict[str, int]
    graph_bytes_in: int
    graph_bytes_out: int
    storage_work: int
    storage_total: int
    storage_by_service: dict[str, int]
    cpu_s: float

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _wire(graph: dict[str, Any]) -> int:
    """Graph requests sent over the wire: a $batch is one (its inner requests, counted in the emulator's
    calls and routes as Graph's limits count them, are also counted `batched`)."""
    return int(graph.get("calls", 0)) - int(graph.get("batched", 0))


def usage(before: Counters, after: Counters) -> Usage:
    def routes_p(c: Counters) -> dict[str, int]:
        return {k: int(v["calls"]) for k, v in c.procore.get("routes", {}).items()}

    def diff(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
        return {k: a[k] - b.get(k, 0) for k in a if a[k] - b.get(k, 0)}

    storage = after.storage.minus(before.storage)
    return Usage(
        procore_calls=int(after.procore.get("calls", 0)) - int(before.procore.get("calls", 0)),
        procore_429=int(after.procore.get("statuses", {}).get("429", 0))
        - int(before.procore.get("statuses", {}).get("429", 0)),
        procore_routes=diff(routes_p(after), routes_p(before)),
        procore_bytes_in=int(after.procore.get("bytes_in", 0)) - int(before.procore.get("bytes_in", 0)),
        procore_bytes_out=int(after.procore.get("bytes_out", 0)) - int(before.procore.get("bytes_out", 0)),
        procore_storage_bytes_in=int(after.procore_storage.get("bytes_in", 0))
        - int(before.procore_storage.get("bytes_in", 0)),
        procore_storage_bytes_out=int(after.procore_storage.get("bytes_out", 0))
        - int(before.procore_storage.get("bytes_out", 0)),
        graph_calls=_wire(after.graph) - _wire(before.graph),
        graph_routes=diff(dict(after.graph.get("routes", {})), dict(before.graph.get("routes", {}))),
        graph_bytes_in=int(after.graph.get("bytes_in", 0)) - int(before.graph.get("bytes_in", 0)),
        graph_bytes_out=int(after.graph.get("bytes_out", 0)) - int(before.graph.get("bytes_out", 0)),
        storage_work=storage.work(), storage_total=storage.total(), storage_by_service=storage.by_service(),
        cpu_s=after.cpu_s - before.cpu_s,
    )


@dataclass
class SyncRun:
    project: Project
    initial_sync: str
    seconds: float
    use: Usage
    link: Onboarded
    view: Running
    extra: dict[str, Any] = field(default_factory=dict)


def new_site(bs: BenchStack, name: str) -> Running:
    """A view of the stack whose first site is a new one (its own drive, notifications and delta)."""
    site = bs.run.emulator("graph", "/_emulator/sites", {"path": f"/sites/{name}", "name": name})
    doc = copy.deepcopy(bs.run.doc)
    doc["graph"]["sites"] = [site]
    return Running(bs.run.stack, doc)


def completion_mailed(run: Running, project_name: str) -> bool:
    mails = run.emulator("graph", "/_emulator/mail")["value"]
    return any(f"project {project_name}" in str(m.get("subject", "")) for m in mails)


def start_sync(view: Running, project: Project, folder: str, initial_sync: str) -> tuple[Onboarded, float]:
    started = time.monotonic()
    return onboard(view, project.id, initial_sync=initial_sync, folder_path=folder), started


def finish_sync(bs: BenchStack, view: Running, project: Project, link: Onboarded, started: float,
                before: Counters, initial_sync: str, timeout: float) -> SyncRun:
    wait_for(lambda: completion_mailed(view, project.name), timeout, f"the initial sync of {project.name}", POLL_S)
    wait_regular(view, link, timeout=timeout)
    seconds = time.monotonic() - started
    wait_quiet(view, window=QUIET_WINDOW_S, timeout=timeout)
    return SyncRun(project, initial_sync, seconds, usage(before, bs.counters()), link, view)


def measure_sync(bs: BenchStack, view: Running, project: Project, folder: str, *, initial_sync: str = "standard",
                 timeout: float = 3600) -> SyncRun:
    """Onboard `project` into `folder` of the view's site and measure its initial sync to the end."""
    before = bs.counters()
    link, started = start_sync(view, project, folder, initial_sync)
    return finish_sync(bs, view, project, link, started, before, initial_sync, timeout)
