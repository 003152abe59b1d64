"""The one-way record tools as data (one RecordTool row per tool) and what is pure about a record: the
name of its PDF (number and title), the PDF's version token and its order, the SharePoint column titles,
the Procore web link and the sheet a rendered PDF shows. No I/O. Never imports azure.functions.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from shared.models.api import ToolKey
from shared.procore.records import ToolRecord, find_attachments
from shared.tools.base import VersionOrder, compare_timestamps
from shared.tools.render import RecordSheet

COLUMN_MAX = 255                  # SharePoint's single line of text
COLUMN_TITLES = ("Procore Tool", "Number", "Title", "Status", "Created", "Updated", "Procore Link")
VERSION_SEP = "#"                 # a PDF version: <updated_at>#<digest of what it shows>
DIGEST_CHARS = 16
THREAD_KEYS = ("answers", "replies", "responses")
PEOPLE_KEYS = ("assignee", "assignees", "manager", "inspector", "responsible_contractor", "point_of_contact",
               "received_from", "distribution_list")
ITEM_ANSWER_KEYS = ("response", "answer", "status", "result", "value")


@dataclass(frozen=True)
class RecordTool:
    """One tool as data: its key, names, the Procore record kinds it reads and the fields it names files by."""

    key: ToolKey
    title: str                    # the tool's name in Procore and its SharePoint folder
    prefix: str                   # before the number in a file's name ("RFI"); "" when the number says it
    number_fields: tuple[str, ...]
    title_fields: tuple[str, ...]
    web_path: str                 # the record's page in Procore's web app: {project_id}, {id}
    kinds: tuple[str, ...]        # RecordToolSpec.kind rows of shared/procore/records.py


def field_text(value: Any) -> str:
    """A field as people read it: a status object by its name, nothing as ''."""
    if isinstance(value, dict):
        value = value.get("name") or value.get("status") or value.get("label")
    return "" if value is None else str(value).strip()


def first_field(raw: dict[str, Any], fields: tuple[str, ...]) -> str:
    return next((text for f in fields if (text := field_text(raw.get(f)))), "")


def record_number(tool: RecordTool, raw: dict[str, Any]) -> str:
    """The record's number as its file is named: a plain number is zero-padded to three digits (012)."""
    number = first_field(raw, tool.number_fields)
    return number.zfill(3) if number.isdigit() else number


def record_stem(tool: RecordTool, raw: dict[str, Any]) -> str:
    """`RFI 012 - Slab edge detail`: the name of the record's PDF (with .pdf) and of its attachments' folder.
    SharePoint's naming rules are the engine's (shared.sync.naming)."""
    number = record_number(tool, raw) or str(raw.get("id", ""))
    title = first_field(raw, tool.title_fields)
    head = f"{tool.prefix} {number}".strip()
    return f"{head} - {title}" if title else head


def _thread_ids(node: Any) -> list[str]:
    """Ids of the replies/responses anywhere in the record (an RFI's answers, ...)."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, child in node.items():
            if key in THREAD_KEYS and isinstance(child, list):
                found += [str(c.get("id")) for c in child if isinstance(c, dict)]
            found += _thread_ids(child)
    elif isinstance(node, list):
        for child in node:
            found += _thread_ids(child)
    return found


def record_version(tool: RecordTool, record: ToolRecord, *, rendered: bool = False) -> str | None:
    """The PDF's version: `updated_at`, then a digest of what the PDF shows that Procore may change within
    one second or without moving `updated_at` (number, title, status, privacy, attachments, replies; for a
    PDF we render, everything it shows)."""
    if record.updated_at is None:
        return None
    raw = record.raw()
    shown: list[Any] = [record_number(tool, raw), first_field(raw, tool.title_fields), field_text(raw.get("status")),
                        str(raw.get("private")), sorted(str(a.id) for a in find_attachments(raw)),
                        sorted(_thread_ids(raw))]
    if rendered:
        shown.append(repr(record_sheet(tool, record)))
    digest = hashlib.sha256(json.dumps(shown).encode()).hexdigest()[:DIGEST_CHARS]
    return f"{record.updated_at.isoformat()}{VERSION_SEP}{digest}"


def _label(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()


def _is_person(key: str, value: Any) -> bool:
    return isinstance(value, dict) and bool(value.get("name")) and (key in PEOPLE_KEYS or key.endswith("_by"))


def _item_line(value: dict[str, Any]) -> str:
    head = first_field(value, ("name", "title", "description", "body", "question"))
    tail = [f"{_label(k)}: {field_text(value.get(k))}" for k in ITEM_ANSWER_KEYS if field_text(value.get(k))]
    return " - ".join([head or f"#{value.get('id', '')}", *tail])


def record_sheet(tool: RecordTool, record: ToolRecord) -> RecordSheet:
    """What the rendered PDF of a record shows: every answered field, person and item, the attachments."""
    raw = record.raw()
    skip = {"id", "status", "created_at", "updated_at", "deleted_at", "attachments", *tool.number_fields,
            *tool.title_fields}
    fields, people, items = [], [], []
    for key, value in sorted(raw.items()):
        if key in skip or value is None or value == "" or value == []:
            continue
        if _is_person(key, value):
            people.append((_label(key), field_text(value)))
        elif isinstance(value, list):
            items += [_item_line(v) if isinstance(v, dict) else field_text(v) for v in value]
        elif isinstance(value, dict):
            if field_text(value):
                fields.append((_label(key), field_text(value)))
        else:
            fields.append((_label(key), field_text(value)))
    times = (("Created", record.created_at), ("Updated", record.updated_at))
    dates = [(label, iso_text(value)) for label, value in times if value is not None]
    return RecordSheet(tool=tool.title, number=record_number(tool, raw) or str(record.id),
                       title=first_field(raw, tool.title_fields), status=field_text(raw.get("status")), dates=dates,
                       people=people, fields=fields, items=items,
                       attachments=[a.display_name for a in find_attachments(raw)], updated_at=record.updated_at)


def cover_sheet(tool: RecordTool, record: ToolRecord) -> RecordSheet:
    """The cover page in front of a Procore PDF that does not name its record: number, title, status,
    dates and people (the fields are Procore's pages behind it)."""
    return replace(record_sheet(tool, record), fields=[], items=[])


def compare_record_versions(candidate: str, recorded: str) -> VersionOrder:
    """A later `updated_at` is newer; the same time with another digest is a change (taken as newer).
    Attachment versions (their ids) have no time: only equality means anything."""
    if candidate == recorded:
        return VersionOrder.SAME
    new_time, _, _ = candidate.partition(VERSION_SEP)
    old_time, _, _ = recorded.partition(VERSION_SEP)
    order = compare_timestamps(new_time, old_time)
    return VersionOrder.NEWER if order is VersionOrder.SAME else order


def web_url(api_base: str, path: str) -> str:
    """The Procore web app's address for an API base URL (api.procore.com -> app.procore.com)."""
    parts = urlsplit(api_base)
    host = parts.netloc
    if host.startswith("api."):
        host = "app." + host[len("api."):]
    return f"{parts.scheme}://{host}{path}"


def iso_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else field_text(value)


RFIS = RecordTool(ToolKey.RFIS, "RFIs", "RFI", ("number", "full_number"), ("subject", "title"),
                  "/{project_id}/project/rfi/show/{id}", ("rfis",))
SUBMITTALS = RecordTool(ToolKey.SUBMITTALS, "Submittals", "Submittal", ("formatted_number", "number"),
                        ("title",), "/{project_id}/project/submittal_logs/{id}", ("submittals",))
FORMS = RecordTool(ToolKey.FORMS, "Forms", "Form", ("number",), ("name", "form_template_name"),
                   "/{project_id}/project/forms/{id}", ("forms",))
OBSERVATIONS = RecordTool(ToolKey.OBSERVATIONS, "Observations", "Observation", ("number",), ("name",),
                          "/{project_id}/project/observations/items/{id}", ("observation_items",))

INSPECTIONS = RecordTool(ToolKey.INSPECTIONS, "Inspections", "Inspection", ("number",), ("name",),
                         "/{project_id}/project/checklists/lists/{id}", ("checklist_lists",))
INCIDENTS = RecordTool(ToolKey.INCIDENTS, "Incidents", "Incident", ("number",), ("title",),
                       "/{project_id}/project/incidents/{id}", ("incidents",))

COMMITMENTS = RecordTool(ToolKey.COMMITMENTS, "Commitments", "", ("number",), ("title",),
                         "/{project_id}/project/commitments/{id}", ("work_order_contracts", "purchase_order_contracts"))

RECORD_TOOLS: tuple[RecordTool, ...] = (RFIS, SUBMITTALS, FORMS, OBSERVATIONS, INSPECTIONS, INCIDENTS, COMMITMENTS)
