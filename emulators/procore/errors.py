"""Error responses as Procore (JSON) and its storage provider (S3-style XML) send them.

Handlers raise ApiError / StorageError; the gate turns them into responses.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, PlainTextResponse, Response

INVALID_TOKEN = "The access token is invalid"
NOT_CONNECTED = "App is not connected to this company"
MISSING_COMPANY = (
    "Missing Procore-Company-Id header! Every request must include the Procore-Company-Id header "
    "with the id of the company the request is made for."
)
RATE_LIMITED = "You have surpassed the max number of requests for an hour. Please wait until your limit resets."


class ApiError(Exception):
    def __init__(self, status: int, errors: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {errors}")
        self.status = status
        self.errors = errors
        self.headers = headers or {}

    def response(self) -> Response:
        if self.status == 429:
            return PlainTextResponse(RATE_LIMITED, 429, headers=self.headers)
        body: dict[str, Any] = {"errors": self.errors}
        if self.status == 401:
            self.headers.setdefault(
                "WWW-Authenticate",
                f'Bearer realm="Doorkeeper", error="invalid_token", error_description="{INVALID_TOKEN}"',
            )
        return JSONResponse(body, self.status, headers=self.headers)


def not_found() -> ApiError:
    return ApiError(404, "404 Not Found")


def unprocessable(field: str, message: str) -> ApiError:
    return ApiError(422, {field: [message]})


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


class StorageError(Exception):
    """An S3-style error from the storage host (uploads and downloads)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message

    def response(self) -> Response:
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{self.code}</Code><Message>{self.message}</Message></Error>"
        )
        return Response(xml, self.status, media_type="application/xml")


def auth_on_storage() -> StorageError:
    return StorageError(
        400, "InvalidArgument",
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query "
        "string parameter or the Authorization header should be specified",
    )
