"""The HTTP entry points of the dashboard: its static page and the API routes it needs beyond the status and
lifecycle API (overview figures, item lists, retry, re-sync, held deletes for a tenant, sign-in codes, the
operator's tenant list). Same shape as shared.onboarding.handlers. Never imports azure.functions.
"""

from __future__ import annotations

from datetime import UTC, datetime

from shared.dashboard import actions, assets, overview, signin
from shared.dashboard.schemas import (
    DEFAULT_ITEMS_LIMIT,
    DEFAULT_WINDOW,
    MAX_ITEMS_LIMIT,
    WINDOW_HOURS,
    RetryRequest,
    SignInCode,
    SignInRequest,
    TenantList,
    TenantSummary,
)
from shared.models.rows import Stage, TenantRow
from shared.onboarding import held_deletes
from shared.onboarding.auth import bearer_token
from shared.onboarding.handlers import _link
from shared.onboarding.schemas import HeldDeletesRequest, HeldDeletesResponse
from shared.onboarding.web import ApiProblem, ApiRequest, ApiResponse, parse_body
from shared.runtime import Services
from shared.store.repositories import TENANT_PARTITION

DASHBOARD_PATH = "/api/dashboard/"


def page(services: Services, request: ApiRequest) -> ApiResponse:
    return assets.serve_asset(request.route.get("path"))


def _window(raw: str | None) -> str:
    window = raw or DEFAULT_WINDOW
    if window not in WINDOW_HOURS:
        raise ApiProblem.on_field(400, "invalid_request", "window",
                                  f"window must be one of {', '.join(WINDOW_HOURS)}.")
    return window


def _limit(raw: str | None) -> int:
    if not raw:
        return DEFAULT_ITEMS_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ITEMS_LIMIT:
        raise ApiProblem.on_field(400, "invalid_request", "limit",
                                  f"limit must be a whole number from 1 to {MAX_ITEMS_LIMIT}.")
    return int(raw)


def get_overview(services: Services, request: ApiRequest, tenant: TenantRow) -> ApiResponse:
    window = _window(request.params.get("window"))
    return ApiResponse.json(200, overview.build_overview(services, tenant, window, datetime.now(UTC)))


def list_items(services: Services, request: ApiRequest, tenant: TenantRow) -> ApiResponse:
    link = _link(services, request, tenant)
    state = actions.parse_state(request.params.get("state"))
    return ApiResponse.json(200, actions.list_items(services, tenant, link, state,
                                                    _limit(request.params.get("limit"))))


def locate_item(services: Services, request: ApiRequest, tenant: TenantRow) -> ApiResponse:
    link = _link(services, request, tenant)
    return ApiResponse.json(200, actions.item_location(services, tenant, link, request.params.get("tool"),
                                                       request.params.get("procore_id")))


def retry_item(services: Services, request: ApiRequest, tenant: TenantRow) -> ApiResponse:
    link = _link(services, request, tenant)
    body = parse_body(RetryRequest, request)
    return ApiResponse.json(202, actions.retry_item(services, link, f"{body.tool.value}:{body.procore_id}"))


def resync_link(services: Services, request: ApiRequest, tenant: TenantRow) -> ApiResponse:
    return ApiResponse.json(202, actions.resync_link(services, _link(services, request, tenant)))


def decide_held_deletes(services: Services, request: ApiRequest, tenant: TenantRow) -> ApiResponse:
    """The tenant's own release / discard of held deletes (the operator route's twin)."""
    body = parse_body(HeldDeletesRequest, request)
    count = held_deletes.decide_held(services, _link(services, request, tenant), body.action)
    return ApiResponse.json(200, HeldDeletesResponse(action=body.action, count=count))


def _code(services: Services, request: ApiRequest, tenant: TenantRow, kind: str, key: str) -> ApiResponse:
    code, expires = signin.create_code(services.repos, tenant.tenant_id, kind, key)
    url = f"{request.origin}{DASHBOARD_PATH}#code={code}"
    return ApiResponse.json(201, SignInCode(code=code, expires_at=expires, sign_in_url=url))


def create_sign_in_code(services: Services, request: ApiRequest, tenant: TenantRow) -> ApiResponse:
    """A one-time code carrying the caller's own tenant key (authenticated already by as_tenant)."""
    key = bearer_token(request)
    assert key is not None                     # as_tenant refused the request otherwise
    return _code(services, request, tenant, "tenant", key)


def create_operator_sign_in_code(services: Services, request: ApiRequest, tenant: TenantRow) -> ApiResponse:
    """A one-time code carrying the operator's Functions key (checked by the host on this route)."""
    key = request.header("x-functions-key")
    if not key:
        raise ApiProblem(400, "invalid_request", "Send the operator key as x-functions-key to make a code for it.")
    return _code(services, request, tenant, "operator", key)


def sign_in(services: Services, request: ApiRequest) -> ApiResponse:
    body = parse_body(SignInRequest, request)
    return ApiResponse.json(200, signin.exchange_code(services.repos, body.code),
                            {"Cache-Control": "no-store"})


def list_tenants(services: Services, request: ApiRequest) -> ApiResponse:
    """Operator: every tenant and how many links it has (stopped ones left out), oldest first."""
    repos = services.repos
    rows = sorted((s.row for s in repos.tenants.query(TENANT_PARTITION)), key=lambda r: r.created_at)
    return ApiResponse.json(200, TenantList(items=[
        TenantSummary(tenant_id=r.tenant_id, name=r.name,
                      links=sum(1 for s in repos.links.query(r.tenant_id) if s.row.stage is not Stage.DELETED))
        for r in rows]))
