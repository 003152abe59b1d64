"""Every Procore call: bearer token, Procore-Company-Id, throttle pacing, retries, one log line.

`request()` returns a successful (2xx/3xx) response or raises a shared.errors type; library
exceptions are translated here and nowhere else. `external=True` is for storage hosts reached by
redirect or presigned URL: no token, no company header, no rate-limit accounting.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx

from shared import errors
from shared.http_policy import Action, Resolution, classify, to_error
from shared.logging import get_logger, log_call, sanitize_url

from .auth import TokenProvider
from .conflicts import NameTaken, is_name_taken
from .retry import RetryPolicy
from .throttle import ThrottleGate

COMPANY_HEADER = "Procore-Company-Id"
_log = get_logger("procore")

RequestBody = dict[str, Any]


def origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, (parts.hostname or "").lower(), port


class ProcoreSession:
    def __init__(
        self,
        http: httpx.Client,
        *,
        base_url: str,
        company_id: int,
        tokens: TokenProvider,
        throttle: ThrottleGate | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        dimensions: Mapping[str, str] | None = None,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.company_id = company_id
        self.tokens = tokens
        self.throttle = throttle or ThrottleGate()
        self.policy = policy or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._dims = dict(dimensions or {})

    def is_api_url(self, url: str) -> bool:
        """Only the API host ever sees our token."""
        return origin(url) == origin(self.base_url)

    def url(self, path_or_url: str) -> str:
        return path_or_url if "://" in path_or_url else f"{self.base_url}{path_or_url}"

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        route: str | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        build: Callable[[], RequestBody] | None = None,
        external: bool = False,
    ) -> httpx.Response:
        """Send with retries; the body is read. `build()` makes a fresh body per attempt."""
        response = self._send(method, path_or_url, route=route, params=params, json=json, headers=headers,
                              build=build, external=external, stream=False)
        return response

    def get_json(self, path: str, *, route: str | None = None, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", path, route=route, params=params).json()

    @contextmanager
    def stream(
        self, method: str, url: str, *, route: str, headers: Mapping[str, str] | None = None, external: bool = False,
    ) -> Iterator[httpx.Response]:
        """A response whose body is not read yet (the caller iterates it)."""
        response = self._send(method, url, route=route, params=None, json=None, headers=headers, build=None,
                              external=external, stream=True)
        try:
            yield response
        finally:
            response.close()

    def _send(
        self, method: str, path_or_url: str, *, route: str | None, params: Mapping[str, Any] | None, json: Any,
        headers: Mapping[str, str] | None, build: Callable[[], RequestBody] | None, external: bool, stream: bool,
    ) -> httpx.Response:
        url = self.url(path_or_url)
        route = route or sanitize_url(url)
        with_token = not external and self.is_api_url(url)
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            if with_token:
                self._pace()
            req_headers = dict(headers or {})
            token = ""
            if with_token:
                token = self.tokens.token()
                req_headers["Authorization"] = f"Bearer {token}"
            if not external:
                req_headers[COMPANY_HEADER] = str(self.company_id)
            body = build() if build is not None else ({"json": json} if json is not None else {})
            started = time.monotonic()
            try:
                request = self.http.build_request(method, url, params=params, headers=req_headers, **body)
                response = self.http.send(request, stream=stream)
            except httpx.HTTPError as exc:
                log_call(_log, method, route, type(exc).__name__, (time.monotonic() - started) * 1000, **self._dims)
                resolution = classify(exc)
                if self.policy.retryable(resolution, method, exc, attempt):
                    self._sleep(self.policy.backoff_s(attempt, self._rng))
                    continue
                raise errors.Unavailable(f"{method} {route}: {type(exc).__name__}") from exc
            log_call(_log, method, route, response.status_code, (time.monotonic() - started) * 1000, **self._dims)
            if with_token:
                self.throttle.observe(response.status_code, response.headers, self._clock())
            resolution = classify(response, is_delete=method.upper() == "DELETE")
            if resolution.action in (Action.OK, Action.ALREADY_DONE):
                return response
            if stream:
                response.read()
                response.close()
            if resolution.action is Action.REFRESH_TOKEN_THEN_RETRY and with_token and not refreshed:
                refreshed = True
                self.tokens.invalidate(token)
                attempt -= 1                  # a refresh is not a failed attempt
                continue
            if self.policy.retryable(resolution, method, None, attempt):
                if not with_token or resolution.action is not Action.THROTTLED:
                    self._wait(resolution, attempt)
                continue
            raise self._error(resolution, method, route, response)

    def _pace(self) -> None:
        """Wait for the throttle gate (short waits inline, long ones raise Throttled)."""
        while True:
            wait = self.throttle.acquire(self._clock())
            if wait <= 0:
                return
            if wait > self.policy.max_inline_wait_s:
                raise errors.Throttled(f"Procore rate limit: wait {wait:.1f} s", retry_after=wait)
            padded = self.policy.padded(wait, self._rng)
            self.throttle.waited_s += padded
            self._sleep(padded)

    def _wait(self, resolution: Resolution, attempt: int) -> None:
        if resolution.retry_after is not None:
            if resolution.retry_after > self.policy.max_inline_wait_s:
                raise errors.Throttled("service asked to wait", retry_after=resolution.retry_after)
            self._sleep(self.policy.padded(resolution.retry_after, self._rng))
        else:
            self._sleep(self.policy.backoff_s(attempt, self._rng))

    @staticmethod
    def _error(resolution: Resolution, method: str, route: str, response: httpx.Response) -> errors.SyncError:
        try:
            detail = response.text[:300]
        except (httpx.ResponseNotRead, UnicodeDecodeError):
            detail = ""
        message = f"{method} {route} -> {response.status_code}: {detail}"
        if is_name_taken(response):
            return NameTaken(message)
        if resolution.action is Action.THROTTLED:
            retry_after = resolution.retry_after
            return errors.Throttled(message, retry_after=retry_after)
        return to_error(resolution, message)
