"""The web dashboard (issue 16): its static page, and the API routes it needs beyond the status and
lifecycle routes of http_admin.py, in tenant and operator (`operator/...`) flavours. Thin: each route
runs one handler of shared.dashboard.handlers through the onboarding dispatcher.
"""

from __future__ import annotations

import azure.functions as func

from functions.http_admin import OPERATOR, TENANT, run
from shared.dashboard import handlers as dash
from shared.onboarding import handlers

bp = func.Blueprint()
ANONYMOUS = func.AuthLevel.ANONYMOUS
_TENANT = "tenants/{tenant_id}"
_LINK = _TENANT + "/links/{link_id}"


@bp.route(route="dashboard/{*path}", methods=["GET"], auth_level=ANONYMOUS)
def dashboard_page(req: func.HttpRequest) -> func.HttpResponse:
    return run(dash.page, req)


@bp.route(route="sign-in", methods=["POST"], auth_level=ANONYMOUS)
def sign_in(req: func.HttpRequest) -> func.HttpResponse:
    return run(dash.sign_in, req)


@bp.route(route="operator/tenants", methods=["GET"], auth_level=OPERATOR)
def operator_list_tenants(req: func.HttpRequest) -> func.HttpResponse:
    return run(dash.list_tenants, req)


@bp.route(route=_LINK + "/held-deletes", methods=["POST"], auth_level=TENANT)
def decide_held_deletes(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_tenant(dash.decide_held_deletes), req)


@bp.route(route=_TENANT + "/sign-in-codes", methods=["POST"], auth_level=TENANT)
def create_sign_in_code(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_tenant(dash.create_sign_in_code), req)


@bp.route(route="operator/" + _TENANT + "/sign-in-codes", methods=["POST"], auth_level=OPERATOR)
def operator_create_sign_in_code(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_operator(dash.create_operator_sign_in_code), req)


@bp.route(route=_TENANT + "/overview", methods=["GET"], auth_level=TENANT)
def get_overview(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_tenant(dash.get_overview), req)


@bp.route(route="operator/" + _TENANT + "/overview", methods=["GET"], auth_level=OPERATOR)
def operator_get_overview(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_operator(dash.get_overview), req)


@bp.route(route=_LINK + "/items", methods=["GET"], auth_level=TENANT)
def list_items(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_tenant(dash.list_items), req)


@bp.route(route="operator/" + _LINK + "/items", methods=["GET"], auth_level=OPERATOR)
def operator_list_items(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_operator(dash.list_items), req)


@bp.route(route=_LINK + "/items/location", methods=["GET"], auth_level=TENANT)
def locate_item(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_tenant(dash.locate_item), req)


@bp.route(route="operator/" + _LINK + "/items/location", methods=["GET"], auth_level=OPERATOR)
def operator_locate_item(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_operator(dash.locate_item), req)


@bp.route(route=_LINK + "/items/retry", methods=["POST"], auth_level=TENANT)
def retry_item(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_tenant(dash.retry_item), req)


@bp.route(route="operator/" + _LINK + "/items/retry", methods=["POST"], auth_level=OPERATOR)
def operator_retry_item(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_operator(dash.retry_item), req)


@bp.route(route=_LINK + "/resync", methods=["POST"], auth_level=TENANT)
def resync_link(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_tenant(dash.resync_link), req)


@bp.route(route="operator/" + _LINK + "/resync", methods=["POST"], auth_level=OPERATOR)
def operator_resync_link(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.as_operator(dash.resync_link), req)
