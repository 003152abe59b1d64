"""Tenant API keys: `pcs_<tenant id>_<secret>`, stored only as a SHA-256 of the secret.

The tenant id inside the key lets us read exactly one row to check it (no scan, no index of hashes);
the secret is 256 random bits, so a plain SHA-256 is enough (no slow KDF needed, unlike passwords).
Comparison is constant-time. Never imports azure.functions.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

PREFIX = "pcs"
_KEY = re.compile(r"^pcs_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$")


def new_api_key(tenant_id: str) -> tuple[str, str]:
    """A fresh key for `tenant_id` and the hash to store."""
    secret = secrets.token_urlsafe(32)
    return f"{PREFIX}_{tenant_id}_{secret}", hash_secret(secret)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_api_key(key: str) -> tuple[str, str] | None:
    """(tenant id, secret) from a well-formed key, else None."""
    match = _KEY.fullmatch(key.strip())
    return (match.group(1), match.group(2)) if match else None


def verify_secret(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)
