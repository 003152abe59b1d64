"""A structural check of an OpenAPI 3.1 document (what openapi-spec-validator would reject first):
required members, operations with responses, declared path parameters, resolvable $refs, known
security schemes, unique operation ids. Returns the problems found (empty when valid)."""

from __future__ import annotations

import re
from typing import Any

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
_PARAM = re.compile(r"\{([^}/]+)\}")


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _resolve(doc: dict[str, Any], ref: str) -> bool:
    if not ref.startswith("#/"):
        return False
    node: Any = doc
    for part in ref[2:].split("/"):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return isinstance(node, dict)


def problems_of(doc: dict[str, Any]) -> list[str]:
    out: list[str] = []
    if not str(doc.get("openapi", "")).startswith("3."):
        out.append("openapi must be a 3.x version string")
    info = doc.get("info")
    if not isinstance(info, dict) or not info.get("title") or not info.get("version"):
        out.append("info.title and info.version are required")
    paths = doc.get("paths")
    if not isinstance(paths, dict) or not paths:
        return out + ["paths must be a non-empty object"]
    schemes = doc.get("components", {}).get("securitySchemes", {})
    seen_ids: set[str] = set()
    for path, item in paths.items():
        if not path.startswith("/"):
            out.append(f"{path}: paths start with /")
        template_params = set(_PARAM.findall(path))
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            if method not in METHODS:
                out.append(f"{where}: unknown method")
                continue
            op_id = op.get("operationId")
            if not op_id or op_id in seen_ids:
                out.append(f"{where}: operationId missing or duplicated")
            seen_ids.add(op_id)
            responses = op.get("responses") or {}
            if not any(str(code).startswith("2") for code in responses):
                out.append(f"{where}: no 2xx response")
            for code, resp in responses.items():
                if not re.fullmatch(r"[1-5]\d\d|[1-5]XX|default", str(code)) or "description" not in resp:
                    out.append(f"{where}: response {code} needs a valid code and a description")
            declared = {p["name"] for p in op.get("parameters", []) if p.get("in") == "path"}
            if declared != template_params:
                out.append(f"{where}: path parameters {sorted(declared)} != template {sorted(template_params)}")
            for p in op.get("parameters", []):
                if p.get("in") == "path" and p.get("required") is not True:
                    out.append(f"{where}: path parameter {p.get('name')} must be required")
                if p.get("in") not in ("path", "query", "header", "cookie") or "schema" not in p:
                    out.append(f"{where}: parameter {p.get('name')} needs a valid 'in' and a schema")
            for requirement in op.get("security", []):
                for name in requirement:
                    if name not in schemes:
                        out.append(f"{where}: unknown security scheme {name}")
    for ref in _refs(doc):
        if not _resolve(doc, ref):
            out.append(f"unresolvable $ref {ref}")
    return out
