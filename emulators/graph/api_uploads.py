"""Upload sessions: createUploadSession and the pre-authenticated uploadUrl (PUT/GET/DELETE/POST).

Rules: uploadUrl rejects Authorization (401); fragments in order, each < 60 MiB and (except the last)
a multiple of 320 KiB; Content-Range `bytes a-b/total` with a constant total and Content-Length equal
to the range; 416 on overlap; 404 once expired; last fragment commits (201 new / 200 replaced) or 409
on a name clash at commit; deferCommit commits on an empty POST. With the `office_rewrite` switch an
Office file is stored rewritten at commit (office.py). nextExpectedRanges is "0-" until a fragment
fixed the total, then closed, "start-end" (the end being total - 1), as SharePoint answers; the
`open_ended_ranges` switch answers "start-" instead, the form of Graph's own examples.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from emulators.graph import errors, ids, naming, tree
from emulators.graph.api_items import CONFLICT_KEY, _parse_time
from emulators.graph.office import rewrite_office_file
from emulators.graph.runtime import Runtime
from emulators.graph.serialize import item_json
from emulators.graph.state import UploadSession, iso, utcnow
from emulators.graph.web import Ctx, json_response, route

_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


@route("POST", "drives/{d}/item/createUploadSession")
async def create_session(ctx: Ctx) -> Response:
    body = await ctx.json()
    spec: dict[str, Any] = body.get("item") or {}
    behavior = spec.get(CONFLICT_KEY, "fail")
    if behavior not in tree.CONFLICT_BEHAVIORS:
        raise errors.invalid_request(f"Invalid value for {CONFLICT_KEY}: {behavior}")
    rt, store = ctx.rt, ctx.store
    with store.lock:
        drive = ctx.drive()
        parent, name, existing = ctx.parent_and_name()
        if ctx.target.path and spec.get("name") not in (None, name):
            raise errors.invalid_request("Name specified in the path doesn't match the name specified "
                                         "in the request body.")
        if existing is not None and existing.is_folder:
            raise errors.invalid_request("Cannot upload content to a folder.")
        tree.check_if_match(existing, ctx.header("if-match"), ctx.header("if-none-match"))
        target_id = None
        if existing is not None:
            if ctx.target.path and behavior == "fail":
                raise errors.name_exists(name)
            if not ctx.target.path or behavior == "replace":
                store.check_lock(existing)
                target_id = existing.id
        if target_id is None:
            naming.check_name(name, is_folder=False, at_root=parent.id == drive.root_id)
            naming.check_path_length(store.full_decoded_path(drive, parent, name),
                                     rt.config.max_path_chars)
        fsi = spec.get("fileSystemInfo") or {}
        session = UploadSession(
            id=ids.new_guid(), tempauth=ids.opaque_token(48), drive_id=drive.id, parent_id=parent.id,
            name=name, target_id=target_id, conflict_behavior=behavior,
            expires=utcnow() + dt.timedelta(seconds=rt.config.upload_session_lifetime_s),
            path=store.blobs.new_staging(), identity=ctx.ident,
            defer_commit=bool(body.get("deferCommit")),
            declared_size=spec.get("fileSize") if isinstance(spec.get("fileSize"), int) else None,
            fs_created=_parse_time(fsi.get("createdDateTime")),
            fs_modified=_parse_time(fsi.get("lastModifiedDateTime")),
            if_match=ctx.header("if-match"),
        )
        store.sessions[session.id] = session
    return json_response({
        "@odata.context": f"{rt.graph_base}/$metadata#microsoft.graph.uploadSession",
        "expirationDateTime": iso(session.expires),
        "nextExpectedRanges": ["0-"],
        "uploadUrl": rt.upload_url(session.id, drive.id, parent.id, session.tempauth),
    })


def find_session(rt: Runtime, request: Request) -> UploadSession:
    if "authorization" in request.headers:
        raise errors.GraphError(401, "unauthenticated", "Unauthenticated")
    guid = request.query_params.get("guid", "").strip("'")
    session = rt.store.sessions.get(guid)
    if session is None or session.tempauth != request.query_params.get("tempauth"):
        raise errors.GraphError(404, "itemNotFound", "The upload session was not found.",
                                "uploadSessionNotFound")
    if session.expires < utcnow():
        drop_session(rt, session)
        raise errors.GraphError(404, "itemNotFound", "The upload session was not found.",
                                "uploadSessionNotFound")
    return session


def drop_session(rt: Runtime, session: UploadSession) -> None:
    rt.store.sessions.pop(session.id, None)
    rt.store.blobs.discard(session.path)


def status_body(rt: Runtime, session: UploadSession) -> dict[str, Any]:
    if session.total is not None and session.received >= session.total:
        ranges: list[str] = []
    elif session.total is None or rt.config.open_ended_ranges:
        ranges = [f"{session.received}-"]
    else:
        ranges = [f"{session.received}-{session.total - 1}"]
    return {"expirationDateTime": iso(session.expires), "nextExpectedRanges": ranges}


def _check_fragment(rt: Runtime, session: UploadSession, request: Request) -> tuple[int, int, int]:
    match = _CONTENT_RANGE.match(request.headers.get("content-range", "").strip())
    if not match:
        raise errors.invalid_request("The Content-Range header is missing or malformed.")
    start, end, total = (int(g) for g in match.groups())
    length = request.headers.get("content-length")
    if length is None or not length.isdigit() or int(length) != end - start + 1 or end < start:
        raise errors.invalid_request("The Content-Length header doesn't match the Content-Range.",
                                     "fragmentLengthMismatch")
    expected_total = session.total if session.total is not None else session.declared_size
    if expected_total is not None and total != expected_total:
        raise errors.invalid_request(f"The current upload session is for {expected_total} total bytes, "
                                     f"but the current fragment declares a total of {total}.")
    if end >= total:
        raise errors.invalid_request("The Content-Range is beyond the declared total.")
    n = end - start + 1
    if n >= rt.config.max_fragment_bytes:
        raise errors.invalid_request("The fragment is too large: each request must be under 60 MiB.")
    if end + 1 < total and n % rt.config.fragment_multiple:
        raise errors.invalid_request("Fragment size must be a multiple of 320 KiB (327,680 bytes) "
                                     "except for the last fragment.")
    if start < session.received:
        raise errors.GraphError(416, "invalidRange", "The uploaded fragment overlaps with data that "
                                "has already been received.", "fragmentOverlap")
    if start > session.received:
        raise errors.GraphError(416, "invalidRange", "Fragments must be uploaded in order; expected "
                                f"the range to start at {session.received}.", "fragmentOutOfOrder")
    return start, end, total


async def put_fragment(rt: Runtime, request: Request) -> Response:
    with rt.store.lock:
        session = find_session(rt, request)
        start, end, total = _check_fragment(rt, session, request)
        session.total = total
    drop_after = rt.faults.take_upload_drop()
    got = 0
    with open(session.path, "r+b") as fh:
        fh.seek(start)
        try:
            async for chunk in request.stream():
                if drop_after is not None and got + len(chunk) > drop_after:
                    fh.write(chunk[: drop_after - got])
                    got = drop_after
                    break
                fh.write(chunk)
                got += len(chunk)
        except ClientDisconnect:
            drop_after, got = None, 0      # an interrupted fragment is discarded
        fh.truncate(start + got)
    n = end - start + 1
    with rt.store.lock:
        if got != n:
            # a dropped fragment: the service may keep the part it received (nextExpectedRanges)
            session.received = start + (got if drop_after is not None else 0)
            raise errors.GraphError(500, "generalException", "An unspecified error has occurred.")
        session.received = end + 1
        if session.received < total or session.defer_commit:
            return json_response(status_body(rt, session), 202)
    return await commit(rt, session)


async def commit(rt: Runtime, session: UploadSession) -> Response:
    if session.total is None or session.received < session.total:
        raise errors.invalid_request("The upload session is incomplete.", "uploadSessionIncomplete")
    if rt.config.office_rewrite and not session.rewritten:   # a commit retried after a 409 rewrites once
        session.rewritten = await run_in_threadpool(rewrite_office_file, session.path, session.name)
    digest = await run_in_threadpool(rt.store.blobs.hash, session.path)
    store = rt.store
    with store.lock:
        drive = store.drive(session.drive_id)
        parent = store.item(drive, session.parent_id)
        target = store.item(drive, session.target_id) if session.target_id else None
        if target is None and session.conflict_behavior == "replace":
            target = store.child(parent, session.name)
        tree.check_if_match(target, session.if_match)
        staging = session.path
        item, created = tree.write_file(store, drive, parent, session.name, staging, digest,
                                        session.conflict_behavior, session.identity, target,
                                        session.fs_created, session.fs_modified)
        store.sessions.pop(session.id, None)
        body = item_json(store, item, lambda i: rt.download_url(i, session.identity.client_id))
        return json_response(body, 201 if created else 200)


async def upload_endpoint(rt: Runtime, request: Request) -> Response:
    if request.method == "PUT":
        return await put_fragment(rt, request)
    with rt.store.lock:
        session = find_session(rt, request)
        if request.method == "GET":
            return json_response(status_body(rt, session))
        if request.method == "DELETE":
            drop_session(rt, session)
            return Response(status_code=204)
    if request.method == "POST":
        return await commit(rt, session)
    raise errors.GraphError(405, "invalidRequest", "Method not allowed.")
