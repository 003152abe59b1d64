"""The cover page before a Procore PDF that does not name its record (shared/tools/cover.py): Procore's
pages kept behind it, the same bytes for the same inputs, and what cannot be covered passes unchanged."""

from __future__ import annotations

import io

import pypdf
import pytest

from shared.tools import cover
from shared.tools.render import RecordSheet, render_pdf

SHEET = RecordSheet(tool="Forms", number="4711", title="Daily Safety Form 3", status="draft")


def _procore_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    for text in ("Daily Safety", "Signature: P. Builder"):
        pdf.add_page()
        pdf.set_font("helvetica", size=12)
        pdf.cell(0, 10, text)
    return bytes(pdf.output())


def test_procores_pages_follow_a_cover_that_names_the_record_and_the_bytes_repeat() -> None:
    theirs = _procore_pdf()
    joined = b"".join(cover.covered(render_pdf(SHEET), iter([theirs[:100], theirs[100:]])))
    pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(joined)).pages]
    assert "Number: 4711" in pages[0] and "Daily Safety Form 3" in pages[0]
    assert pages[1:] == [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(theirs)).pages]
    assert cover.with_cover(render_pdf(SHEET), theirs) == joined          # deterministic: no new version


def test_an_unreadable_or_too_large_pdf_passes_through_as_procore_sent_it(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = b"%PDF-1.4 not really a pdf"
    assert b"".join(cover.covered(render_pdf(SHEET), iter([broken]))) == broken
    monkeypatch.setattr(cover, "MAX_COVERED_BYTES", 10)
    theirs = _procore_pdf()
    chunks = [theirs[:8], theirs[8:16], theirs[16:]]
    assert b"".join(cover.covered(render_pdf(SHEET), iter(chunks))) == theirs
