"""HTTP front end: a bare ASGI app served by uvicorn on the host's event loop.

Strips host.json's routePrefix, resolves the route (404/405), checks keys (401), passes a real
`func.HttpRequest` and turns `$return` into the response after queue outputs are flushed; host.json's
`http.customHeaders` are set on every response, the host's own errors included. `/admin/...`
(outside the prefix, as in the real host) goes to devhost.admin. Uvicorn's
own signal handling is disabled: the runner owns SIGTERM/SIGINT and drains everything in order.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

import azure.functions as func
import uvicorn

from devhost.admin import AdminApi
from devhost.bindings import FunctionFailed, Invoker
from devhost.catalog import FunctionSpec, HttpTriggerSpec
from devhost.keys import Keys, is_authorized, presented_key
from devhost.routes import MethodNotAllowed, RouteTable, split_path

log = logging.getLogger("devhost")
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Reply = tuple[int, list[tuple[str, str]], bytes]
GRACEFUL_HTTP_SECONDS = 10


def _join(pairs: list[tuple[str, str]], sep: str) -> dict[str, str]:
    """Repeated headers/query keys collapse into one value, as ASP.NET's StringValues.ToString does."""
    out: dict[str, str] = {}
    for k, v in pairs:
        out[k] = f"{out[k]}{sep}{v}" if k in out else v
    return out


def _text(status: int, message: str = "") -> Reply:
    return status, [("content-type", "text/plain; charset=utf-8")], message.encode()


def to_reply(value: Any) -> Reply:
    """The HTTP response for an http output value (HttpResponse, str, bytes or None)."""
    if isinstance(value, func.HttpResponse):
        headers = [(k.lower(), v) for k, v in value.headers.items()]
        if not any(k == "content-type" for k, _ in headers) and value.mimetype:
            ctype = value.mimetype + (f"; charset={value.charset}" if value.charset else "")
            headers.append(("content-type", ctype))
        return value.status_code, headers, value.get_body() or b""
    if value is None:
        return 204, [], b""
    if isinstance(value, str):
        return _text(200, value)
    if isinstance(value, bytes):
        return 200, [("content-type", "application/octet-stream")], value
    raise TypeError(f"an HTTP function returned {type(value).__name__}; return func.HttpResponse or str")


def with_custom_headers(headers: list[tuple[str, str]], custom: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """The response headers with host.json's customHeaders set (they replace a function's own value)."""
    names = {name.lower() for name, _ in custom}
    return [(k, v) for k, v in headers if k.lower() not in names] + [(n.lower(), v) for n, v in custom]


class HttpFrontend:
    """The ASGI application for all HTTP-triggered functions."""

    def __init__(self, functions: list[FunctionSpec], route_prefix: str, keys: Keys, invoker: Invoker,
                 custom_headers: tuple[tuple[str, str], ...] = ()) -> None:
        self._custom_headers = custom_headers
        self._routes: RouteTable[FunctionSpec] = RouteTable()
        for spec in functions:
            if isinstance(spec.trigger, HttpTriggerSpec):
                self._routes.add(spec.trigger.route, spec.trigger.methods, spec)
        self._prefix = [s.lower() for s in split_path(route_prefix)]
        self._keys = keys
        self._invoker = invoker
        self.admin = AdminApi(functions, keys, invoker)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            event = await receive()
            body += event.get("body", b"")
            if not event.get("more_body"):
                break
        try:
            status, headers, payload = await self.handle(scope, body)
        except FunctionFailed:
            status, headers, payload = _text(500)
        except Exception:
            log.exception("request failed: %s %s", scope["method"], scope["path"])
            status, headers, payload = _text(500)
        headers = with_custom_headers(headers, self._custom_headers)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]})
        await send({"type": "http.response.body", "body": payload})

    async def handle(self, scope: Scope, body: bytes) -> Reply:
        method = scope["method"].upper()
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1").split("?", 1)[0]
        query_string = scope.get("query_string", b"").decode("latin-1")
        headers = _join([(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]], ", ")
        query = _join(parse_qsl(query_string, keep_blank_values=True), ",")
        segments = split_path(raw_path)
        key = presented_key(headers, query)
        admin = await self.admin.handle(method, segments, key, body)
        if admin is not None:
            return admin
        if [s.lower() for s in segments[: len(self._prefix)]] != self._prefix:
            return _text(404)
        try:
            match = self._routes.resolve(method, segments[len(self._prefix):])
        except MethodNotAllowed:
            return _text(405)
        if match is None:
            return _text(404)
        spec = match.target
        assert isinstance(spec.trigger, HttpTriggerSpec)
        if not is_authorized(spec.trigger.auth_level, key, self._keys):
            return _text(401)
        host = headers.get("host", "127.0.0.1")
        url = f"{scope.get('scheme', 'http')}://{host}{raw_path}" + (f"?{query_string}" if query_string else "")
        request = func.HttpRequest(method, url, headers=headers, params=query, route_params=match.values, body=body)
        values = await self._invoker.invoke(spec, request, reason="This function was programmatically called "
                                            "via the host APIs.")
        await self._invoker.flush_queue_outputs(spec, values)
        http_out = next(o.name for o in spec.outputs if o.type == "http")
        return to_reply(values.get(http_out))


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # the runner handles signals
        yield


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening-ready socket (port 0 picks a free port; read it back with getsockname)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(False)
    return sock


def make_server(app: HttpFrontend) -> uvicorn.Server:
    config = uvicorn.Config(app, lifespan="off", log_config=None, access_log=False, log_level="warning",
                            timeout_graceful_shutdown=GRACEFUL_HTTP_SECONDS, server_header=False)
    return _Server(config)
