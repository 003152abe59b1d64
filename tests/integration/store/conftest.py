from __future__ import annotations

import pytest

from shared.config import StorageSettings
from shared.store.clients import StorageClients


@pytest.fixture(scope="session")
def storage(azurite_conn: str) -> StorageClients:
    return StorageClients(StorageSettings(connection_string=azurite_conn))
