"""Webhook receivers (ANONYMOUS at the host; each checks its own secret in shared.onboarding.receivers):
Procore hook deliveries per link, and Microsoft Graph change notifications plus their validation
handshake. They validate, authenticate, enqueue and answer within Procore's 5 s / Graph's 3 s.
"""

from __future__ import annotations

import azure.functions as func

from functions.http_admin import run
from shared.onboarding import handlers

bp = func.Blueprint()


@bp.route(route="webhooks/procore/{tenant_id}/{link_id}", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
def procore_webhook(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.procore_webhook, req)


@bp.route(route="webhooks/graph", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
def graph_webhook(req: func.HttpRequest) -> func.HttpResponse:
    return run(handlers.graph_webhook, req)
