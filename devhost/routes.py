"""HTTP route templates as the Functions host (ASP.NET Core routing) reads them: pure parsing and matching.

Supports literal and parameter segments, multi-part segments (`{a}.{b}`), inline constraints, optional
(`{x?}`) and default (`{x=1}`) parameters and catch-alls (`{*rest}`). Literals match case-insensitively;
when several templates match, the ASP.NET inbound precedence picks (literal > constrained > free > catch-all).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Generic, TypeVar
from urllib.parse import unquote

T = TypeVar("T")
INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)


class RouteError(ValueError):
    """A route template the host would refuse."""


def _int_in(lo: int, hi: int) -> Callable[[str], bool]:
    def check(v: str) -> bool:
        return re.fullmatch(r"[+-]?\d+", v.strip()) is not None and lo <= int(v) <= hi

    return check


def _float(v: str) -> bool:
    try:
        float(v)
    except ValueError:
        return False
    return True


def _guid(v: str) -> bool:
    try:
        uuid.UUID(v)
    except ValueError:
        return False
    return True


def _datetime(v: str) -> bool:
    try:
        datetime.fromisoformat(v)
    except ValueError:
        return False
    return True


_SIMPLE: dict[str, Callable[[str], bool]] = {
    "int": _int_in(*INT32),
    "long": _int_in(*INT64),
    "bool": lambda v: v.lower() in ("true", "false"),
    "alpha": lambda v: re.fullmatch(r"[A-Za-z]*", v) is not None,
    "guid": _guid,
    "datetime": _datetime,
    "decimal": _float,
    "double": _float,
    "float": _float,
    "required": lambda v: v != "",
}


def _with_args(name: str, args: list[str]) -> Callable[[str], bool]:
    def ints(n: int) -> list[int]:
        if len(args) != n or not all(re.fullmatch(r"-?\d+", a.strip()) for a in args):
            raise RouteError(f"constraint {name} needs {n} integer argument(s)")
        return [int(a) for a in args]

    if name == "minlength":
        (lo,) = ints(1)
        return lambda v: len(v) >= lo
    if name == "maxlength":
        (hi,) = ints(1)
        return lambda v: len(v) <= hi
    if name == "length":
        if len(args) == 1:
            (n,) = ints(1)
            return lambda v: len(v) == n
        lo, hi = ints(2)
        return lambda v: lo <= len(v) <= hi
    if name in ("min", "max", "range"):
        bounds = ints(1 if name != "range" else 2)
        lo = bounds[0] if name != "max" else INT64[0]
        hi = bounds[-1] if name != "min" else INT64[1]
        return lambda v: _int_in(*INT64)(v) and lo <= int(v) <= hi
    raise RouteError(f"unknown route constraint {name!r}")


def parse_constraint(text: str) -> Callable[[str], bool]:
    """One inline constraint, e.g. `int`, `length(2,5)`, `regex(^a+$)` (unanchored, case-insensitive)."""
    m = re.fullmatch(r"(\w+)(?:\((.*)\))?", text, re.S)
    if not m:
        raise RouteError(f"bad route constraint {text!r}")
    name, arg = m.group(1).lower(), m.group(2)
    if arg is None:
        if name not in _SIMPLE:
            raise RouteError(f"unknown route constraint {name!r}")
        return _SIMPLE[name]
    if name == "regex":
        pattern = re.compile(arg, re.IGNORECASE)
        return lambda v: pattern.search(v) is not None
    return _with_args(name, arg.split(","))


@dataclass(frozen=True)
class Param:
    name: str
    constraints: tuple[Callable[[str], bool], ...] = ()
    optional: bool = False
    catch_all: bool = False
    default: str | None = None

    def accepts(self, value: str) -> bool:
        return all(check(value) for check in self.constraints)


Part = str | Param


def _split_outside_parens(text: str, sep: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == sep and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [*parts, current]


def _parse_param(body: str) -> Param:
    catch_all = body.startswith("*")
    body = body.lstrip("*")
    default = None
    head = _split_outside_parens(body, ":")
    name, constraints = head[0], head[1:]
    last = constraints[-1] if constraints else name
    if "=" in last and ")" not in last.split("=", 1)[1]:
        last, default = last.split("=", 1)
    optional = last.endswith("?")
    last = last.rstrip("?")
    if constraints:
        constraints[-1] = last
    else:
        name = last
    if not re.fullmatch(r"[A-Za-z_]\w*", name):
        raise RouteError(f"bad route parameter name {name!r}")
    return Param(name, tuple(parse_constraint(c) for c in constraints), optional, catch_all, default)


def _parse_segment(text: str) -> tuple[Part, ...]:
    parts: list[Part] = []
    pos = 0
    for m in re.finditer(r"\{([^{}]*(?:\([^)]*\)[^{}]*)*)\}", text):
        if m.start() > pos:
            parts.append(text[pos : m.start()])
        parts.append(_parse_param(m.group(1)))
        pos = m.end()
    if pos < len(text):
        parts.append(text[pos:])
    if any(isinstance(p, str) and ("{" in p or "}" in p) for p in parts):
        raise RouteError(f"unbalanced braces in route segment {text!r}")
    return tuple(parts)


def _digit(segment: tuple[Part, ...]) -> int:
    if len(segment) > 1:
        return 2
    part = segment[0]
    if isinstance(part, str):
        return 1
    digit = 5 if part.catch_all else 3
    return digit - 1 if part.constraints else digit


@dataclass(frozen=True)
class RouteTemplate:
    text: str
    segments: tuple[tuple[Part, ...], ...]
    precedence: Decimal = field(compare=False)

    def match(self, path: list[str]) -> dict[str, str] | None:
        """Route values when `path` (decoded segments) matches this template, else None."""
        values: dict[str, str] = {}
        for i, segment in enumerate(self.segments):
            only = segment[0] if len(segment) == 1 else None
            if isinstance(only, Param) and only.catch_all:
                rest = "/".join(path[i:]) or (only.default or "")
                if rest and not only.accepts(rest):
                    return None
                if rest:
                    values[only.name] = rest
                return values
            if i >= len(path):
                return values if self._rest_optional(i, values) else None
            if not self._match_segment(segment, path[i], values):
                return None
        return values if len(path) == len(self.segments) else None

    def _rest_optional(self, start: int, values: dict[str, str]) -> bool:
        for segment in self.segments[start:]:
            only = segment[0] if len(segment) == 1 else None
            if not isinstance(only, Param) or not (only.optional or only.default is not None or only.catch_all):
                return False
            if only.default is not None:
                values[only.name] = only.default
        return True

    @staticmethod
    def _match_segment(segment: tuple[Part, ...], text: str, values: dict[str, str]) -> bool:
        if not text:
            return False
        if len(segment) == 1 and isinstance(segment[0], str):
            return segment[0].lower() == text.lower()
        pattern = "".join(re.escape(p) if isinstance(p, str) else f"(?P<{p.name}>.+?)" for p in segment)
        m = re.fullmatch(pattern, text, re.IGNORECASE | re.S)
        if not m:
            return False
        params = [p for p in segment if isinstance(p, Param)]
        if not all(p.accepts(m.group(p.name)) for p in params):
            return False
        values.update({p.name: m.group(p.name) for p in params})
        return True


def _split_template(template: str) -> list[str]:
    return [s for s in _split_braces_aware(template.strip("/")) if s != ""] if template.strip("/") else []


def _split_braces_aware(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += (ch == "{") - (ch == "}")
        if ch == "/" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [*parts, current]


def parse_route(template: str) -> RouteTemplate:
    """Parse a template such as `items/{id:int}/files/{*path}`; raises RouteError if the host would refuse it."""
    segments = tuple(_parse_segment(s) for s in _split_template(template))
    names = [p.name.lower() for seg in segments for p in seg if isinstance(p, Param)]
    if len(names) != len(set(names)):
        raise RouteError(f"route parameter used twice in {template!r}")
    for i, seg in enumerate(segments):
        if any(isinstance(p, Param) and p.catch_all for p in seg) and (len(seg) > 1 or i != len(segments) - 1):
            raise RouteError(f"a catch-all parameter must be the whole last segment: {template!r}")
    precedence = sum((Decimal(_digit(s)) / Decimal(10) ** i for i, s in enumerate(segments)), Decimal(0))
    return RouteTemplate(template, segments, precedence)


def split_path(raw_path: str) -> list[str]:
    """Request path (still percent-encoded) -> decoded segments; one trailing slash is ignored."""
    trimmed = raw_path.strip("/")
    return [unquote(s) for s in trimmed.split("/")] if trimmed else []


@dataclass(frozen=True)
class Match(Generic[T]):
    target: T
    values: dict[str, str]


class MethodNotAllowed(Exception):
    """The path matches a route, but no route that matches accepts the method."""


@dataclass
class RouteTable(Generic[T]):
    """Templates with their allowed methods (None = all); `resolve` applies precedence and 404/405."""

    _routes: list[tuple[RouteTemplate, frozenset[str] | None, T]] = field(default_factory=list)

    def add(self, template: str, methods: Iterable[str] | None, target: T) -> None:
        allowed = frozenset(m.upper() for m in methods) if methods else None
        self._routes.append((parse_route(template), allowed, target))
        self._routes.sort(key=lambda r: (r[0].precedence, r[0].text.lower()))

    def resolve(self, method: str, path: list[str]) -> Match[T] | None:
        """The winning route for method and path, None for 404; raises MethodNotAllowed for 405."""
        path_matched = False
        for template, allowed, target in self._routes:
            values = template.match(path)
            if values is None:
                continue
            if allowed is None or method.upper() in allowed:
                return Match(target, values)
            path_matched = True
        if path_matched:
            raise MethodNotAllowed(method)
        return None
