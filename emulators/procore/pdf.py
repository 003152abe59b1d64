"""A tiny writer of real, valid PDF 1.4 files (text pages, Helvetica) with a correct xref table."""

from __future__ import annotations

LINES_PER_PAGE = 50


def _escape(text: str) -> str:
    safe = text.encode("latin-1", "replace").decode("latin-1")
    return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def template_pdf(template: str, values: dict[str, str]) -> bytes:
    """A Procore form's fillable PDF: its form template's page (the template's name as heading, then its
    fields) as the person filled it in ('____' when empty). It does not name the form record: Procore's
    Forms PDF is the uploaded template filled in, not a print of the record (`fillable_pdf`)."""
    return make_pdf(template, [f"{name}: {value or '____'}" for name, value in values.items()])


def make_pdf(title: str, lines: list[str], *, pad_to: int = 0) -> bytes:
    """A PDF with `title` and `lines` of text; `pad_to` adds a stream of filler to reach a size."""
    body = [title, ""] + lines
    pages = [body[i:i + LINES_PER_PAGE] for i in range(0, max(1, len(body)), LINES_PER_PAGE)] or [[title]]
    objects: list[bytes] = []
    n_pages = len(pages)
    # 1 catalog, 2 pages, 3 font, then (page, content) pairs, then optional filler
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for i, page_lines in enumerate(pages):
        ops = ["BT", "/F1 11 Tf", "14 TL", "50 800 Td"]
        for j, line in enumerate(page_lines):
            if i == 0 and j == 0:
                ops += ["/F1 16 Tf", f"({_escape(line)}) Tj", "/F1 11 Tf", "T*"]
            else:
                ops += [f"({_escape(line)}) Tj", "T*"]
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    filler_len = max(0, pad_to - 400 - sum(len(o) + 20 for o in objects) - len(out))
    if filler_len:
        filler = (b"% filler " + b"0123456789abcdef" * (filler_len // 16 + 1))[:filler_len]
        objects.append(b"<< /Length " + str(len(filler)).encode() + b" >>\nstream\n" + filler + b"\nendstream")
    offsets = []
    for n, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
