"""Function keys: the master key (stack.json's `admin_key`) and one host-level function key.

Enforced like a deployed host, not like Core Tools (which disables auth locally): ANONYMOUS needs no
key, FUNCTION takes the function key or the master key, ADMIN only the master key. Keys arrive in the
`x-functions-key` header or the `code` query parameter; comparison is constant-time.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

import azure.functions as func

KEY_HEADER = "x-functions-key"
KEY_QUERY = "code"


def generate_key() -> str:
    """A random key in the shape the host uses (URL-safe base64, 56 characters)."""
    return secrets.token_urlsafe(42)


@dataclass(frozen=True)
class Keys:
    master: str
    function: str

    @classmethod
    def create(cls, master: str | None = None, function: str | None = None) -> Keys:
        return cls(master or generate_key(), function or generate_key())


def presented_key(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The key a caller sent: the header wins over the `code` query parameter (headers lower-cased)."""
    return headers.get(KEY_HEADER) or query.get(KEY_QUERY) or None


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def is_authorized(level: func.AuthLevel, key: str | None, keys: Keys) -> bool:
    """Whether `key` opens a function declared with auth `level`."""
    if level == func.AuthLevel.ANONYMOUS:
        return True
    if not key:
        return False
    if _same(key, keys.master):
        return True
    return level == func.AuthLevel.FUNCTION and _same(key, keys.function)
