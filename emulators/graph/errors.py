"""Graph's error shape and the exception every handler raises to produce it.

`{"error": {"code", "message", "innerError": {"code"?, "date", "request-id", "client-request-id"}}}`
plus the `request-id` / `client-request-id` response headers, which the app middleware adds.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from starlette.responses import Response


class GraphError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        inner_code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.inner_code = inner_code
        self.headers = headers or {}


def error_body(err: GraphError, request_id: str, client_request_id: str | None) -> dict[str, Any]:
    inner: dict[str, Any] = {}
    if err.inner_code:
        inner["code"] = err.inner_code
    inner["date"] = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    inner["request-id"] = request_id
    inner["client-request-id"] = client_request_id or request_id
    return {"error": {"code": err.code, "message": err.message, "innerError": inner}}


def error_response(err: GraphError, request_id: str, client_request_id: str | None) -> Response:
    body = json.dumps(error_body(err, request_id, client_request_id)).encode()
    return Response(body, status_code=err.status, headers=err.headers, media_type="application/json")


# Shorthands for the errors Graph returns most.
def not_found(message: str = "The resource could not be found.", inner: str | None = None) -> GraphError:
    return GraphError(404, "itemNotFound", message, inner)


def invalid_request(message: str, inner: str | None = None, status: int = 400) -> GraphError:
    return GraphError(status, "invalidRequest", message, inner)


def name_exists(name: str) -> GraphError:
    return GraphError(409, "nameAlreadyExists", f"The specified item name already exists. Name: {name}")


def precondition_failed() -> GraphError:
    return GraphError(412, "resourceModified", "ETag does not match current item's value",
                      "entityTagDoesNotMatch")


def locked() -> GraphError:
    return GraphError(423, "notAllowed", "The resource you are attempting to access is locked",
                      "resourceLocked")
