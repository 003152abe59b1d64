"""Every Graph error code named in reference/graph-api.md maps to one type of the product's error
tree (style R7), through the same classify() + to_sync_error() path the client uses."""

from __future__ import annotations

import httpx
import pytest

from shared import errors
from shared.graph.errors import error_info, to_sync_error
from shared.http_policy import classify

CASES: list[tuple[int, str, str | None, type[errors.SyncError]]] = [
    (400, "invalidRequest", "nameContainsInvalidCharacters", errors.IllegalName),
    (400, "invalidRequest", "nameIsReserved", errors.IllegalName),
    (400, "invalidRequest", "pathIsTooLong", errors.IllegalName),
    (400, "invalidRequest", None, errors.InvariantBroken),
    (400, "invalidRequest", "fragmentLengthMismatch", errors.InvariantBroken),
    (400, "invalidRequest", "uploadSessionIncomplete", errors.InvariantBroken),
    (400, "BadRequest", None, errors.InvariantBroken),
    (401, "InvalidAuthenticationToken", None, errors.BadCredentials),
    (401, "unauthenticated", None, errors.BadCredentials),
    (403, "accessDenied", None, errors.PermissionDenied),
    (404, "itemNotFound", None, errors.NotFound),
    (404, "itemNotFound", "uploadSessionNotFound", errors.NotFound),
    (409, "nameAlreadyExists", None, errors.Conflict),
    (412, "resourceModified", "entityTagDoesNotMatch", errors.Conflict),
    (412, "preconditionFailed", None, errors.Conflict),
    (413, "invalidRequest", "maxFileSizeExceeded", errors.TooLarge),
    (416, "invalidRange", "fragmentOverlap", errors.InvariantBroken),
    (423, "notAllowed", "resourceLocked", errors.Locked),
    (423, "accessDenied", None, errors.Locked),
    (429, "activityLimitReached", "throttledRequest", errors.Throttled),
    (503, "serviceNotAvailable", None, errors.Throttled),
    (500, "generalException", None, errors.Unavailable),
    (502, "generalException", None, errors.Unavailable),
    (504, "generalException", None, errors.Unavailable),
    (509, "bandwidthLimitExceeded", None, errors.Unavailable),
    (507, "quotaLimitReached", "insufficientStorage", errors.ConfigError),
    (410, "resyncRequired", "resyncChangesApplyDifferences", errors.InvariantBroken),
]


def _resp(status: int, code: str, inner: str | None, headers: dict[str, str] | None = None) -> httpx.Response:
    body: dict[str, object] = {"code": code, "message": "m"}
    if inner:
        body["innerError"] = {"code": inner, "request-id": "rid"}
    return httpx.Response(status, json={"error": body}, headers={"request-id": "rid", **(headers or {})})


@pytest.mark.parametrize("status,code,inner,expected", CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_code_maps_to_error_type(status: int, code: str, inner: str | None,
                                 expected: type[errors.SyncError]) -> None:
    resp = _resp(status, code, inner, {"Retry-After": "30"} if status in (429, 503) else None)
    err = to_sync_error(resp, classify(resp), "GET /x")
    assert type(err) is expected
    assert "rid" in str(err) and code in str(err)
    if isinstance(err, errors.Throttled):
        assert err.retry_after == 30


def test_error_info_tolerates_non_json() -> None:
    info = error_info(httpx.Response(500, content=b"<html>oops</html>"))
    assert info.status == 500 and info.code == "" and info.inner_code is None
