"""Downloads: an opaque URL on the API host answers 302 to a presigned URL on the storage host.

First hop: Bearer token required (401 otherwise), the caller must see the company/project.
Storage hop: presigned (expiring HMAC), serves bytes with Range, and rejects an Authorization
header the way S3 does (400 InvalidArgument).
"""

from __future__ import annotations

import time
from urllib.parse import quote, urlencode

from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from .errors import ApiError, StorageError, auth_on_storage, not_found
from .gate import Ctx, route
from .models import Scope
from .store import State

BUCKET = "pro-core.com"


def download_url(st: State, blob_key: str, scope: Scope, company_id: int) -> str:
    """The opaque `url` the API hands out for a stored file."""
    project = str(scope[1]) if scope[0] == "project" else ""
    sig = st.blobs.sign("dl", blob_key, str(company_id), project)
    query = {"companyId": company_id, "sig": sig}
    if project:
        query["projectId"] = project
    return f"{st.api_base}/api/v5/files/us-east-1/{BUCKET}/companies/{company_id}/{blob_key}?{urlencode(query)}"


def storage_url(st: State, blob_key: str, filename: str) -> str:
    expires = str(int(time.time() + st.config.storage_url_ttl_s))
    sig = st.blobs.sign("get", blob_key, expires)
    disposition = f"attachment; filename=\"{filename}\""
    query = urlencode({"X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Expires": expires,
                       "response-content-disposition": disposition, "X-Amz-Signature": sig})
    return f"{st.storage_base}/{BUCKET}/{blob_key}?{query}"


def check_presigned(ctx: Ctx, *parts: str) -> None:
    """Common storage-hop checks: no Authorization header, valid and unexpired signature."""
    if "authorization" in ctx.request.headers:
        raise auth_on_storage()
    sig = ctx.q("X-Amz-Signature") or ""
    expires = ctx.q("X-Amz-Expires") or "0"
    if not ctx.st.blobs.verify(sig, *parts, expires):
        raise StorageError(403, "SignatureDoesNotMatch",
                           "The request signature we calculated does not match the signature you provided.")
    if time.time() > float(expires):
        raise StorageError(403, "AccessDenied", "Request has expired")


def routes(st: State) -> list[Route]:
    async def first_hop(ctx: Ctx) -> Response:
        key = ctx.request.path_params["key"]
        company = ctx.int_q("companyId")
        project = ctx.q("projectId") or ""
        if company is None or not st.blobs.verify(ctx.q("sig") or "", "dl", key, str(company), project):
            raise not_found()
        me = ctx.me
        if company not in me.companies:
            raise ApiError(403, "App is not connected to this company")
        if project and not me.sees_project(int(project)):
            raise not_found()
        blob = st.blobs.get(key)
        if blob is None:
            raise not_found()
        return RedirectResponse(storage_url(st, key, blob.filename), status_code=302)

    async def storage_get(ctx: Ctx) -> Response:
        key = ctx.request.path_params["key"]
        check_presigned(ctx, "get", key)
        blob = st.blobs.get(key)
        if blob is None:
            raise StorageError(404, "NoSuchKey", "The specified key does not exist.")
        return FileResponse(blob.path, media_type=blob.content_type, headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(blob.filename)}",
            "ETag": f'"{key}"',
        })

    return [
        route(st, "/api/v5/files/us-east-1/" + BUCKET + "/companies/{company}/{key}", first_hop, ["GET"],
              company=False, kind="api"),
        route(st, "/" + BUCKET + "/{key}", storage_get, ["GET"], auth=False, faults=False, kind="storage"),
    ]
