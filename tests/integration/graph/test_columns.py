"""A tool's SharePoint columns through the client (shared/graph/columns.py): created once per library on the
documented path, a second run creating nothing; values written through listItem fields; and the emulator
refusing column definitions and values Graph refuses (text over its length, an unknown date format)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from shared import errors
from shared.graph import fields
from shared.graph.columns import ColumnDef, column_body, ensure_columns, forget_checked
from shared.graph.models import DriveItem
from shared.graph.session import GraphSession


def _names(raw: httpx.Client, drive_id: str) -> list[str]:
    return [c["name"] for c in raw.get(f"/drives/{drive_id}/list/columns").json()["value"]]


def test_columns_are_made_once_and_take_long_notes_and_dates(app: GraphSession, raw: httpx.Client, drive_id: str,
                                                               folder: DriveItem, desc: dict[str, object]) -> None:
    tag = uuid.uuid4().hex[:6]
    note, taken = ColumnDef(name=f"Note{tag}", display_name="Description", kind="note"), \
        ColumnDef(name=f"Taken{tag}", display_name="Date taken", kind="dateTime")
    site_id = str(desc["sites"][0]["id"])      # type: ignore[index]
    forget_checked()
    ensure_columns(app, site_id, drive_id, [note, taken])
    assert _names(raw, drive_id).count(note.name) == 1 and _names(raw, drive_id).count(taken.name) == 1
    forget_checked()
    ensure_columns(app, site_id, drive_id, [note, taken])     # found: nothing made twice
    assert _names(raw, drive_id).count(note.name) == 1
    item = raw.put(f"/drives/{drive_id}/items/{folder.id}:/p{tag}.jpg:/content", content=b"\xff\xd8x\xff\xd9").json()
    long_text = "north slab, " * 40                                 # over a single line's 255 characters
    fields.update_fields(app, drive_id, item["id"], {note.name: long_text, taken.name: "2026-03-04T10:00:00Z"})
    got = fields.get_fields(app, drive_id, item["id"])
    assert got[note.name] == long_text and got[taken.name].startswith("2026-03-04")
    with pytest.raises(errors.SyncError):
        fields.update_fields(app, drive_id, item["id"], {taken.name: "last Tuesday"})


def test_the_emulator_refuses_what_graph_refuses(raw: httpx.Client, drive_id: str) -> None:
    tag = uuid.uuid4().hex[:6]
    short = raw.post(f"/drives/{drive_id}/list/columns", json={"name": f"Short{tag}", "text": {"maxLength": 300}})
    assert short.status_code == 400 and short.json()["error"]["code"] == "invalidRequest"
    when = raw.post(f"/drives/{drive_id}/list/columns", json={"name": f"When{tag}", "dateTime": {"format": "week"}})
    assert when.status_code == 400
    line = raw.post(f"/drives/{drive_id}/list/columns", json={"name": f"Line{tag}", "text": {}})
    assert line.status_code == 201
    body = column_body(ColumnDef(name=f"Line{tag}", display_name="x", kind="note"))
    assert body["text"]["allowMultipleLines"] is True
