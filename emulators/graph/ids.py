"""Realistic identifier formats: composite site ids, `b!` drive ids, 34-char `01…` item ids.

All ids are opaque to clients; these only look like SharePoint's so clients do not depend on shape.
"""

from __future__ import annotations

import base64
import secrets
import uuid

_ITEM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def new_guid() -> str:
    return str(uuid.uuid4())


def site_id(hostname: str, site_guid: str, web_guid: str) -> str:
    return f"{hostname},{site_guid},{web_guid}"


def drive_id(site_guid: str, web_guid: str, list_guid: str) -> str:
    raw = uuid.UUID(site_guid).bytes + uuid.UUID(web_guid).bytes + uuid.UUID(list_guid).bytes
    return "b!" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def item_id() -> str:
    return "01" + "".join(secrets.choice(_ITEM_ALPHABET) for _ in range(32))


def opaque_token(nbytes: int = 24) -> str:
    return secrets.token_urlsafe(nbytes)
