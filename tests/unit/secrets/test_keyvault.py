"""Key Vault store against a MockTransport standing in for the Key Vault REST API."""

from __future__ import annotations

import json

import httpx
import pytest
from azure.core.credentials import AccessToken

from shared import errors
from shared.secrets.keyvault import API_VERSION, SCOPE, KeyVaultSecretStore


class _Credential:
    def __init__(self) -> None:
        self.scopes: list[str] = []

    def get_token(self, *scopes: str, **_: object) -> AccessToken:
        self.scopes.extend(scopes)
        return AccessToken("tok", 9_999_999_999)


def _vault() -> tuple[httpx.MockTransport, dict[str, str]]:
    secrets: dict[str, str] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer tok"
        assert request.url.params["api-version"] == API_VERSION
        name = request.url.path.removeprefix("/secrets/")
        if request.method == "PUT":
            secrets[name] = json.loads(request.content)["value"]
            return httpx.Response(200, json={"id": f"https://v/secrets/{name}/1", "value": secrets[name]})
        if name not in secrets:
            return httpx.Response(404, json={"error": {"code": "SecretNotFound", "message": "nope"}})
        if request.method == "GET":
            return httpx.Response(200, json={"value": secrets[name]})
        del secrets[name]
        return httpx.Response(200, json={})

    return httpx.MockTransport(handler), secrets


def test_put_get_delete() -> None:
    transport, secrets = _vault()
    cred = _Credential()
    store = KeyVaultSecretStore("https://v.vault.azure.net/", cred, httpx.Client(transport=transport))
    ref = store.put("tenant-1-procore", "abc")
    assert ref == "kv:tenant-1-procore" and secrets == {"tenant-1-procore": "abc"}
    assert store.get(ref) == "abc"
    store.delete(ref)
    store.delete(ref)  # 404 on delete: already done
    with pytest.raises(errors.NotFound):
        store.get(ref)
    assert set(cred.scopes) == {SCOPE}


def test_forbidden_is_a_config_error() -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(403, json={"error": {"code": "Forbidden"}}))
    store = KeyVaultSecretStore("https://v.vault.azure.net", _Credential(), httpx.Client(transport=transport))
    with pytest.raises(errors.PermissionDenied):
        store.put("x", "y")
