"""Health probe: answers from the app settings alone (no storage call), so a deployment check is
cheap and keyless; a configuration problem (e.g. no mail sender) answers 503 and names it."""

import azure.functions as func

from shared.health import check_health

bp = func.Blueprint()


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def health(req: func.HttpRequest) -> func.HttpResponse:
    result = check_health()
    return func.HttpResponse(result.model_dump_json(exclude_defaults=True), mimetype="application/json",
                             status_code=200 if result.status == "ok" else 503,
                             headers={"X-Content-Type-Options": "nosniff"})
