"""The three ASGI apps: Graph (plain HTTP: /v1.0, /_emulator), SharePoint (plain HTTP, another host
name: the pre-authenticated uploadUrl and downloadUrl) and login (TLS).

Every Graph call goes through dispatch_graph: bearer auth, URL parsing, injected faults, the route
table, Graph's error shape, request-id headers and the per-client statistics.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from emulators.graph import (  # noqa: F401 - importing the API modules registers their routes
    addressing,
    api_batch,
    api_content,
    api_delta,
    api_items,
    api_lists,
    api_mail,
    api_restore,
    api_sites,
    api_subscriptions,
    api_uploads,
    control,
)
from emulators.graph.errors import GraphError, error_response
from emulators.graph.runtime import Runtime
from emulators.graph.web import ROUTES, Ctx

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
LOG = logging.getLogger("emulators.graph")
_INTERNAL = GraphError(500, "generalException", "An unspecified error has occurred.")


def _finish(rt: Runtime, request: Request, resp: Response, request_id: str, client_id: str,
            template: str) -> Response:
    resp.headers["request-id"] = request_id
    resp.headers["client-request-id"] = request.headers.get("client-request-id") or request_id
    n_in = int(request.headers.get("content-length") or 0)
    n_out = int(resp.headers.get("content-length") or len(getattr(resp, "body", b"") or b""))
    inner = tuple(request.scope.get("client") or ()) == api_batch.INNER_CLIENT
    rt.faults.count(client_id, request.method, template, n_in, n_out, request.headers.get("user-agent"),
                    batched=inner)
    return resp


async def _faults(rt: Runtime, method: str, template: str, client_id: str) -> None:
    err, latency = rt.faults.check(method, template, client_id)
    if latency:
        await asyncio.sleep(latency)
    if err is not None:
        raise err


async def dispatch_graph(rt: Runtime, request: Request, raw_path: bytes) -> Response:
    request_id = str(uuid.uuid4())
    client_id, template = "anonymous", "unknown"
    try:
        ident = rt.authority.authenticate(request.headers.get("authorization"))
        client_id = ident.client_id
        with rt.store.lock:
            target = addressing.parse(rt.store, raw_path.decode("latin-1") or "/")
        template = target.template
        await _faults(rt, request.method, template, client_id)
        handler = ROUTES.get((request.method, target.shape))
        if handler is None:
            if any(shape == target.shape for _, shape in ROUTES):
                raise GraphError(405, "BadRequest", f"The HTTP method '{request.method}' is not "
                                 "allowed on this resource.")
            raise GraphError(400, "BadRequest", f"Resource not found for the segment "
                             f"'{target.shape.rsplit('/', 1)[-1]}'.")
        resp = await handler(Ctx(rt, request, target, ident, request_id))
    except GraphError as err:
        resp = error_response(err, request_id, request.headers.get("client-request-id"))
    except Exception:   # an emulator bug still answers in Graph's shape (and is logged)
        LOG.exception("unhandled error in %s %s", request.method, template)
        resp = error_response(_INTERNAL, request_id, request.headers.get("client-request-id"))
    return _finish(rt, request, resp, request_id, client_id, template)


async def _guarded(rt: Runtime, request: Request, template: str, client_id: str, work) -> Response:  # noqa: ANN001
    """Pre-authenticated URLs: faults, Graph errors, headers and stats, attributed to `client_id`."""
    request_id = str(uuid.uuid4())
    try:
        await _faults(rt, request.method, template, client_id)
        resp = await work()
    except GraphError as err:
        resp = error_response(err, request_id, request.headers.get("client-request-id"))
    return _finish(rt, request, resp, request_id, client_id, template)


def graph_app(rt: Runtime) -> Starlette:
    async def graph_endpoint(request: Request) -> Response:
        raw = request.scope.get("raw_path") or request.url.path.encode()
        return await dispatch_graph(rt, request, raw[len(b"/v1.0"):])

    return Starlette(routes=[
        Route("/v1.0/{rest:path}", graph_endpoint, methods=METHODS),
        Mount("/_emulator", routes=control.routes(rt)),
    ])


def sharepoint_app(rt: Runtime) -> Starlette:
    """What Graph hands out on the tenant's SharePoint host: upload sessions and download URLs."""
    async def upload_endpoint(request: Request) -> Response:
        template = "/_api/v2.0/drives/{drive-id}/items/{item-id}/uploadSession"

        session = rt.store.sessions.get(request.query_params.get("guid", "").strip("'"))
        who = session.identity.client_id if session else "pre-authenticated"
        return await _guarded(rt, request, template, who,
                              lambda: api_uploads.upload_endpoint(rt, request))

    async def download_endpoint(request: Request) -> Response:
        template = "/_layouts/15/download.aspx"

        q = request.query_params
        who = rt.check_download(q.get("d", ""), q.get("i", ""), q.get("tempauth", ""))

        async def work() -> Response:
            return api_content.serve_download(rt, request)
        return await _guarded(rt, request, template, who or "pre-authenticated", work)

    return Starlette(routes=[
        Route("/_api/v2.0/{rest:path}", upload_endpoint, methods=METHODS),
        Route("/_layouts/15/download.aspx", download_endpoint, methods=["GET"]),
    ])


def login_app(rt: Runtime) -> Starlette:
    async def openid(request: Request) -> Response:
        return rt.authority.openid_configuration(request.path_params["tenant"])

    async def token(request: Request) -> Response:
        return await rt.authority.token(request, request.path_params["tenant"])

    return Starlette(routes=[
        Route("/{tenant}/v2.0/.well-known/openid-configuration", openid, methods=["GET"]),
        Route("/{tenant}/oauth2/v2.0/token", token, methods=["POST"]),
    ])
