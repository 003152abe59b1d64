"""The local secret store keeps only ciphertext in Table Storage."""

from __future__ import annotations

import uuid

import pytest
from azure.data.tables import TableServiceClient
from cryptography.fernet import Fernet

from shared import errors
from shared.secrets.local import TABLE, LocalSecretStore


@pytest.fixture
def tables(azurite_conn: str) -> TableServiceClient:
    return TableServiceClient.from_connection_string(azurite_conn)


def test_round_trip_and_no_clear_text_at_rest(tables: TableServiceClient) -> None:
    store = LocalSecretStore(tables, Fernet.generate_key().decode())
    name = "procore-" + uuid.uuid4().hex[:8]
    secret = "s3cr3t-" + uuid.uuid4().hex
    ref = store.put(name, secret)
    assert ref == "local:" + name
    assert store.get(ref) == secret
    raw = tables.get_table_client(TABLE).get_entity("secret", name)
    assert secret not in str(dict(raw))
    store.put(name, "rotated")
    assert store.get(ref) == "rotated"
    store.delete(ref)
    with pytest.raises(errors.NotFound):
        store.get(ref)


def test_wrong_key_cannot_read(tables: TableServiceClient) -> None:
    ref = LocalSecretStore(tables, Fernet.generate_key().decode()).put("k-" + uuid.uuid4().hex[:8], "v")
    with pytest.raises(errors.ConfigError, match="decrypted"):
        LocalSecretStore(tables, Fernet.generate_key().decode()).get(ref)


def test_bad_names_and_keys_are_refused(tables: TableServiceClient) -> None:
    with pytest.raises(errors.ConfigError):
        LocalSecretStore(tables, "not-a-key")
    store = LocalSecretStore(tables, Fernet.generate_key().decode())
    with pytest.raises(ValueError, match="letters"):
        store.put("bad/name", "v")
