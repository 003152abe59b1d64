"""GraphSession: every Graph call goes through request(): token, retry policy, throttle state, log line.

Policy (shared.http_policy.classify): 429/503 wait Retry-After and retry any method (a throttled
request was not executed) when the wait is short, else raise Throttled; 5xx/timeouts retry only
idempotent methods; 401 invalidates the token and retries once; other failures raise the mapped
error. `accept` lets a caller take certain non-2xx answers itself (e.g. 404/416 on upload sessions).
A wait announced by the service (throttled_until) is honoured before the next call, for all calls.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from shared import errors
from shared.graph.auth import TokenProvider
from shared.graph.config import GraphConfig
from shared.graph.errors import to_sync_error, transport_error
from shared.graph.http import make_http_client
from shared.graph.throttle import ThrottleState, observe
from shared.http_policy import MAX_INLINE_WAIT_S, Action, backoff_delay, classify
from shared.logging import get_logger, log_call, sanitize_url

LOG = get_logger("graph")
MAX_ATTEMPTS = 4
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"})

Sleep = Callable[[float], None]
Clock = Callable[[], dt.datetime]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class GraphSession:
    def __init__(self, config: GraphConfig, *, http: httpx.Client | None = None,
                 tokens: TokenProvider | None = None, sleep: Sleep = time.sleep, clock: Clock = _utcnow,
                 max_inline_wait_s: float = MAX_INLINE_WAIT_S,
                 on_throttle: Callable[[ThrottleState], None] | None = None,
                 dimensions: dict[str, str] | None = None) -> None:
        self.config = config
        self.http = http or make_http_client(config)
        self.tokens = tokens or TokenProvider(config)
        self.throttle = ThrottleState()
        self._sleep, self._clock = sleep, clock
        self._max_wait = max_inline_wait_s
        self._on_throttle = on_throttle
        self._dims = dimensions or {}

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> GraphSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def sleep(self, seconds: float) -> None:
        """The session's (injectable) sleep, for modules that pace their own retries."""
        self._sleep(seconds)

    def url(self, path: str) -> str:
        """Absolute URL for an API path ("/drives/..."); absolute links pass through."""
        return path if path.startswith("https://") or path.startswith("http://") else (
            self.config.graph_url.rstrip("/") + path)

    def wait_if_throttled(self) -> None:
        wait = self.throttle.wait_s(self._clock())
        if wait <= 0:
            return
        if wait > self._max_wait:
            raise errors.Throttled(f"Graph asked us to wait {wait:.0f} s", retry_after=wait)
        self._sleep(wait)
        self.throttle = self.throttle.model_copy(update={"throttled_until": None})

    def _observe(self, resp: httpx.Response, retry_after: float | None) -> None:
        before = self.throttle.throttle_events
        self.throttle = observe(self.throttle, resp.status_code, dict(resp.headers), retry_after,
                                self._clock())
        if self._on_throttle is not None and self.throttle.throttle_events != before:
            self._on_throttle(self.throttle)

    def _send(self, request: httpx.Request, route: str, stream: bool) -> httpx.Response:
        started = time.monotonic()
        try:
            resp = self.http.send(request, stream=stream)
        except httpx.TransportError as exc:
            log_call(LOG, request.method, route, type(exc).__name__,
                     (time.monotonic() - started) * 1000, **self._dims)
            raise
        log_call(LOG, request.method, route, resp.status_code, (time.monotonic() - started) * 1000,
                 **self._dims)
        return resp

    def request(self, method: str, path: str, *, route: str, json: Any = None, content: Any = None,
                headers: dict[str, str] | None = None, params: dict[str, str] | None = None,
                accept: Collection[int] = (), authenticated: bool = True, stream: bool = False,
                idempotent: bool | None = None) -> httpx.Response:
        """One logical call (with retries). The caller closes streamed responses."""
        what = f"{method} {route}"
        idempotent = method in IDEMPOTENT if idempotent is None else idempotent
        refreshed = False
        replayable = content is None or isinstance(content, (bytes, str))
        attempt = 0
        while True:
            attempt += 1
            self.wait_if_throttled()
            hdrs = dict(headers or {})
            if authenticated:
                hdrs["Authorization"] = f"Bearer {self.tokens.token()}"
            req = self.http.build_request(method, self.url(path), json=json, content=content,
                                          headers=hdrs, params=params)
            try:
                resp = self._send(req, route, stream)
            except httpx.TransportError as exc:
                res = classify(exc)
                if idempotent and replayable and attempt < MAX_ATTEMPTS:
                    self._sleep(backoff_delay(attempt))
                    continue
                raise transport_error(exc, what) from exc
            res = classify(resp, is_delete=method == "DELETE")
            self._observe(resp, res.retry_after)
            if resp.status_code in accept or res.action in (Action.OK, Action.ALREADY_DONE):
                return resp
            if stream:
                resp.read()
                resp.close()
            if res.action is Action.REFRESH_TOKEN_THEN_RETRY and authenticated and not refreshed:
                refreshed = True
                self.tokens.invalidate()
                continue
            retryable = res.action is Action.THROTTLED or (res.action is Action.RETRY and idempotent)
            if retryable and replayable and attempt < MAX_ATTEMPTS:
                if res.action is Action.THROTTLED and res.retry_after is not None:
                    if res.retry_after <= self._max_wait:
                        continue                 # wait_if_throttled() sleeps the Retry-After
                else:
                    delay = backoff_delay(attempt)
                    if delay <= self._max_wait:
                        self._sleep(delay)
                        continue
            raise to_sync_error(resp, res, what)

    @contextmanager
    def stream(self, method: str, url: str, *, route: str, headers: dict[str, str] | None = None,
               authenticated: bool = False, accept: Collection[int] = ()) -> Iterator[httpx.Response]:
        resp = self.request(method, url, route=route, headers=headers, authenticated=authenticated,
                            stream=True, accept=accept)
        try:
            yield resp
        finally:
            resp.close()


def redacted(url: str) -> str:
    """For messages: never show query strings (tempauth) of pre-authenticated URLs."""
    return sanitize_url(url)
