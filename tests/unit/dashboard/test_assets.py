"""The dashboard's static files: served only from static/, with a same-origin content policy; no file
reaches outside the app (no CDN); the vendored chart library is byte for byte the pinned npm package's."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from shared.dashboard import assets
from shared.onboarding.web import ApiProblem

ROOT = Path(__file__).resolve().parents[3]
VENDORED = assets.STATIC_DIR / "vendor" / "chart.umd.min.js"
NPM_FILE = ROOT / "node_modules" / "chart.js" / "dist" / "chart.umd.min.js"


def test_the_page_and_its_files_are_served_with_their_type_and_policy() -> None:
    page = assets.serve_asset("")
    assert page.status == 200 and page.content_type == "text/html; charset=utf-8"
    assert b"<title>pcsync dashboard</title>" in page.body
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert assets.serve_asset("app.js").content_type.startswith("text/javascript")
    assert assets.serve_asset("vendor/chart.umd.min.js").body == VENDORED.read_bytes()


@pytest.mark.parametrize("path", ["../assets.py", "vendor/../../assets.py", "nope.js", "/etc/passwd", "static",
                                  "%2e%2e/assets.py", "vendor"])
def test_anything_else_is_not_found(path: str) -> None:
    with pytest.raises(ApiProblem) as caught:
        assets.serve_asset(path)
    assert caught.value.status == 404


def test_no_file_loads_anything_from_another_origin() -> None:
    for name in ("index.html", "app.js", "app.css"):
        text = (assets.STATIC_DIR / name).read_text()
        assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", text), name
        assert "innerHTML" not in text, name               # data is written as text only
        assert "localStorage" not in text, name            # the key lives in sessionStorage only


def test_the_vendored_chart_library_is_the_pinned_npm_file() -> None:
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["chart.js"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), "pin an exact chart.js version"
    installed = json.loads((ROOT / "node_modules" / "chart.js" / "package.json").read_text())["version"]
    assert installed == pinned, "node_modules is not what package.json pins: run npm ci (./dev does)"
    assert VENDORED.read_bytes() == NPM_FILE.read_bytes()
    licence = (assets.STATIC_DIR / "vendor" / "chart.js.LICENSE.md").read_text()
    assert licence == (ROOT / "node_modules" / "chart.js" / "LICENSE.md").read_text()
    assert f"Chart.js v{pinned}" in VENDORED.read_text()[:300]


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_text_colours_meet_wcag_aa_contrast() -> None:
    css = (assets.STATIC_DIR / "app.css").read_text()
    colours = dict(re.findall(r"--(\w+):\s*(#[0-9a-fA-F]{6})", css))
    assert {"fg", "bg", "muted", "accent", "ok", "bad", "warn"} <= set(colours)
    for name in ("fg", "muted", "accent", "ok", "bad", "warn"):
        assert _contrast(colours[name], colours["bg"]) >= 4.5, name
    disabled = re.search(r"button:disabled \{ background: (#[0-9a-fA-F]{6})", css)
    assert disabled is not None
    for background in (colours["accent"], disabled.group(1)):            # white button text
        assert _contrast("#ffffff", background) >= 4.5, background
