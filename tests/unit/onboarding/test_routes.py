"""The routes function_app registers are exactly the OpenAPI document's, with the right auth levels,
and the onboarding tests' host app registers the same HTTP blueprints."""

from __future__ import annotations

import function_app
from shared.onboarding.openapi import all_operations, document
from tests.integration.onboarding import host_app
from tests.unit.onboarding.openapi_check import problems_of

AUTH_OF = {"functionKey": "FUNCTION", "tenantKey": "ANONYMOUS", "hookSecret": "ANONYMOUS", "none": "ANONYMOUS"}


_ROUTES: dict[int, dict[tuple[str, str], str]] = {}


def _http_routes(app: object) -> dict[tuple[str, str], str]:
    """(path, method) -> auth level; get_functions() may run only once per app object."""
    if id(app) in _ROUTES:
        return dict(_ROUTES[id(app)])
    out: dict[tuple[str, str], str] = {}
    for fn in app.get_functions():  # type: ignore[attr-defined]
        for binding in fn.get_bindings():
            if binding.type == "httpTrigger":
                for method in binding.methods:
                    out[("/api/" + binding.route, method.value.lower())] = str(binding.auth_level.name)
    _ROUTES[id(app)] = out
    return dict(out)


def test_every_registered_route_is_documented_with_its_auth_level() -> None:
    registered = _http_routes(function_app.app)
    registered.pop(("/api/health", "get"))
    documented = {(op.path, op.method): AUTH_OF[op.security] for op in all_operations()}
    assert registered == documented


def test_the_test_host_serves_the_same_http_routes_as_function_app() -> None:
    assert _http_routes(host_app.app) == _http_routes(function_app.app)


def test_document_is_structurally_valid_openapi() -> None:
    doc = document("https://sync.example.com")
    assert problems_of(doc) == []
    assert doc["servers"] == [{"url": "https://sync.example.com"}]
    create = doc["paths"]["/api/tenants/{tenant_id}/links"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("CreateLinkRequest")
    assert {"401", "404", "409", "422"} <= set(create["responses"])
    mirror = doc["paths"]["/api/operator/tenants/{tenant_id}/links/{link_id}"]["get"]
    assert mirror["security"] == [{"functionKey": []}]


def test_the_checker_catches_broken_documents() -> None:
    doc = document()
    doc["paths"]["/api/tenants/{tenant_id}/links"]["post"]["parameters"] = []
    doc["paths"]["/api/tenants"]["post"]["responses"] = {"400": {"description": "x"}}
    doc["components"]["schemas"].pop("LinkStatus")
    problems = problems_of(doc)
    assert any("path parameters" in p for p in problems)
    assert any("no 2xx" in p for p in problems)
    assert any("LinkStatus" in p for p in problems)
