"""App-only tokens through MSAL's ConfidentialClientApplication: one app object per process.

The same code path serves Entra ID and the emulator: a specific-tenant authority, the
`/.default` scope, MSAL's own token cache (acquire_token_for_client checks it first). MSAL's HTTP
goes through our httpx client (so the CA and User-Agent decisions are the factory's), and
`instance_discovery=False` — against login.microsoftonline.com MSAL skips instance discovery anyway
(a well-known host), so this changes nothing there and lets a private authority work.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

import httpx
import msal  # type: ignore[import-untyped]

from shared import errors
from shared.graph.config import GRAPH_SCOPE, GraphConfig
from shared.graph.http import make_http_client
from shared.logging import get_logger, log_call

LOG = get_logger("graph")

_APPS: dict[tuple[str, str, str], msal.ConfidentialClientApplication] = {}
_APPS_LOCK = threading.Lock()

_CONFIG_ERRORS = {"invalid_tenant", "unauthorized_client", "invalid_scope", "invalid_resource"}


def _route(url: str) -> str:
    if url.endswith("/openid-configuration"):
        return "/{tenant}/v2.0/.well-known/openid-configuration"
    return "/{tenant}/oauth2/v2.0/token" if url.endswith("/token") else "/{authority-endpoint}"


class MsalHttp:
    """The minimal requests-like interface MSAL needs, on top of an httpx.Client (one log line each)."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        started = time.monotonic()
        status: int | str = "error"
        try:
            resp = self._client.request(method, url, **kwargs)
            status = resp.status_code
            return resp
        finally:
            log_call(LOG, method, _route(url), status, (time.monotonic() - started) * 1000)

    def get(self, url: str, params: Any = None, headers: Any = None, **_: Any) -> httpx.Response:
        return self._call("GET", url, params=params, headers=headers)

    def post(self, url: str, params: Any = None, data: Any = None, headers: Any = None,
             **_: Any) -> httpx.Response:
        if isinstance(data, (str, bytes)):
            return self._call("POST", url, params=params, content=data, headers=headers)
        # MSAL puts bytes in the form (the client assertion); requests encodes them as text, so do we
        form = {k: v.decode() if isinstance(v, bytes) else v for k, v in (data or {}).items()}
        return self._call("POST", url, params=params, data=form, headers=headers)

    def close(self) -> None:  # the MSAL app lives as long as the process
        pass


def _credential(config: GraphConfig) -> str | dict[str, str]:
    if config.client_secret is not None:
        return config.client_secret.get_secret_value()
    assert config.certificate is not None
    cert = config.certificate
    out = {"private_key": cert.private_key_pem.get_secret_value(), "thumbprint": cert.thumbprint}
    if cert.public_certificate_pem:
        out["public_certificate"] = cert.public_certificate_pem
    if cert.passphrase is not None:
        out["passphrase"] = cert.passphrase.get_secret_value()
    return out


def _credential_key(config: GraphConfig) -> str:
    if config.certificate is not None:
        return "cert:" + config.certificate.thumbprint
    assert config.client_secret is not None
    return "secret:" + hashlib.sha256(config.client_secret.get_secret_value().encode()).hexdigest()


def msal_app(config: GraphConfig,
             transport: httpx.BaseTransport | None = None) -> msal.ConfidentialClientApplication:
    """The process-wide MSAL app for this authority + client + credential (created once).

    It keeps its own long-lived httpx client from the factory, so it outlives any GraphSession.
    """
    key = (config.authority_url, config.client_id, _credential_key(config))
    with _APPS_LOCK:
        app = _APPS.get(key)
        if app is None:
            http = MsalHttp(make_http_client(config, transport, keepalive=False))
            try:
                app = msal.ConfidentialClientApplication(
                    config.client_id, client_credential=_credential(config),
                    authority=config.authority_url, http_client=http,
                    instance_discovery=False, app_name=config.app_name, app_version=config.app_version)
            except ValueError as exc:   # authority discovery failed: unknown tenant or bad URL
                raise errors.ConfigError(f"Graph authority unusable: {exc}") from exc
            except httpx.TransportError as exc:
                raise errors.Unavailable(f"Graph authority unreachable: {exc}") from exc
            _APPS[key] = app
        return app


class TokenProvider:
    """Bearer tokens for Graph; `invalidate()` after a 401 so the next call fetches a fresh one."""

    def __init__(self, config: GraphConfig, transport: httpx.BaseTransport | None = None) -> None:
        self._config = config
        self._transport = transport

    def token(self) -> str:
        app = msal_app(self._config, self._transport)
        try:
            result = app.acquire_token_for_client(scopes=[GRAPH_SCOPE])
        except httpx.TransportError as exc:
            raise errors.Unavailable(f"token endpoint unreachable: {exc}") from exc
        token = result.get("access_token") if isinstance(result, dict) else None
        if isinstance(token, str):
            return token
        code = str(result.get("error")) if isinstance(result, dict) else "unknown"
        description = str(result.get("error_description", ""))[:300] if isinstance(result, dict) else ""
        if code == "invalid_client":
            raise errors.BadCredentials(f"token request refused: {code}: {description}")
        if code in _CONFIG_ERRORS:
            raise errors.ConfigError(f"token request refused: {code}: {description}")
        raise errors.Unavailable(f"token request failed: {code}: {description}")

    def invalidate(self) -> None:
        msal_app(self._config, self._transport).remove_tokens_for_client()
