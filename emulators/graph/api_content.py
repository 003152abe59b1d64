"""File content: GET /content (302 to a pre-authenticated URL serving Range), simple PUT upload
(stored rewritten when it is an Office file and the `office_rewrite` switch is on, see office.py)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from emulators.graph import errors, tree
from emulators.graph.api_items import CONFLICT_KEY, item_response
from emulators.graph.office import rewrite_office_file
from emulators.graph.runtime import Runtime
from emulators.graph.web import Ctx, route

READ_CHUNK = 256 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@route("GET", "drives/{d}/item/content")
async def get_content(ctx: Ctx) -> Response:
    with ctx.store.lock:
        item = ctx.item()
        if item.is_folder:
            raise errors.GraphError(400, "invalidRequest", "The item is a folder and has no content.")
        return Response(status_code=302,
                        headers={"Location": ctx.rt.download_url(item, ctx.ident.client_id)})


async def stream_to_file(request: Request, path: Path, limit: int | None = None) -> int:
    written = 0
    with open(path, "wb") as fh:
        async for chunk in request.stream():
            written += len(chunk)
            if limit is not None and written > limit:
                raise errors.GraphError(413, "invalidRequest", "The request is too large for a simple "
                                        "upload; use an upload session.", "maxFileSizeExceeded")
            fh.write(chunk)
    return written


@route("PUT", "drives/{d}/item/content")
async def put_content(ctx: Ctx) -> Response:
    limit = ctx.rt.config.simple_upload_limit
    declared = ctx.header("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise errors.GraphError(413, "invalidRequest", "The request is too large for a simple upload; "
                                "use an upload session.", "maxFileSizeExceeded")
    behavior = ctx.query.get(CONFLICT_KEY, "replace")
    with ctx.store.lock:  # fail fast before reading the body
        parent, name, existing = ctx.parent_and_name()
        if existing is not None:
            if existing.is_folder:
                raise errors.invalid_request("Cannot write content to a folder.")
            ctx.store.check_lock(existing)
        tree.check_if_match(existing, ctx.header("if-match"), ctx.header("if-none-match"))
    staging = ctx.store.blobs.new_staging()
    try:
        await stream_to_file(ctx.request, staging, limit)
        if ctx.rt.config.office_rewrite:
            await run_in_threadpool(rewrite_office_file, staging, name)
        digest = await run_in_threadpool(ctx.store.blobs.hash, staging)
        with ctx.store.lock:
            parent, name, existing = ctx.parent_and_name()
            tree.check_if_match(existing, ctx.header("if-match"), ctx.header("if-none-match"))
            target = existing if existing is not None and behavior == "replace" else None
            if existing is not None and not ctx.target.path:
                target = existing  # addressed by id: always replaces that item
            item, created = tree.write_file(ctx.store, ctx.drive(), parent, name, staging, digest,
                                            behavior, ctx.ident, target)
            return item_response(ctx, item, 201 if created else 200)
    finally:
        ctx.store.blobs.discard(staging)


def _parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    if not header:
        return None
    m = _RANGE.match(header.strip())
    if not m or (not m.group(1) and not m.group(2)):
        return None
    if m.group(1):
        start = int(m.group(1))
        end = int(m.group(2)) if m.group(2) else size - 1
    else:
        start, end = max(0, size - int(m.group(2))), size - 1
    end = min(end, size - 1)
    if start > end or start >= size:
        raise errors.GraphError(416, "invalidRange", "The requested range is not satisfiable.",
                                headers={"Content-Range": f"bytes */{size}"})
    return start, end


class DroppedConnection(Exception):
    """Raised mid-body to make uvicorn cut the connection (the download-drop test switch)."""


async def _file_chunks(fh: BinaryIO, start: int, length: int, drop_after: int | None) -> AsyncIterator[bytes]:
    with fh:
        fh.seek(start)
        left, sent = length, 0
        while left > 0:
            chunk = fh.read(min(READ_CHUNK, left))
            if not chunk:
                break
            if drop_after is not None and sent + len(chunk) > drop_after:
                yield chunk[: drop_after - sent]
                raise DroppedConnection
            left -= len(chunk)
            sent += len(chunk)
            yield chunk


def serve_download(rt: Runtime, request: Request) -> Response:
    """The pre-authenticated download URL: no Authorization needed, Range supported, expires."""
    q = request.query_params
    drive_id, item_id, tempauth = q.get("d", ""), q.get("i", ""), q.get("tempauth", "")
    who = rt.check_download(drive_id, item_id, tempauth)
    if who is None:
        raise errors.GraphError(401, "unauthenticated", "The download link has expired or is invalid.")
    with rt.store.lock:
        drive = rt.store.drive(drive_id)
        item = rt.store.item(drive, item_id)
        path, size, etag = item.blob, item.size, item.etag
        if path is None:
            raise errors.not_found()
        rng = _parse_range(request.headers.get("range"), size)
        fh = open(path, "rb")   # open now: this version stays readable even if replaced meanwhile
    start, end = rng if rng else (0, size - 1)
    length = max(0, end - start + 1)
    headers = {"Content-Length": str(length), "ETag": etag, "Accept-Ranges": "bytes"}
    status = 200
    if rng:
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"

    drop = rt.faults.take_download_drop()
    return StreamingResponse(_file_chunks(fh, start, length, drop), status_code=status, headers=headers,
                             media_type="application/octet-stream")
