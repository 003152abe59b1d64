"""A library's custom columns: make sure the ones a tool shows exist (created once per library).

Columns are created on the documented path `POST /sites/{site}/lists/{list}/columns`, the list id read
from `GET /drives/{drive}/list` (graph-api.md §10). A library checked once is remembered for the life of
the process, so a column costs one GET per library and process, and one POST when it is missing.
The record tools add single-line text columns through the library's drive (`/drives/{d}/list/columns`,
`column_names` and `add_text_column`); a column that exists already answers 400 there (a duplicate name),
so callers list again instead of retrying the POST blindly. Never imports azure.functions.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from shared import errors
from shared.graph.paths import drive_path, encode_segment
from shared.graph.session import GraphSession

LIST_ROUTE = "/drives/{drive-id}/list"
COLUMNS_ROUTE = "/sites/{site-id}/lists/{list-id}/columns"
ColumnKind = Literal["text", "note", "dateTime"]


class ColumnDef(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    display_name: str
    kind: ColumnKind


_checked: set[tuple[str, str]] = set()
_lock = threading.Lock()


def column_body(column: ColumnDef) -> dict[str, Any]:
    """The columnDefinition Graph takes for one column (one type facet)."""
    facet: dict[str, Any]
    if column.kind == "dateTime":
        facet = {"dateTime": {"format": "dateTime", "displayAs": "standard"}}
    elif column.kind == "note":
        facet = {"text": {"allowMultipleLines": True, "linesForEditing": 6}}
    else:
        facet = {"text": {"maxLength": 255}}
    return {"name": column.name, "displayName": column.display_name, **facet}


def list_id(session: GraphSession, drive_id: str) -> str:
    data = session.request("GET", f"{drive_path(drive_id)}/list", route=LIST_ROUTE).json()
    assert isinstance(data, dict)
    return str(data["id"])


def ensure_columns(session: GraphSession, site_id: str, drive_id: str, columns: Iterable[ColumnDef]) -> None:
    """Create the library's missing columns among `columns` (a duplicate made meanwhile is fine)."""
    wanted = list(columns)
    key = (drive_id, ",".join(sorted(c.name for c in wanted)))
    with _lock:
        if key in _checked:
            return
    base = f"/sites/{encode_segment(site_id)}/lists/{encode_segment(list_id(session, drive_id))}/columns"
    existing = _names(session, base)
    for column in wanted:
        if column.name in existing:
            continue
        try:
            session.request("POST", base, route=COLUMNS_ROUTE, json=column_body(column))
        except errors.SyncError:
            if column.name not in _names(session, base):   # else another worker made it first
                raise
    with _lock:
        _checked.add(key)


def _names(session: GraphSession, base: str) -> set[str]:
    data = session.request("GET", base, route=COLUMNS_ROUTE).json()
    return {str(c.get("name")) for c in data.get("value", [])} if isinstance(data, dict) else set()


def forget_checked() -> None:
    """Forget which libraries were checked (tests that reset the emulator)."""
    with _lock:
        _checked.clear()


DRIVE_COLUMNS_ROUTE = "/drives/{drive-id}/list/columns"
TEXT_MAX_LENGTH = 255


def column_names(session: GraphSession, drive_id: str) -> set[str]:
    """The (internal) names of the library's own columns."""
    data: Any = session.request("GET", f"{drive_path(drive_id)}/list/columns", route=DRIVE_COLUMNS_ROUTE).json()
    return {str(column["name"]) for column in data.get("value", []) if isinstance(column, dict) and "name" in column}


def add_text_column(session: GraphSession, drive_id: str, name: str, display_name: str) -> None:
    """A single line of text column `name` (letters and digits), shown as `display_name`."""
    session.request("POST", f"{drive_path(drive_id)}/list/columns", route=DRIVE_COLUMNS_ROUTE,
                    json={"name": name, "displayName": display_name, "text": {"maxLength": TEXT_MAX_LENGTH}},
                    idempotent=False)
