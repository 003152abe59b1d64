"""A document library's columns: list them, and add a single-line text column.

The library is addressed through its drive (`/drives/{d}/list/columns`). Adding a column that exists
already answers 400 (a duplicate name): callers list again instead of retrying the POST blindly.
"""

from __future__ import annotations

from typing import Any

from shared.graph.paths import drive_path
from shared.graph.session import GraphSession

COLUMNS_ROUTE = "/drives/{drive-id}/list/columns"
TEXT_MAX_LENGTH = 255


def column_names(session: GraphSession, drive_id: str) -> set[str]:
    """The (internal) names of the library's own columns."""
    data: Any = session.request("GET", f"{drive_path(drive_id)}/list/columns", route=COLUMNS_ROUTE).json()
    return {str(column["name"]) for column in data.get("value", []) if isinstance(column, dict) and "name" in column}


def add_text_column(session: GraphSession, drive_id: str, name: str, display_name: str) -> None:
    """A single line of text column `name` (letters and digits), shown as `display_name`."""
    session.request("POST", f"{drive_path(drive_id)}/list/columns", route=COLUMNS_ROUTE,
                    json={"name": name, "displayName": display_name, "text": {"maxLength": TEXT_MAX_LENGTH}},
                    idempotent=False)
