"""Onboarding and status API (contract §4): operator routes (Functions key, checked by the host) and
tenant routes (ANONYMOUS at the host; the tenant's bearer key is checked in shared.onboarding.auth).

Every handler is one line: convert the request, run the shared handler, convert the answer.
"""

from __future__ import annotations

import azure.functions as func

from shared.onboarding import handlers
from shared.onboarding.web import ApiRequest, ApiResponse
from shared.runtime import services

bp = func.Blueprint()
OPERATOR = func.AuthLevel.FUNCTION
TENANT = func.AuthLevel.ANONYMOUS
_TENANT = "tenants/{tenant_id}"
_LINKS = _TENANT + "/links"
_LINK = _LINKS + "/{link_id}"


def to_api_request(req: func.HttpRequest) -> ApiRequest:
    return ApiRequest(method=req.method.upper(), url=req.url, headers={k.lower(): v for k, v in req.headers.items()},
                      params=dict(req.params), route=dict(req.route_params), body=req.get_body() or b"")


def to_http_response(resp: ApiResponse) -> func.HttpResponse:
    headers = dict(resp.headers)
    if resp.content_type:
        headers["Content-Type"] = resp.content_type
    return func.HttpResponse(resp.body, status_code=resp.status, headers=headers)


def run(handler: handlers.Handler, req: func.HttpRequest) -> func.HttpResponse:
    return to_http_response(handlers.dispatch(services, handler, to_api_request(req)))


@bp.route(route="tenants", methods=["POST"], auth_level=OPERATOR)
def create_tenant(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.create_tenant, req)


@bp.route(route="tenants/{tenant_id}/api-key", methods=["POST"], auth_level=OPERATOR)
def rotate_api_key(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.rotate_api_key, req)


@bp.route(route=_LINKS, methods=["POST"], auth_level=TENANT)
def create_link(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_tenant(handlers.create_link), req)


@bp.route(route=_LINK, methods=["GET"], auth_level=TENANT)
def get_link(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_tenant(handlers.get_link), req)


@bp.route(route=_LINK + "/activity", methods=["GET"], auth_level=TENANT)
def get_link_activity(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_tenant(handlers.get_activity), req)


@bp.route(route=_LINK, methods=["DELETE"], auth_level=TENANT)
def delete_link(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_tenant(handlers.delete_link), req)


@bp.route(route=_LINKS, methods=["GET"], auth_level=TENANT)
def list_links(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_tenant(handlers.list_links), req)


@bp.route(route=_TENANT, methods=["GET"], auth_level=TENANT)
def get_tenant(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_tenant(handlers.get_tenant), req)


@bp.route(route=_TENANT, methods=["PATCH"], auth_level=TENANT)
def update_tenant(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_tenant(handlers.update_tenant), req)


@bp.route(route=_LINK, methods=["PATCH"], auth_level=TENANT)
def update_link(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_tenant(handlers.update_link), req)


@bp.route(route=_LINK + "/pause", methods=["POST"], auth_level=TENANT)
def pause_link(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_tenant(handlers.pause_link), req)


@bp.route(route=_LINK + "/resume", methods=["POST"], auth_level=TENANT)
def resume_link(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_tenant(handlers.resume_link), req)


# Operator mirrors of the tenant routes: the host checks the Functions key, so no tenant key is needed.
@bp.route(route="operator/" + _LINKS, methods=["POST"], auth_level=OPERATOR)
def operator_create_link(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_operator(handlers.create_link), req)


@bp.route(route="operator/" + _LINK, methods=["GET"], auth_level=OPERATOR)
def operator_get_link(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_operator(handlers.get_link), req)


@bp.route(route="operator/" + _LINK + "/activity", methods=["GET"], auth_level=OPERATOR)
def operator_get_link_activity(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_operator(handlers.get_activity), req)


@bp.route(route="operator/" + _LINK, methods=["DELETE"], auth_level=OPERATOR)
def operator_delete_link(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_operator(handlers.delete_link), req)


@bp.route(route="operator/" + _LINKS, methods=["GET"], auth_level=OPERATOR)
def operator_list_links(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_operator(handlers.list_links), req)


@bp.route(route="operator/" + _TENANT, methods=["GET"], auth_level=OPERATOR)
def operator_get_tenant(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_operator(handlers.get_tenant), req)


@bp.route(route="operator/" + _TENANT, methods=["PATCH"], auth_level=OPERATOR)
def operator_update_tenant(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_operator(handlers.update_tenant), req)


@bp.route(route="operator/" + _LINK, methods=["PATCH"], auth_level=OPERATOR)
def operator_update_link(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_operator(handlers.update_link), req)


@bp.route(route="operator/" + _LINK + "/pause", methods=["POST"], auth_level=OPERATOR)
def operator_pause_link(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_operator(handlers.pause_link), req)


@bp.route(route="operator/" + _LINK + "/resume", methods=["POST"], auth_level=OPERATOR)
def operator_resume_link(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_operator(handlers.resume_link), req)


@bp.route(route="operator/" + _LINK + "/held-deletes", methods=["POST"], auth_level=OPERATOR)
def operator_decide_held_deletes(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_operator(handlers.decide_held_deletes), req)


@bp.route(route="openapi.json", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def openapi(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.openapi, req)
