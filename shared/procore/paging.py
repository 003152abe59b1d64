"""Paging strategies (page numbers with Link/Total, and the deliveries cursor) and iteration.

    for item in iterate(session, "/rest/v1.0/images", route=..., params={...}, parse=Image.model_validate):
        ...

Incremental listing uses `updated_between(since, until)` -> the `filters[updated_at]` value; the
caller keeps the watermark and reads a closed range with a small lag, de-duplicating by id (R9).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx
from pydantic import BaseModel, ConfigDict

from .session import ProcoreSession

T = TypeVar("T")
DEFAULT_PER_PAGE = 100
DEFAULT_LAG = timedelta(seconds=2)
Params = dict[str, Any]


class Paginator(Protocol):
    def first(self, params: Params) -> Params: ...

    def next(self, params: Params, response: httpx.Response, items: list[Any]) -> Params | None: ...


class PageNumberPaginator(BaseModel):
    """Procore's page/per_page paging; follows the Link rel="next", else Total/Per-Page."""

    model_config = ConfigDict(frozen=True)
    per_page: int = DEFAULT_PER_PAGE

    def first(self, params: Params) -> Params:
        return {**params, "page": 1, "per_page": self.per_page}

    def next(self, params: Params, response: httpx.Response, items: list[Any]) -> Params | None:
        nxt = response.links.get("next", {}).get("url")
        if nxt:
            next_page = parse_qs(urlsplit(nxt).query).get("page")
            if next_page:
                return {**params, "page": int(next_page[0])}
        total = response.headers.get("Total")
        page = int(params.get("page", 1))
        if total is not None and total.isdigit():
            per_page = int(response.headers.get("Per-Page") or self.per_page)
            return {**params, "page": page + 1} if page * per_page < int(total) else None
        return None


class CursorPaginator(BaseModel):
    """Webhook deliveries (v1.0): page_size + page_start = the last id of the previous page."""

    model_config = ConfigDict(frozen=True)
    page_size: int = 100

    def first(self, params: Params) -> Params:
        return {**params, "page_size": self.page_size}

    def next(self, params: Params, response: httpx.Response, items: list[Any]) -> Params | None:
        if len(items) < self.page_size or not items:
            return None
        last = items[-1]
        last_id = last.get("id") if isinstance(last, Mapping) else getattr(last, "id", None)
        return {**params, "page_start": last_id} if last_id is not None else None


def iterate(
    session: ProcoreSession,
    path: str,
    *,
    route: str,
    parse: Callable[[Any], T],
    params: Mapping[str, Any] | None = None,
    paginator: Paginator | None = None,
    envelope: bool = False,
) -> Iterator[T]:
    """Yield every item of a list endpoint, page by page."""
    pager: Paginator = paginator or PageNumberPaginator()
    current: Params | None = pager.first(dict(params or {}))
    while current is not None:
        response = session.request("GET", path, route=route, params=current)
        body = response.json()
        raw: list[Any] = body["data"] if envelope else body
        for item in raw:
            yield parse(item)
        current = pager.next(current, response, raw)


def format_time(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def updated_between(since: datetime | None, until: datetime | None = None, *, lag: timedelta = DEFAULT_LAG) -> str:
    """`filters[updated_at]` value for a closed range [since - lag, until]."""
    start = format_time(since - lag) if since is not None else "1970-01-01T00:00:00Z"
    end = format_time(until or datetime.now(timezone.utc) + timedelta(days=1))
    return f"{start}...{end}"


def dedupe(items: Iterator[T], key: Callable[[T], object]) -> Iterator[T]:
    """Drop repeats (a record can move pages while we read, or reappear in the lag window)."""
    seen: set[object] = set()
    for item in items:
        k = key(item)
        if k not in seen:
            seen.add(k)
            yield item
