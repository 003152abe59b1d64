"""Session fixtures shared by every test level: Azurite on random loopback ports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devhost.azurite import start_azurite


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
    """Mark each test by its folder (tests/unit -> unit, ...), so `-m unit` selects a level."""
    for item in items:
        parts = item.path.parts
        for level in _LEVELS:
            if level in parts:
                item.add_marker(getattr(pytest.mark, level))
                break
