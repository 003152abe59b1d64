"""The dashboard's static files (static/: HTML, JS, CSS and the vendored chart library), served by the
function app itself: only files that exist under static/, with their content type and headers that keep
the page to its own origin (no CDN, no inline script, no referrer). Never imports azure.functions.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from shared.onboarding.web import ApiResponse, not_found

STATIC_DIR = Path(__file__).with_name("static")
INDEX = "index.html"
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".md": "text/plain; charset=utf-8"}
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
    "X-Frame-Options": "DENY",
}


@cache
def asset_names() -> frozenset[str]:
    """Every servable file, as a path relative to static/ with '/' separators."""
    return frozenset(p.relative_to(STATIC_DIR).as_posix() for p in STATIC_DIR.rglob("*")
                     if p.is_file() and p.suffix in CONTENT_TYPES)


def serve_asset(path: str | None) -> ApiResponse:
    """The file at `path` under static/ (the page itself for an empty path); 404 for anything else."""
    name = (path or "").strip("/") or INDEX
    if name not in asset_names():
        raise not_found("dashboard file")
    body = (STATIC_DIR / name).read_bytes()
    return ApiResponse(200, body, CONTENT_TYPES[Path(name).suffix], PAGE_HEADERS)
