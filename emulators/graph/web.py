"""Request context, the route registry and response helpers used by every API module.

A handler is `async def h(ctx) -> Response`, registered with `@route("GET", "drives/{d}/item")`
against the canonical shape produced by addressing.parse.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from emulators.graph import errors
from emulators.graph.addressing import Target
from emulators.graph.runtime import Runtime
from emulators.graph.state import Drive, Identity, Item

Handler = Callable[["Ctx"], Awaitable[Response]]
ROUTES: dict[tuple[str, str], Handler] = {}


def route(method: str, shape: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        ROUTES[(method, shape)] = fn
        return fn
    return register


@dataclass
class Ctx:
    rt: Runtime
    request: Request
    target: Target
    ident: Identity
    request_id: str
    _body: bytes | None = field(default=None, repr=False)

    @property
    def store(self):  # noqa: ANN201 - Store; typed loosely to keep emulator modules light
        return self.rt.store

    @property
    def query(self) -> dict[str, str]:
        return dict(self.request.query_params)

    def download_url(self, item: Item) -> str:
        return self.rt.download_url(item, self.ident.client_id)

    def header(self, name: str) -> str | None:
        return self.request.headers.get(name)

    async def body(self) -> bytes:
        if self._body is None:
            self._body = await self.request.body()
        return self._body

    async def json(self) -> dict[str, Any]:
        raw = await self.body()
        if not raw:
            return {}
        ctype = self.header("content-type") or ""
        if "json" not in ctype:
            raise errors.GraphError(400, "BadRequest", "Entity only allows writes with a JSON "
                                    "Content-Type header.")
        try:
            data = json.loads(raw)
        except ValueError:
            raise errors.GraphError(400, "BadRequest", "Unable to read JSON request payload. Please "
                                    "ensure Content-Type header is set and payload is of valid JSON "
                                    "format.") from None
        if not isinstance(data, dict):
            raise errors.GraphError(400, "BadRequest", "The request payload must be a JSON object.")
        return data

    def drive(self) -> Drive:
        assert self.target.drive_id is not None
        return self.store.drive(self.target.drive_id)  # type: ignore[no-any-return]

    def base_item(self) -> Item:
        assert self.target.item_ref is not None
        return self.store.item(self.drive(), self.target.item_ref)  # type: ignore[no-any-return]

    def item(self) -> Item:
        """The addressed item (by id or by path); 404 itemNotFound when absent."""
        base = self.base_item()
        if not self.target.path:
            return base
        found, _, _ = self.store.walk(self.drive(), base, self.target.path)
        if found is None:
            raise errors.not_found("Item not found")
        return found  # type: ignore[no-any-return]

    def parent_and_name(self) -> tuple[Item, str, Item | None]:
        """For writes addressed by path: (parent folder, name, existing item or None)."""
        base = self.base_item()
        if not self.target.path:
            parent = self.drive().items.get(base.parent_id) if base.parent_id else base
            return parent, base.name, base
        found, parent, name = self.store.walk(self.drive(), base, self.target.path)
        if parent is None:
            raise errors.not_found("The parent folder does not exist.")
        return parent, name, found


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body).encode(), status_code=status, headers=headers,
                    media_type="application/json; odata.metadata=minimal; odata.streaming=true; "
                               "IEEE754Compatible=false; charset=utf-8")


def select_list(ctx: Ctx) -> list[str] | None:
    raw = ctx.query.get("$select")
    return [s.strip() for s in raw.split(",") if s.strip()] if raw else None


def top(ctx: Ctx, default: int) -> int:
    raw = ctx.query.get("$top")
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise errors.invalid_request(f"Invalid $top value: {raw}")
    return min(int(raw), ctx.rt.config.max_top)
