"""The OpenAPI 3.1 document of every route, built from the pydantic models' JSON schemas.

OPERATIONS is the route list (functions/ registers the same routes; a test keeps the two equal).
Tenant routes get an `operator/...` mirror authenticated by the Functions key. Request schemas are
the validation-mode schemas (what we accept), responses the serialization-mode ones (what we send).
Never imports azure.functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from shared.dashboard.activity import KINDS as ACTIVITY_KINDS
from shared.dashboard.activity import MAX_TEXT_CHARS as ACTIVITY_TEXT_CHARS
from shared.dashboard.schemas import (
    MAX_ITEMS_LIMIT,
    WINDOW_HOURS,
    ItemLocation,
    ItemPage,
    Overview,
    ResyncResponse,
    RetryRequest,
    RetryResponse,
    SignInCode,
    SignInRequest,
    SignInResponse,
    TenantList,
)
from shared.models.api import CreateLinkRequest, CreateLinkResponse, CreateTenantRequest, CreateTenantResponse
from shared.onboarding.schemas import (
    MAX_ACTIVITY_LIMIT,
    ActivityPage,
    ErrorBody,
    HeldDeletesRequest,
    HeldDeletesResponse,
    LinkList,
    LinkStatus,
    TenantInfo,
    UpdateLinkRequest,
    UpdateTenantRequest,
)

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
TENANT_PREFIX = "/api/tenants/"
OPERATOR_PREFIX = "/api/operator/tenants/"
Security = Literal["functionKey", "tenantKey", "hookSecret", "none"]

SECURITY_SCHEMES: dict[str, dict[str, str]] = {
    "functionKey": {"type": "apiKey", "in": "header", "name": "x-functions-key",
                    "description": "The operator's Azure Functions key (checked by the Functions host)."},
    "tenantKey": {"type": "http", "scheme": "bearer",
                  "description": "The tenant API key returned by POST /api/tenants (`pcs_<tenant id>_<secret>`)."},
    "hookSecret": {"type": "apiKey", "in": "header", "name": "Authorization",
                   "description": "The random per-hook value registered as the hook's destination_headers."},
}


@dataclass(frozen=True)
class Query:
    name: str
    description: str
    schema: dict[str, Any]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    security: Security
    ok_status: int
    ok: type[BaseModel] | Literal["text", "empty", "any"]
    request: type[BaseModel] | None = None
    query: tuple[Query, ...] = ()
    errors: tuple[int, ...] = ()


_LINK = TENANT_PREFIX + "{tenant_id}/links/{link_id}"
OPERATIONS: tuple[Operation, ...] = (
    Operation("post", "/api/tenants", "createTenant", "Onboard a tenant (operator only)", "functionKey", 201,
              CreateTenantResponse, CreateTenantRequest, errors=(400, 401, 422, 503)),
    Operation("post", TENANT_PREFIX + "{tenant_id}/api-key", "rotateApiKey",
              "Issue a new tenant API key; the old one stops working (operator only)", "functionKey", 200,
              CreateTenantResponse, errors=(401, 404)),
    Operation("post", TENANT_PREFIX + "{tenant_id}/links", "createLink",
              "Link a Procore project (or company Documents) to a SharePoint folder and start its initial sync",
              "tenantKey", 202, CreateLinkResponse, CreateLinkRequest, errors=(400, 401, 404, 409, 422, 503)),
    Operation("get", _LINK, "getLink", "A link's stage, item counts and skipped items", "tenantKey", 200,
              LinkStatus, errors=(401, 404)),
    Operation("get", _LINK + "/activity", "getLinkActivity",
              "A link's activity, newest first, paged; filtered on the server (a filtered page may be short, even "
              "empty, and still carry a continuation: send it with the same filters)",
              "tenantKey", 200, ActivityPage, errors=(400, 401, 404),
              query=(Query("limit", "page size", {"type": "integer", "minimum": 1, "maximum": MAX_ACTIVITY_LIMIT}),
                     Query("continuation", "the `continuation` of the previous page", {"type": "string"}),
                     Query("tool", "only these tools (comma-separated tool keys)", {"type": "string"}),
                     Query("kind", "only these kinds (comma-separated): " + ", ".join(ACTIVITY_KINDS),
                           {"type": "string"}),
                     Query("since", "only events at or after this time (ISO 8601 with a zone)",
                           {"type": "string", "format": "date-time"}),
                     Query("until", "only events at or before this time (ISO 8601 with a zone)",
                           {"type": "string", "format": "date-time"}),
                     Query("text", "only events whose event, tool, item, path or detail holds this text (any case)",
                           {"type": "string", "maxLength": ACTIVITY_TEXT_CHARS}))),
    Operation("delete", _LINK, "deleteLink",
              "Stop a link: remove its Procore hook and Graph subscription; synced content is kept", "tenantKey",
              204, "empty", errors=(401, 404, 503)),
    Operation("get", TENANT_PREFIX + "{tenant_id}/links", "listLinks", "The tenant's links (stopped ones left out)",
              "tenantKey", 200, LinkList, errors=(401, 404)),
    Operation("get", TENANT_PREFIX + "{tenant_id}", "getTenant",
              "The tenant's name, notify addresses, settings and credential ids (never a secret)", "tenantKey", 200,
              TenantInfo, errors=(401, 404)),
    Operation("patch", TENANT_PREFIX + "{tenant_id}", "updateTenant",
              "Change the tenant's name, notify addresses, settings or credentials; new credentials are checked "
              "against Procore / Microsoft first (422 naming the one refused), and links paused for credentials "
              "resume", "tenantKey", 200, TenantInfo, UpdateTenantRequest, errors=(400, 401, 404, 409, 422, 503)),
    Operation("patch", _LINK, "updateLink",
              "Change the modes of some of the link's tools (a tool that cannot sync yet, or a transition the "
              "product cannot carry out yet, is a 422 that says so)", "tenantKey", 200, LinkStatus,
              UpdateLinkRequest, errors=(400, 401, 404, 409, 422)),
    Operation("post", _LINK + "/pause", "pauseLink",
              "Pause the link; it stays paused until the resume call (changes meanwhile are caught up then)",
              "tenantKey", 200, LinkStatus, errors=(401, 404, 409)),
    Operation("post", _LINK + "/resume", "resumeLink",
              "Resume a paused link and reconcile it (409 while its cause is still there)", "tenantKey", 200,
              LinkStatus, errors=(401, 404, 409, 503)),
    Operation("post", OPERATOR_PREFIX + "{tenant_id}/links/{link_id}/held-deletes", "decideHeldDeletes",
              "Release (apply) or discard (undo) the deletes the mass-delete breaker holds (operator only)",
              "functionKey", 200, HeldDeletesResponse, HeldDeletesRequest, errors=(400, 401, 404, 422)),
    Operation("get", "/api/openapi.json", "openapi", "This document", "none", 200, "any"),
    # The dashboard (issue 16): its page and what it reads and does beyond the routes above.
    Operation("get", "/api/dashboard/{*path}", "dashboard",
              "The web dashboard: its page (empty path) and static files", "none", 200, "text", errors=(404,)),
    Operation("get", TENANT_PREFIX + "{tenant_id}/overview", "getOverview",
              "Dashboard figures: per link counts, initial-sync progress, pace and expected finish, storage, last "
              "change each way; files copied and deleted over the window; Procore and Microsoft reachability",
              "tenantKey", 200, Overview, errors=(400, 401, 404),
              query=(Query("window", "the time window of the figures",
                           {"type": "string", "enum": list(WINDOW_HOURS), "default": "24h"}),)),
    Operation("get", _LINK + "/items", "listLinkItems", "A link's failed, skipped or pending items with reasons",
              "tenantKey", 200, ItemPage, errors=(400, 401, 404),
              query=(Query("state", "failed, skipped or pending", {"type": "string",
                                                                    "enum": ["failed", "skipped", "pending"]}),
                     Query("limit", "at most this many", {"type": "integer", "minimum": 1,
                                                          "maximum": MAX_ITEMS_LIMIT}))),
    Operation("get", _LINK + "/items/location", "locateItem",
              "Where an item (tool and Procore id, as its activity events name it) is on the web", "tenantKey", 200,
              ItemLocation, errors=(401, 404, 503),
              query=(Query("tool", "the item's tool", {"type": "string"}),
                     Query("procore_id", "the item's Procore id", {"type": "string"}))),
    Operation("post", _LINK + "/items/retry", "retryItem", "Copy a failed file again (it becomes pending)",
              "tenantKey", 202, RetryResponse, RetryRequest, errors=(400, 401, 404, 409, 422)),
    Operation("post", _LINK + "/resync", "resyncLink",
              "Re-sync the link now: a reconciliation (Graph delta and Procore changes since the watermark)",
              "tenantKey", 202, ResyncResponse, errors=(401, 404, 409)),
    Operation("post", _LINK + "/held-deletes", "tenantDecideHeldDeletes",
              "Release (apply) or discard (undo) the deletes the mass-delete breaker holds", "tenantKey", 200,
              HeldDeletesResponse, HeldDeletesRequest, errors=(400, 401, 404, 422)),
    Operation("post", TENANT_PREFIX + "{tenant_id}/sign-in-codes", "createSignInCode",
              "A one-time dashboard sign-in code (and link) carrying the caller's own key; the operator mirror's "
              "carries the operator key", "tenantKey", 201, SignInCode, errors=(401, 404)),
    Operation("post", "/api/sign-in", "signIn", "Exchange a one-time sign-in code for the key it carries (once)",
              "none", 200, SignInResponse, SignInRequest, errors=(400, 422)),
    Operation("get", "/api/operator/tenants", "listTenants", "Every tenant (operator only)", "functionKey", 200,
              TenantList, errors=(401,)),
    Operation("post", "/api/webhooks/procore/{tenant_id}/{link_id}", "procoreWebhook",
              "Procore webhook deliveries (v2.0 payloads) for one link", "hookSecret", 200, "any",
              errors=(400, 401, 413)),
    Operation("post", "/api/webhooks/graph", "graphWebhook",
              "Microsoft Graph change notifications and the subscription validation handshake", "none", 202, "any",
              query=(Query("validationToken", "sent by Graph when a subscription is created: echoed as text/plain",
                           {"type": "string"}),), errors=(400, 413)),
)


def all_operations() -> tuple[Operation, ...]:
    """OPERATIONS plus the operator mirrors of the tenant routes."""
    mirrors = tuple(
        Operation(op.method, OPERATOR_PREFIX + op.path[len(TENANT_PREFIX):], "operator" + op.operation_id[0].upper()
                  + op.operation_id[1:], op.summary + " (operator, on behalf of the tenant)", "functionKey",
                  op.ok_status, op.ok, op.request, op.query, op.errors)
        for op in OPERATIONS if op.security == "tenantKey")
    taken = {(op.method, op.path) for op in OPERATIONS}   # an operator route documented already keeps its own
    return OPERATIONS + tuple(m for m in mirrors if (m.method, m.path) not in taken)


_ERROR_TEXT = {400: "Malformed request (bad JSON or query parameter)", 401: "Missing or invalid key",
               404: "No such tenant or link (also: another tenant's)", 409: "Conflicts with the current state",
               422: "A field is invalid, or Procore/SharePoint refused access (the body names the field)",
               503: "Procore or Graph unavailable; retry later (Retry-After)"}
_ERROR_TEXT[413] = "The body is larger than this route accepts"


Refs = dict[tuple[type[BaseModel], JsonSchemaMode], dict[str, Any]]


@cache
def _schemas() -> tuple[Refs, dict[str, Any]]:
    models: set[tuple[type[BaseModel], JsonSchemaMode]] = {(ErrorBody, "serialization")}
    for op in OPERATIONS:
        if op.request is not None:
            models.add((op.request, "validation"))
        if isinstance(op.ok, type):
            models.add((op.ok, "serialization"))
    keyed, defs = models_json_schema(sorted(models, key=lambda m: (m[0].__name__, m[1])),
                                     ref_template="#/components/schemas/{model}")
    refs: Refs = {(model, mode): schema for (model, mode), schema in keyed.items() if issubclass(model, BaseModel)}
    components: dict[str, Any] = defs.get("$defs", {})
    return refs, components


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _operation(op: Operation, refs: Refs) -> dict[str, Any]:
    params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
              for name in _path_params(op.path)]
    params += [{"name": q.name, "in": "query", "required": False, "description": q.description, "schema": q.schema}
               for q in op.query]
    if op.ok == "empty":
        ok: dict[str, Any] = {"description": "Done"}
    elif op.ok == "text":
        ok = {"description": "OK", "content": {"text/plain": {"schema": {"type": "string"}}}}
    elif op.ok == "any":
        ok = {"description": "OK", "content": {**_json({"type": "object"}),
                                               "text/plain": {"schema": {"type": "string"}}}}
    else:
        ok = {"description": "OK", "content": _json(refs[(op.ok, "serialization")])}
    responses: dict[str, Any] = {str(op.ok_status): ok}
    for status in op.errors:
        responses[str(status)] = {"description": _ERROR_TEXT[status],
                                  "content": _json(refs[(ErrorBody, "serialization")])}
    out: dict[str, Any] = {"operationId": op.operation_id, "summary": op.summary, "responses": responses}
    if params:
        out["parameters"] = params
    if op.request is not None:
        out["requestBody"] = {"required": True, "content": _json(refs[(op.request, "validation")])}
    out["security"] = [] if op.security == "none" else [{op.security: []}]
    return out


def _path_params(path: str) -> list[str]:
    return [seg[1:-1] for seg in path.split("/") if seg.startswith("{") and seg.endswith("}")]


@cache
def _paths() -> tuple[tuple[str, str, dict[str, Any]], ...]:
    refs, _ = _schemas()
    return tuple((op.path, op.method, _operation(op, refs)) for op in all_operations())


def document(server_url: str | None = None) -> dict[str, Any]:
    _, defs = _schemas()
    paths: dict[str, dict[str, Any]] = {}
    for path, method, operation in _paths():
        paths.setdefault(path, {})[method] = operation
    doc: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "Procore <-> SharePoint sync: onboarding and status API", "version": API_VERSION},
        "paths": paths,
        "components": {"schemas": defs, "securitySchemes": SECURITY_SCHEMES},
    }
    if server_url:
        doc["servers"] = [{"url": server_url}]
    return doc
