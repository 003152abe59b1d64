"""Who may call a tenant route: the tenant's own API key (`Authorization: Bearer pcs_...`), checked here.

Tenant routes are ANONYMOUS at the host, so this check is the only gate: a missing or wrong key is
401; a good key for another tenant than the one in the path is 404, exactly as for an id that does
not exist, so a key never learns about other tenants. The secret is compared in constant time, and
an unknown tenant costs the same hash-and-compare as a known one. Operators use the host-checked
`operator/...` mirror routes instead (see handlers.py). Never imports azure.functions.
"""

from __future__ import annotations

import re

from shared.models.rows import TenantRow
from shared.onboarding.api_keys import hash_secret, parse_api_key, verify_secret
from shared.onboarding.web import ApiProblem, ApiRequest, not_found
from shared.store.repositories import Repositories
from shared.store.tables import Stored

ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
_DUMMY_HASH = hash_secret("no tenant has this secret")
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="pcsync", error="invalid_token"'}


def unauthorized(message: str = "Send the tenant API key as 'Authorization: Bearer <key>'.") -> ApiProblem:
    return ApiProblem(401, "unauthorized", message, headers=_CHALLENGE)


def bearer_token(request: ApiRequest) -> str | None:
    scheme, _, value = (request.header("authorization") or "").strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def check_id(value: str | None, what: str) -> str:
    """Route ids are our own 32-hex ids; anything else cannot exist (404, and never a table key)."""
    if value is None or not ID_PATTERN.fullmatch(value):
        raise not_found(what)
    return value


def authenticate_tenant(repos: Repositories, request: ApiRequest) -> Stored[TenantRow]:
    """The tenant whose API key the request carries; 401 otherwise."""
    token = bearer_token(request)
    parsed = parse_api_key(token) if token else None
    if parsed is None:
        raise unauthorized()
    tenant_id, secret = parsed
    stored = repos.get_tenant(tenant_id)
    ok = verify_secret(secret, stored.row.api_key_hash if stored else _DUMMY_HASH)
    if stored is None or not ok:
        raise unauthorized("The API key is not valid (wrong, rotated, or for a tenant that does not exist).")
    return stored


def tenant_for_path(repos: Repositories, request: ApiRequest) -> TenantRow:
    """Authenticate, then insist the path's tenant is the key's tenant (404 otherwise)."""
    stored = authenticate_tenant(repos, request)
    path_tenant = check_id(request.route.get("tenant_id"), "tenant")
    if path_tenant != stored.row.tenant_id:
        raise not_found("tenant")
    return stored.row


def tenant_for_operator(repos: Repositories, request: ApiRequest) -> TenantRow:
    """Operator routes: the host already checked the function key; the path names the tenant."""
    tenant_id = check_id(request.route.get("tenant_id"), "tenant")
    stored = repos.get_tenant(tenant_id)
    if stored is None:
        raise not_found("tenant")
    return stored.row
