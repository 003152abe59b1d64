"""Session fixtures shared by every test level: Azurite on random loopback ports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.azurite import start_azurite


@pytest.fixture(scope="session")
def azurite_conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Connection string of a fresh in-memory Azurite for the whole session."""
    azurite = start_azurite(tmp_path_factory.mktemp("azurite"))
    try:
        yield azurite.connection_string
    finally:
        azurite.stop()
