"""Graph reads JSON property names case-insensitively: `Message`/`SaveToSentItems` (PowerShell-style
PascalCase) mean `message`/`saveToSentItems`. canonical() renames known properties to their documented
spelling before a handler looks at them; unknown names (custom columns, annotations) stay untouched.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def vocabulary(names: Iterable[str]) -> dict[str, str]:
    """lower-cased name -> documented spelling."""
    return {n.lower(): n for n in names}


def canonical(value: Any, names: dict[str, str]) -> Any:
    """A copy of `value` (dicts and lists, recursively) with known keys in their documented spelling."""
    if isinstance(value, dict):
        return {names.get(k.lower(), k) if isinstance(k, str) else k: canonical(v, names)
                for k, v in value.items()}
    if isinstance(value, list):
        return [canonical(v, names) for v in value]
    return value
