"""Custom column values (listItem fields) of a driveItem: read and update.

Each update creates a new version and changes the item's eTag (not its cTag) and appears in
delta, so callers record the resulting eTag to recognise the echo.
"""

from __future__ import annotations

from typing import Any

from shared.graph.paths import item_path
from shared.graph.session import GraphSession

FIELDS_ROUTE = "/drives/{drive-id}/items/{item-id}/listItem/fields"


def get_fields(session: GraphSession, drive_id: str, item_id: str) -> dict[str, Any]:
    data = session.request("GET", f"{item_path(drive_id, item_id)}/listItem/fields", route=FIELDS_ROUTE).json()
    assert isinstance(data, dict)
    return data


def update_fields(session: GraphSession, drive_id: str, item_id: str, values: dict[str, Any],
                  if_match: str | None = None) -> dict[str, Any]:
    headers = {"If-Match": if_match} if if_match else {}
    data = session.request("PATCH", f"{item_path(drive_id, item_id)}/listItem/fields", json=values,
                           headers=headers, route=FIELDS_ROUTE).json()
    assert isinstance(data, dict)
    return data
