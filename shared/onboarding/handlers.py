"""The HTTP entry points of the onboarding, status and webhook routes, and the one place errors
become status codes.

Each handler takes (Services, ApiRequest) and returns an ApiResponse; functions/ only converts to
and from azure.functions types. Tenant routes come in two flavours over the same code: `as_tenant`
(ANONYMOUS at the host, the tenant's bearer key checked here) and `as_operator` (the host checks the
Functions key on the `operator/...` mirror routes; our code cannot verify a Functions key itself,
so an operator never uses the tenant routes). Never imports azure.functions.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from shared import errors
from shared.dashboard.activity import parse_filter
from shared.models.api import CreateLinkRequest, CreateLinkResponse, CreateTenantRequest
from shared.models.rows import LinkRow, TenantRow
from shared.onboarding import held_deletes, lifecycle, links, receivers, status, tenants
from shared.onboarding.auth import check_id, tenant_for_operator, tenant_for_path
from shared.onboarding.openapi import document
from shared.onboarding.schemas import (
    HeldDeletesRequest,
    HeldDeletesResponse,
    UpdateLinkRequest,
    UpdateTenantRequest,
)
from shared.onboarding.web import ApiProblem, ApiRequest, ApiResponse, not_found, parse_body
from shared.runtime import Services
from shared.telemetry.spans import request_span

Handler = Callable[[Services, ApiRequest], ApiResponse]
TenantHandler = Callable[[Services, ApiRequest, TenantRow], ApiResponse]
_log = logging.getLogger("pcsync.onboarding")


# Receivers where changes come in: a change's trace starts at their request (sync latency too).
ORIGINS = {"procore_webhook": "procore", "graph_webhook": "sharepoint"}


def dispatch(services: Callable[[], Services], handler: Handler, request: ApiRequest) -> ApiResponse:
    """Run a handler in a request span; every failure becomes a JSON error with the right status (never a
    secret)."""
    name = getattr(handler, "__name__", "request")
    with request_span(f"{request.method} {urlsplit(request.url).path}", dict(request.headers),
                      origin=ORIGINS.get(name)) as span:
        response = _dispatch(services, handler, request)
        span.set_attribute("http.response.status_code", response.status)
        return response


def _dispatch(services: Callable[[], Services], handler: Handler, request: ApiRequest) -> ApiResponse:
    try:
        return handler(services(), request)
    except ApiProblem as problem:
        return problem.response()
    except errors.TransientError as exc:
        retry = str(max(1, math.ceil(exc.retry_after or 5)))
        _log.warning("%s %s: upstream unavailable (%s)", request.method, _path(request), type(exc).__name__)
        return ApiProblem(503, "upstream_unavailable", "Procore or Microsoft Graph is unavailable or throttling "
                          "us right now; nothing was changed. Try again later.",
                          headers={"Retry-After": retry}).response()
    except errors.Conflict:
        return ApiProblem(409, "conflict", "Something changed while this request ran; read again and retry.") \
            .response()
    except errors.ConfigError as exc:
        _log.warning("%s %s: configuration problem: %s", request.method, _path(request), type(exc).__name__)
        return ApiProblem(422, "configuration", f"The tenant's configuration cannot be used: {exc}").response()
    except Exception:
        _log.exception("%s %s failed", request.method, _path(request))
        return ApiProblem(500, "internal", "Something went wrong on our side; nothing was changed.").response()


def _path(request: ApiRequest) -> str:
    return request.url.split("?", 1)[0]


def as_tenant(handler: TenantHandler) -> Handler:
    return lambda services, request: handler(services, request, tenant_for_path(services.repos, request))


def as_operator(handler: TenantHandler) -> Handler:
    return lambda services, request: handler(services, request, tenant_for_operator(services.repos, request))


def public_base_url(services: Services, request: ApiRequest) -> str:
    """Where Procore and Graph reach us: the configured public URL, else the origin we were called on."""
    return services.settings.public_base_url or request.origin


def _link(services: Services, request: ApiRequest, tenant: TenantRow) -> LinkRow:
    link_id = check_id(request.route.get("link_id"), "link")
    stored = services.repos.links.get(tenant.tenant_id, link_id)
    if stored is None:
        raise not_found("link")
    return stored.row


# ---- operator -----------------------------------------------------------------------------------
def create_tenant(services: Services, request: ApiRequest) -> ApiResponse:
    body = parse_body(CreateTenantRequest, request)
    tenants.check_new_tenant(services, body)      # a wrong secret is a 422 naming it, before anything is stored
    created = tenants.create_tenant(services.repos, services.secrets, body)
    return ApiResponse.json(201, created)


def rotate_api_key(services: Services, request: ApiRequest) -> ApiResponse:
    rotated = tenants.rotate_api_key(services.repos, check_id(request.route.get("tenant_id"), "tenant"))
    if rotated is None:
        raise not_found("tenant")
    return ApiResponse.json(200, rotated)


# ---- tenant (or operator mirror) --------------------------------------------------------------------
def create_link(services: Services, request: ApiRequest, tenant: TenantRow) -> ApiResponse:
    body = parse_body(CreateLinkRequest, request)
    link_id = links.create_link(services, tenant, body, public_base_url(services, request))
    location = f"{_path(request).rstrip('/')}/{link_id}"
    return ApiResponse.json(202, CreateLinkResponse(link_id=link_id), {"Location": location})


def get_link(services: Services, request: ApiRequest, tenant: TenantRow) -> ApiResponse:
    return ApiResponse.json(200, status.link_status(services.repos, _link(services, request, tenant)))


def get_activity(services: Services, request: ApiRequest, tenant: TenantRow) -> ApiResponse:
    link = _link(services, request, tenant)
    limit = status.parse_limit(request.params.get("limit"))
    page = status.activity_page(services.repos, link, datetime.now(UTC).date(), limit, services.signing_key,
                                request.params.get("continuation") or None, parse_filter(request.params),
                                tenant.procore.base_url)
    return ApiResponse.json(200, page)


def delete_link(services: Services, request: ApiRequest, tenant: TenantRow) -> ApiResponse:
    links.delete_link(services, tenant, _link(services, request, tenant).link_id)
    return ApiResponse.empty(204)


def decide_held_deletes(services: Services, request: ApiRequest, tenant: TenantRow) -> ApiResponse:
    body = parse_body(HeldDeletesRequest, request)
    count = held_deletes.decide_held(services, _link(services, request, tenant), body.action)
    return ApiResponse.json(200, HeldDeletesResponse(action=body.action, count=count))


def list_links(services: Services, request: ApiRequest, tenant: TenantRow) -> ApiResponse:
    return ApiResponse.json(200, lifecycle.list_links(services.repos, tenant))


def get_tenant(services: Services, request: ApiRequest, tenant: TenantRow) -> ApiResponse:
    return ApiResponse.json(200, tenants.tenant_info(tenant))


def update_tenant(services: Services, request: ApiRequest, tenant: TenantRow) -> ApiResponse:
    body = parse_body(UpdateTenantRequest, request)
    updated, changed = tenants.update_tenant(services, tenant, body)
    if changed:                                   # links paused for the old credentials resume now
        lifecycle.recheck_paused(services, updated)
    lifecycle.recheck_privacy(services, tenant, updated)   # include_private changed: private records follow
    return ApiResponse.json(200, tenants.tenant_info(updated))


def update_link(services: Services, request: ApiRequest, tenant: TenantRow) -> ApiResponse:
    link = _link(services, request, tenant)
    body = parse_body(UpdateLinkRequest, request)
    return ApiResponse.json(200, status.link_status(services.repos, lifecycle.change_tools(services, link, body.tools)))


def pause_link(services: Services, request: ApiRequest, tenant: TenantRow) -> ApiResponse:
    paused = lifecycle.pause_by_request(services, _link(services, request, tenant))
    return ApiResponse.json(200, status.link_status(services.repos, paused))


def resume_link(services: Services, request: ApiRequest, tenant: TenantRow) -> ApiResponse:
    resumed = lifecycle.resume_by_request(services, _link(services, request, tenant))
    return ApiResponse.json(200, status.link_status(services.repos, resumed))


# ---- public -------------------------------------------------------------------------------------------
def openapi(services: Services, request: ApiRequest) -> ApiResponse:
    return ApiResponse.json(200, document(server_url=request.origin))


def procore_webhook(services: Services, request: ApiRequest) -> ApiResponse:
    return receivers.receive_procore(services, request)


def graph_webhook(services: Services, request: ApiRequest) -> ApiResponse:
    return receivers.receive_graph(services, request)
