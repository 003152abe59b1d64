"""OAuth 2.0 on the login host: client-credentials tokens, introspection and revocation.

Errors follow RFC 6749 (`{"error", "error_description"}`) as Doorkeeper, Procore's OAuth server, sends them.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .errors import ApiError
from .gate import Ctx, route
from .store import State

UNKNOWN_CLIENT = (
    "Client authentication failed due to unknown client, no client authentication included, "
    "or unsupported authentication method."
)


async def _params(request: Request) -> dict[str, Any]:
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            body = {}
        return body if isinstance(body, dict) else {}
    async with request.form() as form:
        params: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        try:
            cid, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            params.setdefault("client_id", cid)
            params.setdefault("client_secret", secret)
        except ValueError:
            pass
    return params


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status)


def routes(st: State) -> list[Route]:
    async def token(ctx: Ctx) -> Response:
        p = await _params(ctx.request)
        grant = p.get("grant_type")
        identity = st.directory.identities.get(str(p.get("client_id", "")))
        if identity is not None:
            ctx.request.state.client_id = identity.client_id
        if grant not in ("client_credentials", "authorization_code", "refresh_token"):
            return _oauth_error(400, "unsupported_grant_type",
                                "The authorization grant type is not supported by the authorization server.")
        if identity is None or identity.client_secret != p.get("client_secret"):
            return _oauth_error(401, "invalid_client", UNKNOWN_CLIENT)
        if grant != "client_credentials":
            return _oauth_error(400, "invalid_grant",
                                "The provided authorization grant is invalid, expired, revoked, does not match "
                                "the redirection URI used in the authorization request, or was issued to "
                                "another client.")
        t = st.tokens.issue(identity, st.now(), st.config.token_lifetime_s)
        return JSONResponse({"access_token": t.value, "token_type": "bearer",
                             "expires_in": st.config.token_lifetime_s, "created_at": int(t.created_at)})

    async def info(ctx: Ctx) -> Response:
        header = ctx.request.headers.get("authorization", "")
        t = st.tokens.lookup(header.partition(" ")[2].strip()) if header.lower().startswith("bearer ") else None
        if t is None or not t.valid(st.now()):
            raise ApiError(401, "The access token is invalid")
        ctx.request.state.client_id = t.identity.client_id
        return JSONResponse({
            "resource_owner_id": t.identity.user_id, "scopes": [],
            "expires_in_seconds": max(0, int(t.expires_at - st.now())),
            "application": {"uid": t.identity.client_id}, "created_at": int(t.created_at),
        })

    async def revoke(ctx: Ctx) -> Response:
        p = await _params(ctx.request)
        st.tokens.revoke(str(p.get("token", "")))
        return JSONResponse({})

    return [
        route(st, "/oauth/token", token, ["POST"], auth=False, faults=False, kind="oauth"),
        route(st, "/oauth/token/info", info, ["GET"], auth=False, faults=False, kind="oauth"),
        route(st, "/oauth/revoke", revoke, ["POST"], auth=False, faults=False, kind="oauth"),
    ]
