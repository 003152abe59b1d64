"""Procore's own PDF behind a cover page that names the record, for the PDFs that do not name it.

A Forms PDF (`fillable_pdf`) is the form template's PDF as a person filled it in: it shows the template,
not the form's number (its id) or name, so SharePoint search would not find it by either. The product
keeps Procore's pages unchanged and puts one rendered page in front (shared/tools/render.py). Library:
pypdf (BSD, pure Python, already kept for reading PDFs) joins the pages; its output has no date or random
/ID, so the same two inputs give the same bytes. A PDF pypdf cannot read, or one larger than
MAX_COVERED_BYTES, passes through as Procore sent it (nothing is lost). Never imports azure.functions.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError

MAX_COVERED_BYTES = 64 * 1024 * 1024     # larger PDFs stream through uncovered (a cover costs memory)
log = logging.getLogger("pcsync.tools")


def with_cover(cover: bytes, pdf: bytes) -> bytes:
    """`cover`'s pages, then every page of `pdf` (`pdf` itself when it cannot be read)."""
    try:
        writer = PdfWriter()
        writer.append(PdfReader(io.BytesIO(cover)))
        writer.append(PdfReader(io.BytesIO(pdf)))
        out = io.BytesIO()
        writer.write(out)
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        log.warning("Procore's PDF could not be read to add its cover page (%s): copied as it is", exc)
        return pdf
    return out.getvalue()


def covered(cover: bytes, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The PDF streamed by `chunks`, behind `cover`; one too large to hold streams through unchanged."""
    head: list[bytes] = []
    size = 0
    for chunk in chunks:
        head.append(chunk)
        size += len(chunk)
        if size > MAX_COVERED_BYTES:
            yield from head
            yield from chunks
            return
    yield with_cover(cover, b"".join(head))
