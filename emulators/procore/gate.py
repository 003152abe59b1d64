"""What every API call passes through: faults, bearer token, rate limit, company header, stats.

`route(...)` wraps a handler `async (Ctx) -> Response` into a Starlette Route. Errors raised as
ApiError/StorageError become Procore-shaped responses; rate-limit headers go on every answer.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from .config import Company, Identity, Project
from .errors import INVALID_TOKEN, MISSING_COMPANY, NOT_CONNECTED, ApiError, StorageError, bad_request, not_found
from .store import State
from .tokens import Token


@dataclass
class Ctx:
    st: State
    request: Request
    identity: Identity | None = None
    token: Token | None = None
    company_id: int | None = None
    _body: dict[str, Any] | None = field(default=None, repr=False)
    _forms: list[Any] = field(default_factory=list, repr=False)

    async def form(self, max_part_size: int = 16 * 1024 * 1024) -> Any:
        """The parsed form; closed (temp files removed) when the call ends."""
        form = await self.request.form(max_part_size=max_part_size)
        self._forms.append(form)
        return form

    async def close(self) -> None:
        for form in self._forms:
            await form.close()

    @property
    def me(self) -> Identity:
        assert self.identity is not None
        return self.identity

    def q(self, name: str) -> str | None:
        return self.request.query_params.get(name)

    def path_int(self, name: str) -> int:
        try:
            return int(self.request.path_params[name])
        except (KeyError, ValueError):
            raise not_found() from None

    def int_q(self, name: str) -> int | None:
        v = self.q(name)
        if v is None or v == "":
            return None
        try:
            return int(v)
        except ValueError:
            raise bad_request(f"{name} is invalid") from None

    def project(self, project_id: int | None) -> Project:
        if project_id is None:
            raise bad_request("project_id is missing")
        p = self.st.directory.projects.get(project_id)
        if p is None or p.company_id != self.company_id or not self.me.sees_project(project_id):
            raise not_found()
        return p

    def company(self, company_id: int | None) -> Company:
        if company_id is None:
            raise bad_request("company_id is missing")
        c = self.st.directory.companies.get(company_id)
        if c is None or company_id not in self.me.companies:
            raise ApiError(403, NOT_CONNECTED)
        if company_id != self.company_id:
            raise not_found()
        return c

    async def body(self) -> dict[str, Any]:
        """JSON or form body as a nested dict (`file[name]` -> {"file": {"name": ...}})."""
        if self._body is not None:
            return self._body
        ctype = self.request.headers.get("content-type", "")
        if ctype.startswith("application/json"):
            raw = await self.request.body()
            try:
                parsed = json.loads(raw or b"{}")
            except ValueError:
                raise bad_request("Malformed JSON") from None
            self._body = parsed if isinstance(parsed, dict) else {}
        elif ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
            form = await self.form()
            self._body = nest(form.multi_items())
        else:
            self._body = {}
        return self._body


def nest(items: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in items:
        parts = key.replace("]", "").split("[")
        is_list = len(parts) > 1 and parts[-1] == ""
        if is_list:
            parts = parts[:-1]
        node = out
        for p in parts[:-1]:
            nxt = node.get(p)
            if not isinstance(nxt, dict):
                nxt = node[p] = {}
            node = nxt
        if is_list:
            node.setdefault(parts[-1], []).append(value)
        else:
            node[parts[-1]] = value
    return out


Handler = Callable[[Ctx], Awaitable[Response]]


def route(
    st: State, path: str, handler: Handler, methods: list[str], *,
    auth: bool = True, company: bool = True, faults: bool = True, kind: str = "api",
) -> Route:
    async def endpoint(request: Request) -> Response:
        ctx = Ctx(st, request)
        rate_headers: dict[str, str] = {}
        client = "-" if kind != "storage" else "storage"
        try:
            _identify(st, request)
            if faults:
                await _inject(st)
            if auth:
                ctx.token = _authenticate(st, request)
                ctx.identity = ctx.token.identity
                client = ctx.identity.client_id
                verdict = st.limiter.hit(ctx.token.value, time.time())
                rate_headers = verdict.headers
                if not verdict.allowed:
                    raise ApiError(429, "rate limited", {**rate_headers, "Retry-After": str(verdict.retry_after)})
                if company:
                    ctx.company_id = _company(st, request, ctx.identity)
            response = await handler(ctx)
        except (ApiError, StorageError) as exc:
            response = exc.response()
        finally:
            await ctx.close()
        client = getattr(request.state, "client_id", client)
        for k, v in rate_headers.items():
            response.headers.setdefault(k, v)
        status = response.status_code
        if status == 200 and "range" in request.headers and isinstance(response, FileResponse):
            status = 206                      # FileResponse decides on Range while sending
        st.stats.record(
            client, request.method, path, status,
            int(request.headers.get("content-length") or 0), int(response.headers.get("content-length") or 0),
        )
        return response

    return Route(path, endpoint, methods=methods)


async def _inject(st: State) -> None:
    if st.faults.latency_ms:
        await asyncio.sleep(st.faults.latency_ms / 1000)
    status = st.faults.draw()
    if status is None:
        return
    if status == 429:
        raise ApiError(429, "rate limited", {"Retry-After": "1", "X-Rate-Limit-Limit": "0",
                                               "X-Rate-Limit-Remaining": "0",
                                               "X-Rate-Limit-Reset": str(int(time.time()) + 1)})
    if status == 503:
        raise ApiError(503, "Service Unavailable", {"Retry-After": str(st.faults.unavailable_retry_after)})
    raise ApiError(status, "Internal Server Error" if status == 500 else f"Error {status}")


def _identify(st: State, request: Request) -> None:
    """Stats attribute every call (even a refused or faulted one) to the token's client."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    token = st.tokens.lookup(value.strip()) if scheme.lower() == "bearer" else None
    if token is not None:
        request.state.client_id = token.identity.client_id


def _authenticate(st: State, request: Request) -> Token:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    token = st.tokens.lookup(value.strip()) if scheme.lower() == "bearer" else None
    if token is None or not token.valid(st.now()):
        raise ApiError(401, INVALID_TOKEN)
    return token


def _company(st: State, request: Request, identity: Identity) -> int:
    raw = request.headers.get("procore-company-id")
    if raw is None or not raw.strip():
        raise ApiError(400, MISSING_COMPANY)
    try:
        company_id = int(raw)
    except ValueError:
        raise ApiError(400, MISSING_COMPANY) from None
    if company_id not in st.directory.companies or company_id not in identity.companies:
        raise ApiError(403, NOT_CONNECTED)
    return company_id


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status, headers=headers)


def is_upload(value: Any) -> bool:
    return isinstance(value, UploadFile)
