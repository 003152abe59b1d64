"""page/per_page paging with Total, Per-Page and Link (absolute URLs), and the filters[...] ranges.

`filters[updated_at]=2026-01-01T00:00:00Z...2026-01-02T00:00:00Z` is an inclusive range on the
second-resolution timestamps the API shows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.responses import JSONResponse

from .errors import bad_request
from .gate import Ctx
from .store import iso, parse_iso

T = TypeVar("T")


def page_params(ctx: Ctx) -> tuple[int, int]:
    cfg = ctx.st.config
    try:
        page = int(ctx.q("page") or 1)
        per_page = int(ctx.q("per_page") or cfg.default_per_page)
    except ValueError:
        raise bad_request("page and per_page must be integers") from None
    return max(1, page), max(1, min(per_page, cfg.max_per_page))


def paginate(ctx: Ctx, items: list[T], render: Callable[[T], Any], *, envelope: bool = False) -> JSONResponse:
    page, per_page = page_params(ctx)
    total = len(items)
    last = max(1, math.ceil(total / per_page))
    chunk = items[(page - 1) * per_page: page * per_page]
    url = ctx.request.url
    links = []

    def link(n: int, rel: str) -> None:
        links.append(f'<{url.include_query_params(page=n, per_page=per_page)}>; rel="{rel}"')

    if page > 1:
        link(1, "first")
        link(min(page - 1, last), "prev")
    if page < last:
        link(page + 1, "next")
        link(last, "last")
    headers = {"Total": str(total), "Per-Page": str(per_page)}
    if links:
        headers["Link"] = ", ".join(links)
    body = [render(i) for i in chunk]
    return JSONResponse({"data": body} if envelope else body, headers=headers)


def time_range(ctx: Ctx, name: str) -> tuple[float, float] | None:
    """filters[name]=a...b -> (a, b) epoch seconds, inclusive; None when absent."""
    raw = ctx.q(f"filters[{name}]")
    if not raw:
        return None
    lo, sep, hi = raw.partition("...")
    try:
        start = parse_iso(lo) if lo.strip() else -math.inf
        end = parse_iso(hi) if sep and hi.strip() else math.inf
    except ValueError:
        raise bad_request(f"filters[{name}] must be an ISO-8601 range 'from...to'") from None
    return start, end


def in_range(ts: float | None, rng: tuple[float, float] | None) -> bool:
    if rng is None:
        return True
    if ts is None:
        return False
    shown = parse_iso(iso(ts) or "")          # compare what the API shows (whole seconds)
    return rng[0] <= shown <= rng[1]
