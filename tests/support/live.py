"""A linked, initially-synced small project for the live e2e modules, in both delivery modes: once, and
with every queue message delivered twice (the devhost switch), since Azure promises at-least-once only.
Safety-net timers never fire, so what arrives came through webhooks and change notifications. The modules
share one stack per mode (tests/e2e/conftest.py); each has its own tenant, Procore project and site.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.e2e import Onboarded, Running, onboard, start_stack, wait_quiet, wait_regular

NEVER = "0 0 0 1 1 *"  # 1 January, midnight
# Every timer off: what arrives came through webhooks and change notifications (the queue metrics and the
# weekly digest too, so "no timer fired" stays checkable; tests run those through the host's admin API).
TIMERS_OFF = {"PCSYNC_RECONCILE_SCHEDULE": NEVER, "PCSYNC_RENEW_SCHEDULE": NEVER, "PCSYNC_CHECK_SCHEDULE": NEVER,
              "PCSYNC_METRICS_SCHEDULE": NEVER, "PCSYNC_DIGEST_SCHEDULE": NEVER}
DELIVERY = {"once": {}, "twice": {"DEVHOST_DUPLICATE_DELIVERY": "1"}}
DELIVERY_MODES = list(DELIVERY)
SHARED = "shared_stack"   # the session fixture (tests/e2e/conftest.py): one stack per delivery mode


def live_link(mode: str, state_dir: Path, project_id: int = 101, *,
              settings: dict[str, Any] | None = None) -> Iterator[tuple[Running, Onboarded]]:
    """The stack and its one link (the tenant created with `settings`, the onboarding API's own)."""
    run = start_stack(state_dir, seed_size="small",
                      host_env={**TIMERS_OFF, **DELIVERY[mode]})
    try:
        ob = onboard(run, project_id, settings=settings)
        wait_regular(run, ob, timeout=180)
        run.emulator("procore", "/_emulator/config", {"rate_spike_limit": 1_000_000})  # the tests' own reads
        yield run, ob
    finally:
        run.stop()


def shared_stack(mode: str, state_dir: Path) -> Iterator[Running]:
    """The stack the live modules share in one delivery mode; an idle stack between modules."""
    run = start_stack(state_dir, seed_size="small", host_env={**TIMERS_OFF, **DELIVERY[mode]})
    try:
        # the tests' own reads, and every module's links in one company: together they spend far more than
        # a company's hour of Procore calls (3,600), which the modules here are not about
        run.emulator("procore", "/_emulator/config", {"rate_spike_limit": 1_000_000, "rate_hourly_limit": 10_000_000})
        yield run
    finally:
        run.stop()


def module_stack(shared: Running, name: str, project_id: int, project_name: str) -> Iterator[Running]:
    """A module's own place on the shared stack: a new seeded Procore project `project_id` and a new
    SharePoint site (its own drive, so its notifications, delta and resyncs are its own). The `Running`
    given is a view of the shared stack whose first site is the module's; after the module the pipeline
    is left quiet, so the next module starts from an idle host."""
    shared.emulator("procore", "/_emulator/projects", {"id": project_id, "name": project_name})
    site = shared.emulator("graph", "/_emulator/sites", {"path": f"/sites/{name}", "name": name})
    doc = copy.deepcopy(shared.doc)
    doc["graph"]["sites"] = [site]
    run = Running(shared.stack, doc)
    try:
        yield run
        wait_quiet(run, timeout=180, deferred_ok=True)   # a locked item's late retry may stay queued
    finally:
        run.close_clients()


def module_link(shared: Running, name: str, project_id: int, project_name: str, *,
                settings: dict[str, Any] | None = None,
                tools: dict[str, str] | None = None) -> Iterator[tuple[Running, Onboarded]]:
    """`module_stack` with a new tenant linking the project into the module's site, initially synced."""
    for run in module_stack(shared, name, project_id, project_name):
        ob = onboard(run, project_id, settings=settings, tools=tools)
        wait_regular(run, ob, timeout=180)
        yield run, ob


def live_fixture(name: str, project_id: int, *, project_name: str | None = None,
                 settings: dict[str, Any] | None = None) -> Callable[..., Any]:
    """A module's `live` fixture (`live = live_fixture("burst", PROJECT)`): its own link (tenant created with
    `settings`, the onboarding API's own) on the stack shared in each delivery mode. `project_id` must be
    free in the `small` seed and unique among the modules (101 and 102 are seeded)."""

    @pytest.fixture(scope="module")
    def live(shared_stack: Running) -> Iterator[tuple[Running, Onboarded]]:
        yield from module_link(shared_stack, name, project_id, project_name or f"{name} project", settings=settings)

    return live
