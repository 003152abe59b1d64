"""The Bicep templates as data: pycep-parser dicts plus a small evaluator for what the tests compare.

The evaluator resolves literals, variables, module parameters (through the arguments main.bicep
passes, and main's own from a parameter set given to `main()`), `union()`, `max()`/`min()`, property and
index access on objects, `>`/`<` on numbers, ternaries (the chosen branch when the condition is known,
else the set of both) and simple `${x.y}` interpolation. Anything known only at deployment time
(resource properties, module outputs, other functions) becomes a `Runtime` marker; `uniqueString()` and
`toLower()` keep their arguments in it, so two parameter sets can be told apart. A bare string naming a
variable or parameter is read as a reference: pycep does not keep quotes, and our templates never use
such names as values.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pycep import BicepParser

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
MAIN = INFRA / "main.bicep"

_INTERPOLATION = re.compile(r"\$\{([^{}]+)\}")


@dataclass(frozen=True)
class Runtime:
    """A value the deployment computes (an endpoint, a client id, a host name)."""

    expr: str


@dataclass(frozen=True)
class Either:
    """Both branches of a ternary: the template may deploy either."""

    options: tuple[Any, ...]


def bicep_files() -> list[Path]:
    return sorted(INFRA.rglob("*.bicep"))


@cache
def parse(path: Path) -> dict[str, Any]:
    """pycep-parser's dict for one file; raises on a syntax error."""
    result = BicepParser().parse(file_path=path)
    assert isinstance(result, dict), f"pycep returned nothing for {path}"
    return result


def unquote(key: str) -> str:
    return key[1:-1] if len(key) >= 2 and key[0] == key[-1] == "'" else key


def _path(expr: Any) -> list[str] | None:
    """`a.b.c` (pycep nests property accessors to the right) as ['a', 'b', 'c']."""
    if isinstance(expr, str):
        return [expr]
    op = expr.get("operator") if isinstance(expr, dict) else None
    if op and op.get("type") == "property_accessor":
        left, right = _path(op["operands"]["operand_1"]), _path(op["operands"]["operand_2"])
        return left + right if left and right else None
    return None


@dataclass
class Scope:
    """One file's symbols, the arguments its caller passed, and loop variables in force."""

    path: Path
    args: dict[str, Any] = field(default_factory=dict)
    caller: Scope | None = None
    loop: dict[str, Any] = field(default_factory=dict)
    given: dict[str, Any] = field(default_factory=dict)   # parameter values of this file (a parameter set)

    @property
    def doc(self) -> dict[str, Any]:
        return parse(self.path)

    def with_loop(self, name: str, value: Any) -> Scope:
        return Scope(self.path, self.args, self.caller, {**self.loop, name: value}, self.given)

    # -- evaluation ------------------------------------------------------------------------
    def resolve(self, expr: Any) -> Any:
        if isinstance(expr, bool | int | float) or expr is None:
            return expr
        if isinstance(expr, list):
            return [self.resolve(x) for x in expr]
        if isinstance(expr, str):
            return self._name(expr)
        if isinstance(expr, dict) and "function" in expr:
            return self._function(expr["function"])
        if isinstance(expr, dict) and "operator" in expr:
            return self._operator(expr["operator"])
        if isinstance(expr, dict):
            return {unquote(k): self.resolve(v) for k, v in expr.items()}
        raise AssertionError(f"unexpected pycep node {expr!r}")

    def _name(self, text: str) -> Any:
        if text in self.loop:
            return self.loop[text]
        if text in self.doc.get("variables", {}):
            return self.resolve(self.doc["variables"][text]["value"])
        if text in self.doc.get("parameters", {}):
            if text in self.given:
                return self.given[text]
            if text in self.args:
                assert self.caller is not None
                return self.caller.resolve(self.args[text])
            default = self.doc["parameters"][text].get("default")
            return Runtime(f"param {text}") if default is None else self.resolve(default)
        if "${" in text:
            return self._interpolate(text)
        return text

    def _interpolate(self, text: str) -> Any:
        parts: list[str] = []
        known = True
        pos = 0
        for m in _INTERPOLATION.finditer(text):
            value = self._dotted(m.group(1).strip().split("."))
            if not isinstance(value, str):
                known = False
                value = repr(value) if isinstance(value, Runtime) and value.expr.startswith(_KEEPS_ARGS) else None
                if value is None:
                    return Runtime(text)
            parts += [text[pos:m.start()], value]
            pos = m.end()
        joined = "".join(parts) + text[pos:]
        return joined if known else Runtime(joined)

    def _dotted(self, names: list[str]) -> Any:
        value = self._name(names[0]) if names[0] in self.loop or self._is_symbol(names[0]) else Runtime(names[0])
        for name in names[1:]:
            if isinstance(value, dict) and name in value:
                value = value[name]
            else:
                return Runtime(".".join(names))
        return value

    def _is_symbol(self, name: str) -> bool:
        return name in self.doc.get("variables", {}) or name in self.doc.get("parameters", {})

    def _function(self, fn: dict[str, Any]) -> Any:
        args = [self.resolve(v) for v in fn.get("parameters", {}).values()]
        if fn["type"] == "union" and all(isinstance(a, dict) for a in args):
            merged: dict[str, Any] = {}
            for a in args:
                merged.update(a)
            return merged
        if fn["type"] in ("max", "min") and args and all(_is_number(a) for a in args):
            return max(args) if fn["type"] == "max" else min(args)
        if fn["type"] in _KEEPS_ARGS:
            return Runtime(f"{fn['type']}({', '.join(map(repr, args))})")
        return Runtime(fn["type"])

    def _operator(self, op: dict[str, Any]) -> Any:
        if op["type"] == "property_accessor":
            names = _path({"operator": op})
            return self._dotted(names) if names else Runtime("property access")
        if op["type"] == "conditional":
            o = op["operands"]
            condition = self.resolve(o["condition"])
            if isinstance(condition, bool):
                return self.resolve(o["true_value"] if condition else o["false_value"])
            return Either((self.resolve(o["true_value"]), self.resolve(o["false_value"])))
        if op["type"] == "index_accessor":
            o = op["operands"]
            obj, key = self.resolve(o["operand_1"]), self.resolve(o["operand_2"])
            if isinstance(obj, dict) and isinstance(key, str):
                assert key in obj, f"index {key!r} is not a key of {obj!r}: the deployment would fail"
                return obj[key]
            return Runtime("index access")
        if op["type"] in _COMPARISONS:
            o = op["operands"]
            left, right = self.resolve(o["operand_1"]), self.resolve(o["operand_2"])
            if _is_number(left) and _is_number(right):
                return bool(_COMPARISONS[op["type"]](left, right))
        return Runtime(op["type"])

    # -- structure -------------------------------------------------------------------------
    def resources(self, rtype: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for name, res in self.doc.get("resources", {}).items():
            if res["type"] == rtype and not res.get("existing"):
                yield name, res

    def expand(self, res: dict[str, Any]) -> Iterator[tuple[Scope, dict[str, Any]]]:
        """The (scope, body) of each instance a resource declaration deploys (loops unrolled)."""
        config = res["config"]
        loop = config.get("loop_type")
        if not loop:
            yield self, config
            return
        detail = loop["detail"]
        source = detail["array_name"]
        fn = source.get("function") if isinstance(source, dict) else None
        if fn and fn["type"] == "items":
            obj = self.resolve(next(iter(fn["parameters"].values())))
            assert isinstance(obj, dict), f"items() over {obj!r}"
            values: list[Any] = [{"key": k, "value": v} for k, v in obj.items()]
        else:
            resolved = self.resolve(source)
            values = _flatten_either(resolved)
        for value in values:
            yield self.with_loop(detail["item_name"], value), config["config"]

    def module(self, relative: str) -> Scope:
        """The scope of a module this file calls, with the arguments it passes."""
        for mod in self.doc.get("modules", {}).values():
            if mod["detail"]["path"] == relative:
                return Scope(self.path.parent / relative, dict(mod["config"].get("params", {})), self)
        raise AssertionError(f"{self.path.name} does not call {relative}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_COMPARISONS = {"greater_than": operator.gt, "greater_than_or_equals": operator.ge,
                "less_than": operator.lt, "less_than_or_equals": operator.le}
_KEEPS_ARGS = ("unique_string", "to_lower")


def _flatten_either(value: Any) -> list[Any]:
    if isinstance(value, Either):
        out: list[Any] = []
        for option in value.options:
            out += _flatten_either(option)
        return out
    assert isinstance(value, list), f"loop over {value!r}"
    return value


def main(**given: Any) -> Scope:
    """main.bicep, with the parameter values of a parameter set (the others take their defaults)."""
    return Scope(MAIN, given=given)


def module_paths() -> dict[str, str]:
    """Module symbolic name in main.bicep -> relative path."""
    return {name: mod["detail"]["path"] for name, mod in parse(MAIN).get("modules", {}).items()}


def app_settings() -> dict[str, Any]:
    """Every app setting the template deploys: the `appsettings` config resource, plus any inline
    `siteConfig.appSettings` on a site."""
    settings: dict[str, Any] = {}
    for relative in module_paths().values():
        scope = main().module(relative)
        for _, res in scope.resources("Microsoft.Web/sites/config"):
            for inst, body in scope.expand(res):
                if body["name"] == "appsettings":
                    props = inst.resolve(body["properties"])
                    assert isinstance(props, dict), f"appsettings is not an object: {props!r}"
                    settings.update(props)
        for _, res in scope.resources("Microsoft.Web/sites"):
            for inst, body in scope.expand(res):
                inline = body.get("properties", {}).get("siteConfig", {}).get("appSettings", [])
                for item in inst.resolve(inline):
                    settings[item["name"]] = item["value"]
    return settings


def deployed_names(rtype: str) -> list[Any]:
    """The names of every instance of a resource type across main.bicep and its modules."""
    names: list[Any] = []
    scopes = [main()] + [main().module(p) for p in module_paths().values()]
    for scope in scopes:
        for _, res in scope.resources(rtype):
            for inst, body in scope.expand(res):
                names.append(inst.resolve(body["name"]))
    return names
