"""Liveness probe: answers without touching storage so a deployment check is cheap and keyless."""

import json

import azure.functions as func

bp = func.Blueprint()


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def health(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(json.dumps({"status": "ok"}), mimetype="application/json",
                             headers={"X-Content-Type-Options": "nosniff"})
