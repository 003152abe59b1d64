"""Issued access tokens: opaque strings bound to an identity, with an expiry and revocation."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

from .config import Identity


@dataclass
class Token:
    value: str
    identity: Identity
    created_at: float
    expires_at: float
    revoked: bool = False

    def valid(self, now: float) -> bool:
        return not self.revoked and now < self.expires_at


class TokenRegistry:
    def __init__(self) -> None:
        self._tokens: dict[str, Token] = {}
        self._lock = threading.Lock()

    def issue(self, identity: Identity, now: float, lifetime_s: int) -> Token:
        token = Token("pc_" + secrets.token_urlsafe(32), identity, now, now + lifetime_s)
        with self._lock:
            self._tokens[token.value] = token
        return token

    def issued(self) -> list[str]:
        """Every access token issued (a log scan checks that none was ever logged)."""
        with self._lock:
            return list(self._tokens)

    def lookup(self, value: str) -> Token | None:
        with self._lock:
            return self._tokens.get(value)

    def revoke(self, value: str) -> None:
        with self._lock:
            token = self._tokens.get(value)
            if token:
                token.revoked = True

    def expire_all(self, now: float, client_id: str | None = None) -> int:
        """Test switch: every live token (of one client, or all) expires now."""
        n = 0
        with self._lock:
            for token in self._tokens.values():
                if (client_id is None or token.identity.client_id == client_id) and token.expires_at > now:
                    token.expires_at = now
                    n += 1
        return n
