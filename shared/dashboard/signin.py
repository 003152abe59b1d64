"""One-time dashboard sign-in codes, so a link can open the dashboard signed in without a key in a URL.

A code is `<id>.<secret>`: the row keyed by the id holds the caller's own key (tenant API key or operator
key) sealed with AES-GCM under sha256(secret); the secret is never stored, so the table alone reveals
no key. Exchanging deletes the row (ETag-conditional: one exchange wins) and expires after
SIGN_IN_CODE_TTL_S. Never imports azure.functions.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared import errors
from shared.dashboard.schemas import SIGN_IN_CODE_TTL_S, SignInResponse
from shared.models.rows import SignInRow
from shared.onboarding.api_keys import parse_api_key, verify_secret
from shared.onboarding.web import ApiProblem
from shared.store.repositories import SIGN_IN_PARTITION, Repositories

_SECRET_BYTES = 24


def _cipher(secret: str) -> AESGCM:
    return AESGCM(hashlib.sha256(secret.encode()).digest())


def _invalid() -> ApiProblem:
    return ApiProblem.on_field(400, "invalid_code", "code",
                               "The sign-in code is not valid: it was used already, it expired, or it is wrong. "
                               "Ask for a new sign-in link.")


def create_code(repos: Repositories, tenant_id: str, kind: str, key: str, now: datetime | None = None,
                ttl_s: int = SIGN_IN_CODE_TTL_S) -> tuple[str, datetime]:
    """A new one-time code carrying `key`, and when it expires."""
    now = now or datetime.now(UTC)
    code_id, secret = uuid.uuid4().hex, secrets.token_urlsafe(_SECRET_BYTES)
    nonce = secrets.token_bytes(12)
    sealed = _cipher(secret).encrypt(nonce, key.encode(), code_id.encode())
    expires = now + timedelta(seconds=ttl_s)
    repos.sign_ins.create(SignInRow(code_id=code_id, tenant_id=tenant_id, kind=kind,
                                    nonce=base64.b64encode(nonce).decode(),
                                    sealed_key=base64.b64encode(sealed).decode(), expires_at=expires))
    return f"{code_id}.{secret}", expires


def exchange_code(repos: Repositories, code: str, now: datetime | None = None) -> SignInResponse:
    """The key the code carries, once; 400 `invalid_code` for a used, expired, wrong or revoked one."""
    now = now or datetime.now(UTC)
    code_id, _, secret = code.partition(".")
    if len(code_id) != 32 or not secret or any(c not in "0123456789abcdef" for c in code_id):
        raise _invalid()
    stored = repos.sign_ins.get(SIGN_IN_PARTITION, code_id)
    if stored is None:
        raise _invalid()
    row = stored.row
    try:   # spend it first, conditionally: of two exchanges racing, one wins
        spent = repos.sign_ins.replace(row.model_copy(update={"sealed_key": "", "expires_at": now}), stored.etag)
    except errors.Conflict:
        raise _invalid() from None
    repos.sign_ins.delete(SIGN_IN_PARTITION, code_id, spent.etag)
    if row.expires_at <= now:
        raise _invalid()
    try:
        key = _cipher(secret).decrypt(base64.b64decode(row.nonce), base64.b64decode(row.sealed_key),
                                      code_id.encode()).decode()
    except InvalidTag:
        raise _invalid() from None
    if row.kind == "tenant" and not _tenant_key_valid(repos, row.tenant_id, key):
        raise _invalid()                  # rotated since: the code dies with the key
    return SignInResponse(kind="operator" if row.kind == "operator" else "tenant", tenant_id=row.tenant_id, key=key)


def _tenant_key_valid(repos: Repositories, tenant_id: str, key: str) -> bool:
    parsed = parse_api_key(key)
    tenant = repos.get_tenant(tenant_id)
    return parsed is not None and tenant is not None and parsed[0] == tenant_id and verify_secret(
        parsed[1], tenant.row.api_key_hash)
