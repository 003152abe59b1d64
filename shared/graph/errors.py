"""Translate Graph error answers into the product's error tree (shared/errors.py), in one place.

Graph errors look like {"error": {"code", "message", "innerError": {"code", "request-id", ...}}}.
The HTTP status picks the branch through shared.http_policy; the (inner) code refines it: illegal
names and over-long paths become IllegalName, oversize uploads TooLarge, 423 Locked, and so on.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from shared import errors
from shared.http_policy import Resolution, classify, to_error

ILLEGAL_NAME_CODES = frozenset({"nameContainsInvalidCharacters", "nameIsReserved", "invalidName",
                                "pathIsTooLong", "nameTooLong"})
TOO_LARGE_CODES = frozenset({"maxFileSizeExceeded"})
QUOTA_CODES = frozenset({"quotaLimitReached", "insufficientStorage"})


@dataclass(frozen=True)
class GraphErrorInfo:
    status: int
    code: str
    inner_code: str | None
    message: str
    request_id: str | None


def error_info(response: httpx.Response) -> GraphErrorInfo:
    code, inner, message = "", None, ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        code = str(err.get("code") or "")
        message = str(err.get("message") or "")
        inner_obj = err.get("innerError") or err.get("innererror")
        if isinstance(inner_obj, dict) and inner_obj.get("code"):
            inner = str(inner_obj["code"])
    return GraphErrorInfo(response.status_code, code, inner, message,
                          response.headers.get("request-id"))


def to_sync_error(response: httpx.Response, resolution: Resolution, what: str) -> errors.SyncError:
    """The exception for a Graph answer we give up on; `what` is "METHOD /route/template"."""
    info = error_info(response)
    text = (f"{what} -> {info.status} {info.code}"
            f"{'/' + info.inner_code if info.inner_code else ''}: {info.message[:300]}"
            f" (request-id {info.request_id})")
    codes = {info.code, info.inner_code}
    if info.status == 400 and codes & ILLEGAL_NAME_CODES:
        return errors.IllegalName(text)
    if codes & TOO_LARGE_CODES or info.status == 413:
        return errors.TooLarge(text)
    if info.status == 507 or codes & QUOTA_CODES:
        return errors.ConfigError(text)
    return to_error(resolution, text)


def transport_error(exc: Exception, what: str) -> errors.SyncError:
    return to_error(classify(exc), f"{what} -> {type(exc).__name__}: {exc}")
