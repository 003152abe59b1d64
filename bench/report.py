"""The bench's output: a progress line per benchmark, the table at the end, the JSON file."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from bench.figures import Figure


def progress(what: str, out: TextIO = sys.stdout) -> None:
    out.write(f"[bench {time.strftime('%H:%M:%S')}] {what}\n")
    out.flush()


def _value(f: Figure) -> str:
    if f.value is None:
        return "not measured"
    return f"{f.value:.3g} {f.unit}" if abs(f.value) < 1000 else f"{f.value:.0f} {f.unit}"


def table(figures: list[Figure]) -> str:
    rows = [("figure", "value", "target", "met?")]
    rows += [(f.title, _value(f), f.target, "yes" if f.met else "no") for f in figures]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def write_json(path: Path, figures: list[Figure], meta: dict[str, Any], details: dict[str, Any]) -> None:
    doc = {"meta": meta, "figures": [f.model_dump() for f in figures], "details": details}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, default=str))
