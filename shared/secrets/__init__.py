"""Tenant credentials live here, never in tables or logs in clear: one small interface, two stores.

`LocalSecretStore` (the local stack and tests) keeps Fernet-encrypted values in a table;
`KeyVaultSecretStore` (Azure) talks to Key Vault's REST API with the app's managed identity.
Tables hold only the reference a store returns. Never imports azure.functions.
"""

from __future__ import annotations

from typing import Protocol


class SecretStore(Protocol):
    def put(self, name: str, value: str) -> str:
        """Store `value` under `name` (replacing it); return the reference to keep in tables."""
        ...

    def reference(self, name: str) -> str:
        """The reference `put(name, ...)` returns, without storing anything."""
        ...

    def get(self, ref: str) -> str:
        """The clear value behind a reference; errors.NotFound if it is gone."""
        ...

    def delete(self, ref: str) -> None:
        """Remove a secret; already gone is fine."""
        ...
