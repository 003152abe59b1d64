"""A linked, initially-synced small project on its own local stack, for the live e2e modules.

Each module runs it in both delivery modes: once, and with every queue message delivered twice
(the devhost switch), since Azure promises at-least-once delivery only. Safety-net timers are set
to never fire, so what arrives came through webhooks and change notifications.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.e2e import Onboarded, Running, onboard, start_stack, wait_regular

NEVER = "0 0 0 1 1 *"  # 1 January, midnight
# Every safety-net timer off: what arrives came through webhooks and change notifications.
TIMERS_OFF = {"PCSYNC_RECONCILE_SCHEDULE": NEVER, "PCSYNC_RENEW_SCHEDULE": NEVER, "PCSYNC_CHECK_SCHEDULE": NEVER}
DELIVERY = {"once": {}, "twice": {"DEVHOST_DUPLICATE_DELIVERY": "1"}}
DELIVERY_MODES = list(DELIVERY)


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


def live_fixture(name: str, *, settings: dict[str, Any] | None = None) -> Callable[..., Any]:
    """A module's `live` fixture (`live = live_fixture("burst")`): its own stack and link, set up once
    per delivery mode, in a temporary folder named after the module."""

    @pytest.fixture(scope="module", params=DELIVERY_MODES)
    def live(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, Onboarded]]:
        yield from live_link(request.param, tmp_path_factory.mktemp(name), settings=settings)

    return live
