"""Key Vault secret store over the REST API (httpx + an azure-identity token), no extra SDK.

Secrets are set with PUT (a new version each time) and deleted into Key Vault's soft-delete
retention, so an operator can still recover a credential removed by mistake. Never imports
azure.functions.
"""

from __future__ import annotations

import httpx
from azure.core.credentials import TokenCredential

from shared import errors
from shared.http_policy import Action, classify, to_error
from shared.secrets.local import check_secret_name

API_VERSION = "7.4"
SCOPE = "https://vault.azure.net/.default"
REF_PREFIX = "kv:"


class KeyVaultSecretStore:
    def __init__(self, vault_uri: str, credential: TokenCredential, http: httpx.Client | None = None) -> None:
        self._vault = vault_uri.rstrip("/")
        self._credential = credential
        self._http = http or httpx.Client(timeout=30)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._credential.get_token(SCOPE).token}"}

    def _call(self, method: str, name: str, json: dict[str, str] | None = None) -> httpx.Response:
        url = f"{self._vault}/secrets/{check_secret_name(name)}"
        try:
            response = self._http.request(
                method, url, params={"api-version": API_VERSION}, json=json, headers=self._headers()
            )
        except httpx.HTTPError as exc:
            raise errors.Unavailable(f"Key Vault {method} secrets/{{name}} failed: {exc}") from exc
        resolution = classify(response, is_delete=method == "DELETE")
        if resolution.action in (Action.OK, Action.ALREADY_DONE):
            return response
        raise to_error(resolution, f"Key Vault {method} secrets/{{name}} -> {response.status_code}")

    def reference(self, name: str) -> str:
        return REF_PREFIX + check_secret_name(name)

    def put(self, name: str, value: str) -> str:
        self._call("PUT", name, {"value": value})
        return REF_PREFIX + name

    def get(self, ref: str) -> str:
        value = self._call("GET", self._name(ref)).json().get("value")
        if not isinstance(value, str):
            raise errors.InvariantBroken("Key Vault answered without a secret value")
        return value

    def delete(self, ref: str) -> None:
        self._call("DELETE", self._name(ref))

    @staticmethod
    def _name(ref: str) -> str:
        if not ref.startswith(REF_PREFIX):
            raise errors.InvariantBroken(f"{ref!r} is not a Key Vault secret reference")
        return ref[len(REF_PREFIX) :]
