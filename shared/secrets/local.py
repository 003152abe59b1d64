"""Encrypted secret store for the local stack: Fernet ciphertext in a Table Storage table.

The key comes from configuration (never stored beside the data), so a copy of the table alone
reveals nothing. Never imports azure.functions.
"""

from __future__ import annotations

import re

from azure.data.tables import TableServiceClient
from cryptography.fernet import Fernet, InvalidToken

from shared import errors
from shared.models.rows import Row
from shared.store.tables import TableRepository

TABLE = "secrets"
PARTITION = "secret"
REF_PREFIX = "local:"
_NAME = re.compile(r"^[A-Za-z0-9-]{1,127}$")


class SecretRow(Row):
    name: str
    ciphertext: str


def check_secret_name(name: str) -> str:
    """Key Vault's own rule (1-127 letters, digits, dashes), applied to both stores alike."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"secret name {name!r} must be 1-127 letters, digits or dashes")
    return name


class LocalSecretStore:
    def __init__(self, tables: TableServiceClient, key: str) -> None:
        try:
            self._fernet = Fernet(key.encode())
        except ValueError as exc:
            raise errors.ConfigError("the local secret key must be a Fernet key (urlsafe base64, 32 bytes)") from exc
        self._repo = TableRepository(tables, TABLE, SecretRow, lambda r: (PARTITION, r.name))

    def reference(self, name: str) -> str:
        return REF_PREFIX + check_secret_name(name)

    def put(self, name: str, value: str) -> str:
        row = SecretRow(name=check_secret_name(name), ciphertext=self._fernet.encrypt(value.encode()).decode())
        self._repo.upsert(row)
        return REF_PREFIX + name

    def get(self, ref: str) -> str:
        stored = self._repo.get(PARTITION, self._name(ref))
        if stored is None:
            raise errors.NotFound(f"secret {ref} does not exist")
        try:
            return self._fernet.decrypt(stored.row.ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise errors.ConfigError(f"secret {ref} cannot be decrypted with the configured key") from exc

    def delete(self, ref: str) -> None:
        self._repo.delete(PARTITION, self._name(ref))

    @staticmethod
    def _name(ref: str) -> str:
        if not ref.startswith(REF_PREFIX):
            raise errors.InvariantBroken(f"{ref!r} is not a local secret reference")
        return check_secret_name(ref[len(REF_PREFIX) :])
