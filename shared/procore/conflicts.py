"""Procore's one refusal that is a conflict, not our bug: creating a file or folder under a name its
folder already holds (422 `{"errors": {"name": ["has already been taken"]}}`). Told apart here, at the
client boundary, so the engine can plan it (the same name made on both sides) instead of failing.
"""

from __future__ import annotations

from typing import Any

import httpx

from shared import errors

TAKEN = "has already been taken"


class NameTaken(errors.Conflict):
    """A create refused because a live item of that name is in the folder (any case): look it up by name."""


def is_name_taken(response: httpx.Response) -> bool:
    """Is this Procore's 422 for a name already taken (and only that: other 422s stay our bug)?"""
    if response.status_code != 422:
        return False
    try:
        body: Any = response.json()
    except (ValueError, httpx.ResponseNotRead):
        return False
    found = body.get("errors") if isinstance(body, dict) else None
    messages = found.get("name") if isinstance(found, dict) else None
    return isinstance(messages, list) and any(isinstance(m, str) and TAKEN in m.lower() for m in messages)
