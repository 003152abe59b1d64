"""JSON batching: up to 20 requests, unique ids, dependsOn ordering, 424 for failed dependencies.

Each inner request runs through the full pipeline (auth, throttling, stats) with the outer
Authorization header, so an inner 429 with Retry-After hides inside the 200 envelope. Responses are
returned in an arbitrary order; clients correlate by id. As Graph, a batch is fully parallel (no
dependsOn) or fully sequential (every request after the first has one, on earlier requests only).
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from emulators.graph import errors
from emulators.graph.web import Ctx, json_response, route

INNER_CLIENT = ("batch", 0)   # the ASGI client of a request run inside a $batch (stats tell them apart)


def _canonical(name: str) -> str:
    """Header names as Graph writes them (Retry-After, ETag, Location; request-id stays lower)."""
    if name in ("request-id", "client-request-id"):
        return name
    return "-".join("ETag" if p == "etag" else p.capitalize() for p in name.split("-"))


def _bad(message: str) -> errors.GraphError:
    return errors.GraphError(400, "BadRequest", message)


def _validate(requests: Any, limit: int) -> list[dict[str, Any]]:
    if not isinstance(requests, list) or not requests:
        raise _bad("The batch request must contain a non-empty 'requests' array.")
    if len(requests) > limit:
        raise _bad(f"Number of batch requests exceeds the maximum of {limit}.")
    seen: set[str] = set()
    for r in requests:
        if not isinstance(r, dict) or not all(isinstance(r.get(k), str) for k in ("id", "method", "url")):
            raise _bad("Each batch request must have 'id', 'method' and 'url'.")
        if r["id"].lower() in seen:
            raise _bad(f"Batch request id '{r['id']}' is duplicated.")
        seen.add(r["id"].lower())
        if "body" in r and not {k.lower() for k in (r.get("headers") or {})} & {"content-type"}:
            raise _bad(f"Write request id : {r['id']} does not contain Content-Type header or body.")
    earlier: set[str] = set()
    for r in requests:
        deps = r.get("dependsOn") or []
        if not isinstance(deps, list):
            raise _bad(f"Request id '{r['id']}': 'dependsOn' must be an array.")
        for dep in deps:
            if str(dep).lower() not in earlier:
                raise _bad(f"Invalid dependency for request Id: {r['id']}. A request can only depend on a "
                           f"request before it in the batch.")
        earlier.add(r["id"].lower())
    with_deps = [bool(r.get("dependsOn")) for r in requests[1:]]
    if any(with_deps) and not all(with_deps):
        raise _bad("Batch should be either fully sequential or fully parallel.")
    return requests


async def _run_one(ctx: Ctx, spec: dict[str, Any]) -> dict[str, Any]:
    from emulators.graph.app import dispatch_graph  # late: app imports this module

    url = spec["url"] if spec["url"].startswith("/") else "/" + spec["url"]
    path, _, query = url.partition("?")
    headers = {k.lower(): str(v) for k, v in (spec.get("headers") or {}).items()}
    auth = ctx.header("authorization")
    if auth:
        headers["authorization"] = auth
    body = b""
    if "body" in spec:
        raw = spec["body"]
        if "json" in headers.get("content-type", ""):
            body = json.dumps(raw).encode()
        elif isinstance(raw, str):
            body = base64.b64decode(raw)
    headers["content-length"] = str(len(body))
    scope = {"type": "http", "method": spec["method"].upper(), "path": "/v1.0" + path,
             "raw_path": ("/v1.0" + path).encode(), "query_string": query.encode(),
             "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
             "scheme": "http", "server": ctx.request.scope.get("server"), "client": INNER_CLIENT,
             "root_path": "", "http_version": "1.1"}
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    resp = await dispatch_graph(ctx.rt, Request(scope, receive), path.encode())
    out: dict[str, Any] = {"id": spec["id"], "status": resp.status_code,
                           "headers": {_canonical(k): v for k, v in resp.headers.items()
                                       if k.lower() not in ("content-length",)}}
    payload = getattr(resp, "body", b"")
    if payload:
        ctype = resp.headers.get("content-type", "")
        out["body"] = json.loads(payload) if "json" in ctype else base64.b64encode(payload).decode()
    return out


@route("POST", "$batch")
async def batch(ctx: Ctx) -> Response:
    body = await ctx.json()
    requests = _validate(body.get("requests"), ctx.rt.config.batch_max_requests)
    results: dict[str, dict[str, Any]] = {}
    pending = list(requests)
    while pending:
        ready = [r for r in pending if all(str(d).lower() in {k.lower() for k in results}
                                           for d in r.get("dependsOn") or [])]
        if not ready:
            raise _bad("The dependsOn graph of the batch contains a cycle.")
        runnable: list[dict[str, Any]] = []
        for spec in ready:
            pending.remove(spec)
            failed = [d for d in spec.get("dependsOn") or []
                      if next(v for k, v in results.items() if k.lower() == str(d).lower())["status"] >= 400]
            if failed:
                results[spec["id"]] = {
                    "id": spec["id"], "status": 424, "headers": {"Content-Type": "application/json"},
                    "body": {"error": {"code": "FailedDependency",
                                       "message": "Request failed because a dependent request failed."}}}
            else:
                runnable.append(spec)
        # requests with nothing left to wait for run in parallel, as Graph runs them: a 20-request batch
        # takes about one request's time (and one injected latency), not twenty
        for spec, answer in zip(runnable, await asyncio.gather(*(_run_one(ctx, spec) for spec in runnable)),
                                strict=True):
            results[spec["id"]] = answer
    responses = list(results.values())
    random.shuffle(responses)
    return json_response({"responses": responses})
