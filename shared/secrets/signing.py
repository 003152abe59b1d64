"""The service's own signing key (HMAC of the API's continuation tokens), kept in the secret store.

No app setting carries it: the first instance that needs it makes 32 random bytes and stores them
under SIGNING_KEY_NAME (Key Vault in Azure, the encrypted local store otherwise), every instance
caches it. If two instances create it at once the store keeps one; the other re-reads it when a
token does not verify (at most every REFRESH_S). Never imports azure.functions.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time

from shared import errors
from shared.secrets import SecretStore

SIGNING_KEY_NAME = "pcsync-signing-key"
KEY_BYTES = 32
REFRESH_S = 30.0


class SigningKey:
    def __init__(self, store: SecretStore, name: str = SIGNING_KEY_NAME) -> None:
        self._store = store
        self._ref = store.reference(name)
        self._name = name
        self._key: bytes | None = None
        self._read_at = 0.0
        self._lock = threading.Lock()

    def current(self) -> bytes:
        """The key (read or created on first use, then cached)."""
        with self._lock:
            if self._key is None:
                self._key = self._load()
            return self._key

    def refreshed(self) -> bytes | None:
        """The stored key read again when the cached one may be stale (None: read too recently)."""
        with self._lock:
            if time.monotonic() - self._read_at < REFRESH_S:
                return None
            self._key = self._load()
            return self._key

    def _load(self) -> bytes:
        self._read_at = time.monotonic()
        try:
            try:
                return _decode(self._store.get(self._ref))
            except errors.NotFound:
                self._store.put(self._name, base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode())
                return _decode(self._store.get(self._ref))   # what the store kept if another instance raced us
        except errors.ConfigError as exc:   # our deployment's problem, not a tenant's: a 500 and a logged cause
            raise errors.InvariantBroken(f"the service signing key {self._name!r} cannot be read or created in "
                                         f"the secret store: {exc}") from exc


def _decode(value: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(value)
    except ValueError as exc:
        raise errors.ConfigError(f"the stored {SIGNING_KEY_NAME} is not base64") from exc
    if len(key) < KEY_BYTES:
        raise errors.ConfigError(f"the stored {SIGNING_KEY_NAME} is shorter than {KEY_BYTES} bytes")
    return key
