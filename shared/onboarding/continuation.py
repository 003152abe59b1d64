"""The activity API's continuation token: where the next page starts, signed and bound to its link.

A token is `<payload>.<mac>`: the payload (base64url JSON) names the day partition and the row key
to continue after; the mac is HMAC-SHA256 over the payload, the tenant and the link with the
service's signing key (shared.secrets.signing). A token that does not verify, belongs to another
link, or names a day in the future or before the link existed is refused (400, field
`continuation`), so a caller can never make a page walk partitions it chose. Pure: no I/O.
Never imports azure.functions.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from shared.onboarding.web import ApiProblem

VERSION = 1
PURPOSE = b"pcsync-activity-continuation"
_ROW_KEY = re.compile(r"^(\d{20}-[0-9a-f]{8})?$")   # repositories.activity_key, or "" (the day's start)
MAX_TOKEN_CHARS = 512


@dataclass(frozen=True)
class Position:
    """Continue in the `day` partition after `after_key` ("" = from the day's newest row)."""

    day: date
    after_key: str = ""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, tenant_id: str, link_id: str, payload: str) -> str:
    message = b"|".join((PURPOSE, tenant_id.encode(), link_id.encode(), payload.encode()))
    return _b64(hmac.new(key, message, hashlib.sha256).digest())


def sign(key: bytes, tenant_id: str, link_id: str, position: Position) -> str:
    payload = _b64(json.dumps({"v": VERSION, "d": position.day.isoformat(), "k": position.after_key},
                              separators=(",", ":")).encode())
    return f"{payload}.{_mac(key, tenant_id, link_id, payload)}"


def refused() -> ApiProblem:
    return ApiProblem.on_field(400, "invalid_request", "continuation",
                               "continuation is not a token this API returned for this link; "
                               "start again without it.")


def verify(keys: Iterable[bytes], token: str, tenant_id: str, link_id: str, *, today: date,
           oldest: date) -> Position:
    """The position in a token signed with one of `keys` for this link, within [oldest, today];
    anything else raises the 400 of `refused()`."""
    payload, dot, mac = token.partition(".")
    if not dot or len(token) > MAX_TOKEN_CHARS:
        raise refused()
    if not any(hmac.compare_digest(_mac(key, tenant_id, link_id, payload), mac) for key in keys):
        raise refused()
    try:
        data = json.loads(_unb64(payload))
        day, after_key = date.fromisoformat(str(data["d"])), str(data["k"])
        version = data["v"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise refused() from None
    if version != VERSION or not _ROW_KEY.fullmatch(after_key) or not oldest <= day <= today:
        raise refused()
    return Position(day, after_key)
