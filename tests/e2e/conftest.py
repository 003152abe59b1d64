"""The stack the live e2e modules share, one per delivery mode, and the test order that keeps at most one
of them running: every other test first, then every shared test in `once` mode, then in `twice` mode.
Under xdist (`./dev test`) each mode's shared tests are one group on one worker (tests/support/parallel.py),
so each worker still runs at most one shared stack, and a mode's stack starts once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.e2e import Running
from tests.support.live import DELIVERY_MODES, SHARED
from tests.support.live import shared_stack as start_shared


@pytest.fixture(scope="session", params=DELIVERY_MODES)
def shared_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    yield from start_shared(request.param, tmp_path_factory.mktemp(f"shared-{request.param}"))


def _leaves_deferred(item: pytest.Item) -> bool:
    return item.get_closest_marker("leaves_deferred") is not None


def _scans_logs(item: pytest.Item) -> bool:
    return item.get_closest_marker("scans_logs") is not None


def _shared_mode(item: pytest.Item) -> int | None:
    callspec = getattr(item, "callspec", None)
    if callspec is None or SHARED not in callspec.params:
        return None
    return DELIVERY_MODES.index(callspec.params[SHARED])


@pytest.hookimpl(trylast=True)   # after pytest's own grouping by fixture parameter
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Move the tests on a shared stack to the end, grouped by mode (a mode's stack stops when the next
    mode's first test starts, or at the end), keeping each module's tests together in their order. In a
    mode, modules marked `leaves_deferred` come last: a step they leave deferred for minutes (a checkout's
    retry, a paused link's) would keep the others' pipeline from ever looking quiet. After them, the module
    marked `scans_logs`: it reads the logs of the whole mode's run."""
    modes = [_shared_mode(item) for item in items]
    own = [item for item, mode in zip(items, modes, strict=True) if mode is None]
    shared = sorted((mode, _scans_logs(items[pos]), _leaves_deferred(items[pos]), pos)
                    for pos, mode in enumerate(modes) if mode is not None)
    items[:] = own + [items[pos] for *_, pos in shared]
