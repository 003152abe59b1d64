"""The test-only surface under /_emulator/ (contract §3) plus switches tests need.

POST faults, notifications, reset-stats; GET stats; GET/POST config (token lifetime, limits, upload
windows, webhook timings); POST tokens/expire, uploads/{uuid}/expire, unavailable (503 switch),
rate-limits/reset; GET events, descriptor; POST projects (one more seeded project, so tests can share a
running emulator without sharing a project). Never counted in stats, never faulted.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import uploads, webhooks
from .errors import ApiError
from .seed import seed_project
from .store import State


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def routes(st: State, descriptor: dict[str, Any]) -> list[Route]:
    async def faults(request: Request) -> Response:
        st.faults.configure(await _json(request))
        return JSONResponse(st.faults.as_dict())

    async def notifications(request: Request) -> Response:
        if request.method == "GET":   # the settings, and the deliveries queued or in flight (tests wait for 0)
            hooks = webhooks.hooks_of(st)
            with hooks.lock:
                pending = sum(len(hook.queue) for hook in hooks.hooks.values())
            return JSONResponse({**st.notifications, "pending": pending})
        body = await _json(request)
        for k in ("drop_rate", "duplicate_rate", "delay_ms"):
            st.notifications[k] = float(body.get(k, 0.0))
        return JSONResponse(st.notifications)

    async def stats(request: Request) -> Response:
        return JSONResponse(st.stats.snapshot())

    async def reset_stats(request: Request) -> Response:
        st.stats.reset()
        return JSONResponse({"ok": True})

    async def config(request: Request) -> Response:
        if request.method == "POST":
            try:
                for k, v in (await _json(request)).items():
                    setattr(st.config, k, v)
            except (ValidationError, ValueError) as exc:
                return JSONResponse({"errors": str(exc)}, 422)
        return JSONResponse(st.config.model_dump())

    async def expire_tokens(request: Request) -> Response:
        body = await _json(request)
        return JSONResponse({"expired": st.tokens.expire_all(st.now(), body.get("client_id"))})

    async def issued_tokens(request: Request) -> Response:
        return JSONResponse({"tokens": st.tokens.issued()})

    async def expire_upload(request: Request) -> Response:
        body = await _json(request)
        try:
            uploads.expire(st, request.path_params["uuid"], str(body.get("what", "attach")))
        except ApiError as exc:
            return exc.response()
        return JSONResponse({"ok": True})

    async def unavailable(request: Request) -> Response:
        body = await _json(request)
        st.faults.unavailable_count = int(body.get("count", -1))
        st.faults.unavailable_retry_after = int(body.get("retry_after", 1))
        return JSONResponse(st.faults.as_dict())

    async def reset_limits(request: Request) -> Response:
        st.limiter.reset()
        return JSONResponse({"ok": True})

    async def events(request: Request) -> Response:
        with st.lock:
            return JSONResponse(list(st.events))

    async def get_descriptor(request: Request) -> Response:
        return JSONResponse(descriptor)

    async def add_project(request: Request) -> Response:
        body = await _json(request)
        pid, name = body.get("id"), body.get("name")
        if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0 or not isinstance(name, str) or not name:
            return JSONResponse({"errors": "id (a positive integer) and name (a string) are required"}, 422)
        with st.lock:
            if pid in st.directory.projects:
                return JSONResponse({"errors": f"project {pid} exists"}, 409)
            seed, size = st.extra["seeded_as"]
            seed_project(st, pid, name, seed=seed, size=size)
        return JSONResponse({"id": pid, "name": name, "company_id": st.directory.projects[pid].company_id}, 201)

    return [
        Route("/_emulator/faults", faults, methods=["POST"]),
        Route("/_emulator/notifications", notifications, methods=["GET", "POST"]),
        Route("/_emulator/stats", stats, methods=["GET"]),
        Route("/_emulator/reset-stats", reset_stats, methods=["POST"]),
        Route("/_emulator/config", config, methods=["GET", "POST"]),
        Route("/_emulator/tokens/expire", expire_tokens, methods=["POST"]),
        Route("/_emulator/tokens", issued_tokens, methods=["GET"]),
        Route("/_emulator/uploads/{uuid}/expire", expire_upload, methods=["POST"]),
        Route("/_emulator/unavailable", unavailable, methods=["POST"]),
        Route("/_emulator/rate-limits/reset", reset_limits, methods=["POST"]),
        Route("/_emulator/events", events, methods=["GET"]),
        Route("/_emulator/descriptor", get_descriptor, methods=["GET"]),
        Route("/_emulator/projects", add_project, methods=["POST"]),
    ]
