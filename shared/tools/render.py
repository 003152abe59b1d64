"""A record rendered as a PDF, for the tools Procore offers none for (Inspections, Incidents).

Library: fpdf2 (PyPI `fpdf2`, LGPL, pure Python, maintained since 2017 as the successor of PyFPDF).
Chosen because it needs no system libraries (reportlab's renderer and WeasyPrint's Pango do), writes
small text PDFs fast, and is deterministic once the document's date is fixed: the creation date is set
to the record's `updated_at` and the file /ID is a digest of the content, so the same record renders the
same bytes and an unchanged record never makes a new SharePoint version. Core fonts (Helvetica, cp1252):
characters outside cp1252 are drawn as '?'. Never imports azure.functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fpdf import FPDF

ENCODING = "cp1252"
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)      # the date of a record that has none
TITLE_SIZE, HEAD_SIZE, TEXT_SIZE, LINE_MM = 16, 12, 10, 5.5


@dataclass(frozen=True)
class RecordSheet:
    """What a rendered record shows, in order."""

    tool: str                                  # "Inspections"
    number: str
    title: str
    status: str
    dates: list[tuple[str, str]] = field(default_factory=list)       # ("Created", "2026-03-01T09:00:00+00:00")
    people: list[tuple[str, str]] = field(default_factory=list)      # ("Created by", "Pat Builder")
    fields: list[tuple[str, str]] = field(default_factory=list)      # every answered field
    items: list[str] = field(default_factory=list)                   # checklist items, responses, ...
    attachments: list[str] = field(default_factory=list)             # file names
    updated_at: datetime | None = None


def _safe(text: str) -> str:
    return text.encode(ENCODING, "replace").decode(ENCODING)


def _section(pdf: FPDF, heading: str, lines: Iterable[str]) -> None:
    rows = list(lines)
    if not rows:
        return
    pdf.ln(2)
    pdf.set_font("helvetica", "B", HEAD_SIZE)
    pdf.multi_cell(0, LINE_MM + 1, _safe(heading), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", TEXT_SIZE)
    for row in rows:
        pdf.multi_cell(0, LINE_MM, _safe(row), new_x="LMARGIN", new_y="NEXT")


def render_pdf(sheet: RecordSheet) -> bytes:
    """The record as a PDF: title, number, status, dates, people, fields, items and the attachments' names."""
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = ENCODING
    pdf.set_creation_date(sheet.updated_at or EPOCH)
    heading = f"{sheet.tool} {sheet.number} - {sheet.title}".strip(" -")
    pdf.set_title(_safe(heading))
    pdf.set_creator("pcsync")
    pdf.add_page()
    pdf.set_font("helvetica", "B", TITLE_SIZE)
    pdf.multi_cell(0, LINE_MM + 3, _safe(heading), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", TEXT_SIZE)
    summary = [f"Number: {sheet.number}", f"Title: {sheet.title}", f"Status: {sheet.status or '-'}"]
    for row in summary:
        pdf.multi_cell(0, LINE_MM, _safe(row), new_x="LMARGIN", new_y="NEXT")
    _section(pdf, "Dates", (f"{k}: {v}" for k, v in sheet.dates))
    _section(pdf, "People", (f"{k}: {v}" for k, v in sheet.people))
    _section(pdf, "Fields", (f"{k}: {v}" for k, v in sheet.fields))
    _section(pdf, "Items", sheet.items)
    _section(pdf, "Attachments", sheet.attachments or ["(none)"])
    return bytes(pdf.output())
