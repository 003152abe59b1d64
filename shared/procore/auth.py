"""Client-credentials tokens: a cache per credential that refreshes before expiry, with only one
refresh in flight per credential (a lock per credential; waiters reuse the fresh token).

    tokens = TokenCache()
    provider = tokens.provider(http, login_url, ClientCredentials(client_id=..., client_secret=...))
    provider.token()            # cached, or fetched once for all threads
    provider.invalidate(value)  # after a 401: the next token() fetches a new one
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx
from pydantic import BaseModel, ConfigDict, SecretStr

from shared import errors
from shared.http_policy import Action, classify
from shared.logging import get_logger, log_call

REFRESH_MARGIN_S = 300.0        # refresh this long before expiry (at most 10 % of the lifetime)
TOKEN_PATH = "/oauth/token"

_log = get_logger("procore")


class ClientCredentials(BaseModel):
    model_config = ConfigDict(frozen=True)

    client_id: str
    client_secret: SecretStr


class AccessToken(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: SecretStr
    obtained_at: float
    expires_at: float

    def fresh(self, now: float, margin_s: float) -> bool:
        lifetime = self.expires_at - self.obtained_at
        return now < self.expires_at - min(margin_s, 0.1 * lifetime)


class TokenProvider:
    """Tokens of one credential against one login host."""

    def __init__(
        self,
        http: httpx.Client,
        login_url: str,
        credentials: ClientCredentials,
        *,
        clock: Callable[[], float] = time.time,
        margin_s: float = REFRESH_MARGIN_S,
    ) -> None:
        self._http = http
        self._url = login_url.rstrip("/") + TOKEN_PATH
        self._credentials = credentials
        self._clock = clock
        self._margin_s = margin_s
        self._lock = threading.Lock()
        self._token: AccessToken | None = None
        self.fetch_count = 0

    @property
    def client_id(self) -> str:
        return self._credentials.client_id

    def token(self) -> str:
        current = self._token
        if current is not None and current.fresh(self._clock(), self._margin_s):
            return current.value.get_secret_value()
        with self._lock:                      # one refresh in flight; others wait and reuse it
            current = self._token
            if current is None or not current.fresh(self._clock(), self._margin_s):
                current = self._token = self._fetch()
            return current.value.get_secret_value()

    def invalidate(self, value: str) -> None:
        """Forget `value` (it was refused); a concurrent refresh that already replaced it is kept."""
        with self._lock:
            if self._token is not None and self._token.value.get_secret_value() == value:
                self._token = None

    def _fetch(self) -> AccessToken:
        data = {
            "grant_type": "client_credentials",
            "client_id": self._credentials.client_id,
            "client_secret": self._credentials.client_secret.get_secret_value(),
        }
        started = time.monotonic()
        try:
            response = self._http.post(self._url, data=data)
        except httpx.HTTPError as exc:
            raise errors.Unavailable(f"token request failed: {type(exc).__name__}") from exc
        log_call(_log, "POST", TOKEN_PATH, response.status_code, (time.monotonic() - started) * 1000)
        self.fetch_count += 1
        if response.status_code in (400, 401):
            raise errors.BadCredentials(f"Procore refused the client credentials ({response.status_code})")
        resolution = classify(response)
        if resolution.action is not Action.OK:
            if resolution.action is Action.THROTTLED:
                raise errors.Throttled("token endpoint throttled", retry_after=resolution.retry_after)
            raise errors.Unavailable(f"token endpoint answered {response.status_code}")
        body = response.json()
        now = self._clock()
        return AccessToken(
            value=SecretStr(str(body["access_token"])),
            obtained_at=now,
            expires_at=now + float(body.get("expires_in", 5400)),
        )


class TokenCache:
    """Process-wide: one TokenProvider per (login host, client id), shared by every client."""

    def __init__(self) -> None:
        self._providers: dict[tuple[str, str], TokenProvider] = {}
        self._lock = threading.Lock()

    def provider(self, http: httpx.Client, login_url: str, credentials: ClientCredentials) -> TokenProvider:
        key = (login_url.rstrip("/"), credentials.client_id)
        with self._lock:
            existing = self._providers.get(key)
            # a provider whose client was closed (its owner closed; tests close theirs) cannot fetch again
            if existing is None or existing._credentials != credentials or existing._http.is_closed:
                existing = self._providers[key] = TokenProvider(http, login_url, credentials)
            return existing
