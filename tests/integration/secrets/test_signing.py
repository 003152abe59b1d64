"""The service signing key: made once in the secret store, shared by every instance, re-read when
another instance won the race to make it; an unusable stored value is our failure, not a tenant's."""

from __future__ import annotations

import uuid

import pytest
from azure.data.tables import TableServiceClient
from cryptography.fernet import Fernet

from shared import errors
from shared.secrets import signing
from shared.secrets.local import LocalSecretStore
from shared.secrets.signing import KEY_BYTES, SigningKey


@pytest.fixture
def store(azurite_conn: str) -> LocalSecretStore:
    return LocalSecretStore(TableServiceClient.from_connection_string(azurite_conn), Fernet.generate_key().decode())


def test_made_on_first_use_and_shared(store: LocalSecretStore) -> None:
    name = f"signing-{uuid.uuid4().hex[:8]}"
    first = SigningKey(store, name)
    key = first.current()
    assert len(key) >= KEY_BYTES and first.current() == key
    assert SigningKey(store, name).current() == key                       # another instance reads the same
    assert key not in store.get(store.reference(name)).encode()           # stored base64, never raw


def test_a_stale_key_is_re_read_at_most_every_refresh(store: LocalSecretStore,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"signing-{uuid.uuid4().hex[:8]}"
    early = SigningKey(store, name)
    old = early.current()
    winner = SigningKey(store, name)
    store.put(name, "A" * 44)                                             # another instance's key replaced ours
    assert early.refreshed() is None                                      # read too recently
    monkeypatch.setattr(signing, "REFRESH_S", 0.0)
    fresh = early.refreshed()
    assert fresh is not None and fresh != old and early.current() == fresh == winner.current()


def test_an_unusable_stored_key_is_an_internal_error(store: LocalSecretStore) -> None:
    name = f"signing-{uuid.uuid4().hex[:8]}"
    store.put(name, "c2hvcnQ=")                                           # 5 bytes
    with pytest.raises(errors.InvariantBroken, match=name):
        SigningKey(store, name).current()
