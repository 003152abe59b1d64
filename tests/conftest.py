"""Session fixtures shared by every test level: Azurite on random loopback ports (one per xdist worker),
the level markers, and the worker groups `./dev test` schedules by (tests/support/parallel.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from xdist.remote import Producer
from xdist.scheduler import LoadScopeScheduling
from xdist.workermanage import WorkerController

from devhost.azurite import start_azurite
from tests.support.parallel import LongestFirstScheduling, forget_groups, report_groups, tell_worker


@pytest.fixture(scope="session")
def azurite_conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Connection string of a fresh in-memory Azurite for the whole session."""
    azurite = start_azurite(tmp_path_factory.mktemp("azurite"))
    try:
        yield azurite.connection_string
    finally:
        azurite.stop()


_LEVELS = ("unit", "integration", "e2e", "infra")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test by its folder (tests/unit -> unit, ...), so `-m unit` selects a level; on an xdist
    worker, also tell the controller each test's group."""
    for item in items:
        parts = item.path.parts
        for level in _LEVELS:
            if level in parts:
                item.add_marker(getattr(pytest.mark, level))
                break
    report_groups(config, items)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> LoadScopeScheduling | None:
    """Under `--dist loadgroup` (./dev test): our groups (tests/support/parallel.py), longest first."""
    if config.getoption("dist", "no") == "loadgroup":
        return LongestFirstScheduling(config, log)
    return None


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: WorkerController) -> None:
    if node.config.getoption("dist", "no") == "loadgroup":
        tell_worker(node)


def pytest_unconfigure(config: pytest.Config) -> None:
    forget_groups(config)
