"""v1.1 direct uploads: non-segmented (POST policy to storage) and segmented (PUT per segment, PATCH).

Rules enforced: storage requests carry no Authorization; the POST must start within the start window
(403 after); segments are 5 MiB..5 GB except the last; each PUT must match the declared size and
sha256; the completing PATCH lists the ETags in segment order; an upload must be attached within the
attach window (after that it is gone) and only by the user who created it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import time
import uuid as uuidlib
from typing import Any
from urllib.parse import urlencode

import anyio
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .blobs import CHUNK, Blob
from .downloads import BUCKET, check_presigned
from .errors import ApiError, StorageError, auth_on_storage, not_found, unprocessable
from .gate import Ctx, is_upload, route
from .models import Scope, Segment, Upload
from .store import State


def _ulid() -> str:
    return uuidlib.uuid4().hex[:26].upper()


def _segment_url(st: State, up: Upload, n: int) -> str:
    expires = str(int(up.start_deadline))
    sig = st.blobs.sign("put", up.key, str(n), expires)
    q = urlencode({"partNumber": n, "uploadId": up.uuid, "X-Amz-Expires": expires, "X-Amz-Signature": sig})
    return f"{st.storage_base}/{BUCKET}/{up.key}?{q}"


def render_upload(st: State, up: Upload) -> dict[str, Any]:
    if up.segments is None:
        policy = base64.b64encode(json.dumps(
            {"expiration": int(up.start_deadline), "conditions": [{"bucket": BUCKET}, {"key": up.key}]}
        ).encode()).decode()
        return {"uuid": up.uuid, "url": f"{st.storage_base}/{BUCKET}", "status": up.status, "fields": {
            "key": up.key, "Content-Type": up.content_type,
            "Content-Disposition": f'inline; filename="{up.filename}"', "policy": policy,
            "x-amz-credential": "EMULATOR/20260101/us-east-1/s3/aws4_request",
            "x-amz-algorithm": "AWS4-HMAC-SHA256", "x-amz-date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
            "x-amz-signature": st.blobs.sign("policy", policy),
        }}
    segments = []
    for n, seg in enumerate(up.segments, start=1):
        headers = {"x-amz-content-sha256": seg.sha256, "content-length": str(seg.size)}
        if seg.md5:
            headers["content-md5"] = base64.b64encode(bytes.fromhex(seg.md5)).decode()
        item: dict[str, Any] = {"size": seg.size, "sha256": seg.sha256, "md5": seg.md5,
                                "url": _segment_url(st, up, n), "headers": headers}
        if seg.etag and up.status == "complete":
            item["etag"] = seg.etag
        segments.append(item)
    return {"uuid": up.uuid, "segments": segments, "status": up.status}


def take_upload(ctx: Ctx, upload_uuid: str, scope: Scope) -> Blob:
    """Attach an upload to a resource: it must exist, be complete, belong to the caller, be in time."""
    st = ctx.st
    up = st.uploads.get(str(upload_uuid))
    if up is None or up.owner_user_id != ctx.me.user_id or st.now() > up.attach_deadline or up.attached:
        raise unprocessable("upload_uuid", "is invalid or has expired")
    if up.scope[0] != scope[0] or (scope[0] == "project" and up.scope != scope):
        raise unprocessable("upload_uuid", "belongs to another project or company")
    if up.status != "complete" or up.blob_key is None:
        raise unprocessable("upload_uuid", "has not been uploaded completely")
    up.attached = True
    blob = st.blobs.get(up.blob_key)
    assert blob is not None
    return blob


def _new_upload(ctx: Ctx, scope: Scope, body: dict[str, Any]) -> Upload:
    st, cfg, now = ctx.st, ctx.st.config, ctx.st.now()
    segments = None
    if body.get("segments") is not None:
        raw = body["segments"]
        if not isinstance(raw, list) or not raw:
            raise unprocessable("segments", "must be a non-empty list")
        segments = []
        for i, s in enumerate(raw):
            try:
                seg = Segment(int(s["size"]), str(s["sha256"]).lower(), s.get("md5"))
            except (KeyError, TypeError, ValueError):
                raise unprocessable("segments", "each segment needs size and sha256") from None
            last = i == len(raw) - 1
            if seg.size > cfg.max_segment_bytes or (not last and seg.size < cfg.min_segment_bytes) or seg.size < 0:
                raise unprocessable("segments", "each segment except the last must be between 5 MB and 5 GB")
            segments.append(seg)
    elif not body.get("response_filename"):
        raise unprocessable("response_filename", "can't be blank")
    return Upload(
        uuid=_ulid(), scope=scope, owner_user_id=ctx.me.user_id, created_at=now, key=st.blobs.new_key(),
        filename=str(body.get("response_filename") or "upload"),
        content_type=str(body.get("response_content_type") or "application/octet-stream"),
        segments=segments, start_deadline=now + cfg.upload_start_window_s,
        attach_deadline=now + cfg.upload_attach_window_s,
    )


def routes(st: State) -> list[Route]:
    def scope_of(ctx: Ctx) -> Scope:
        if "project_id" in ctx.request.path_params:
            return ("project", ctx.project(ctx.path_int("project_id")).id)
        return ("company", ctx.company(ctx.path_int("company_id")).id)

    def find(ctx: Ctx) -> Upload:
        up = st.uploads.get(ctx.request.path_params["uuid"])
        if up is None or up.scope != scope_of(ctx) or up.owner_user_id != ctx.me.user_id:
            raise not_found()
        return up

    async def create(ctx: Ctx) -> Response:
        up = _new_upload(ctx, scope_of(ctx), await ctx.body())
        with st.lock:
            st.uploads[up.uuid] = up
            st.extra.setdefault("upload_keys", {})[up.key] = up.uuid
        return JSONResponse(render_upload(st, up), 201)

    async def show(ctx: Ctx) -> Response:
        return JSONResponse(render_upload(st, find(ctx)))

    async def complete(ctx: Ctx) -> Response:
        up = find(ctx)
        if up.segments is None:
            raise unprocessable("segments", "this upload is not segmented")
        given = (await ctx.body()).get("segments")
        if not isinstance(given, list) or len(given) != len(up.segments):
            raise unprocessable("segments", f"must list the {len(up.segments)} segment etags in order")
        for n, (seg, item) in enumerate(zip(up.segments, given, strict=True), start=1):
            etag = str((item or {}).get("etag", "")).strip('"') if isinstance(item, dict) else ""
            if seg.etag is None or seg.path is None:
                raise unprocessable("segments", f"segment {n} has not been uploaded")
            if etag != seg.etag.strip('"'):
                raise unprocessable("segments", f"etag of segment {n} does not match (wrong order?)")
        if up.status != "complete":
            tmp = st.blobs.temp_path("join")
            paths = [seg.path for seg in up.segments if seg.path]

            def join() -> None:
                with open(tmp, "wb") as out:
                    for p in paths:
                        with open(p, "rb") as src:
                            shutil.copyfileobj(src, out, CHUNK)
                for p in paths:   # S3 keeps no parts once a multipart upload is complete
                    os.unlink(p)

            await anyio.to_thread.run_sync(join)
            up.blob_key = st.blobs.adopt(tmp, up.content_type, up.filename, key=up.key).key
            up.status = "complete"
        return JSONResponse(render_upload(st, up))

    async def storage_post(ctx: Ctx) -> Response:
        if "authorization" in ctx.request.headers:
            raise auth_on_storage()
        form = await ctx.form(max_part_size=1024 * 1024)
        policy, sig, key = str(form.get("policy", "")), str(form.get("x-amz-signature", "")), form.get("key")
        if not st.blobs.verify(sig, "policy", policy):
            raise StorageError(403, "SignatureDoesNotMatch", "The request signature does not match.")
        doc = json.loads(base64.b64decode(policy))
        uuid = st.extra.get("upload_keys", {}).get(key)
        up = st.uploads.get(uuid) if uuid else None
        if up is None or {"key": key} not in doc["conditions"]:
            raise StorageError(403, "AccessDenied", "Invalid according to Policy: Policy Condition failed: key")
        if time.time() > doc["expiration"] or st.now() > up.start_deadline:
            raise StorageError(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
        file = form.get("file")
        if not is_upload(file):
            raise StorageError(400, "InvalidArgument", "POST requires exactly one file upload per request.")
        tmp = st.blobs.temp_path("post")

        def save() -> None:
            with open(tmp, "wb") as out:
                shutil.copyfileobj(file.file, out, CHUNK)  # type: ignore[union-attr]

        await anyio.to_thread.run_sync(save)
        up.blob_key = st.blobs.adopt(tmp, up.content_type, up.filename, key=up.key).key
        up.status = "complete"
        return Response(status_code=204, headers={"ETag": f'"{up.key}"', "Location": f"{st.storage_base}/{key}"})

    async def storage_put(ctx: Ctx) -> Response:
        key = ctx.request.path_params["key"]
        part = ctx.q("partNumber") or ""
        check_presigned(ctx, "put", key, part)
        up = st.uploads.get(ctx.q("uploadId") or "")
        if up is None or up.key != key or up.segments is None or not part.isdigit():
            raise StorageError(404, "NoSuchUpload", "The specified upload does not exist.")
        if st.now() > up.start_deadline:
            raise StorageError(403, "AccessDenied", "Request has expired")
        n = int(part)
        if not 1 <= n <= len(up.segments):
            raise StorageError(400, "InvalidArgument", "Part number must be within the upload's segments.")
        seg = up.segments[n - 1]
        if ctx.request.headers.get("content-length") != str(seg.size):
            raise StorageError(400, "IncompleteBody", "Content-Length does not match the segment size.")
        if ctx.request.headers.get("x-amz-content-sha256", "").lower() != seg.sha256:
            raise StorageError(400, "XAmzContentSHA256Mismatch", "x-amz-content-sha256 does not match the segment.")
        tmp = st.blobs.temp_path(f"seg{n}")
        sha, md5, size = hashlib.sha256(), hashlib.md5(), 0
        with open(tmp, "wb") as out:
            async for chunk in ctx.request.stream():
                sha.update(chunk)
                md5.update(chunk)
                size += len(chunk)
                out.write(chunk)
        refused = _refusal(seg, size, sha.hexdigest(), md5.digest(), ctx.request.headers.get("content-md5"))
        if refused is not None:
            tmp.unlink()   # a refused part leaves nothing behind
            raise refused
        if seg.path is not None:   # a part sent again replaces the earlier one
            os.unlink(seg.path)
        seg.path, seg.etag = str(tmp), f'"{md5.hexdigest()}"'
        return Response(status_code=200, headers={"ETag": seg.etag})

    r: list[Route] = []
    for prefix in ("/rest/v1.1/projects/{project_id}", "/rest/v1.1/companies/{company_id}",
                   "/rest/v1.0/projects/{project_id}", "/rest/v1.0/companies/{company_id}"):
        r += [route(st, prefix + "/uploads", create, ["POST"]),
              route(st, prefix + "/uploads/{uuid}", show, ["GET"]),
              route(st, prefix + "/uploads/{uuid}", complete, ["PATCH"])]
    r += [route(st, "/" + BUCKET, storage_post, ["POST"], auth=False, faults=False, kind="storage"),
          route(st, "/" + BUCKET + "/{key}", storage_put, ["PUT"], auth=False, faults=False, kind="storage")]
    return r


def _refusal(seg: Segment, size: int, sha256: str, md5: bytes, given_md5: str | None) -> StorageError | None:
    """What S3 answers to a part whose bytes do not match what its upload announced, or None."""
    if size != seg.size:
        return StorageError(400, "IncompleteBody", "You did not provide the number of bytes specified.")
    if sha256 != seg.sha256:
        return StorageError(400, "XAmzContentSHA256Mismatch",
                            "The provided 'x-amz-content-sha256' header does not match what was computed.")
    if given_md5 and base64.b64decode(given_md5) != md5:
        return StorageError(400, "BadDigest", "The Content-MD5 you specified did not match what we received.")
    return None


def expire(st: State, upload_uuid: str, what: str) -> None:
    """Test switch: push a deadline into the past ("start" or "attach")."""
    up = st.uploads.get(upload_uuid)
    if up is None:
        raise ApiError(404, "no such upload")
    past = st.now() - 1
    if what == "start":
        up.start_deadline = past
    else:
        up.attach_deadline = past
