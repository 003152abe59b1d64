"""Realistic file content for seeded files, written straight to disk: valid PDFs, JPEGs (grey
baseline, sized by COM padding), XLSX workbooks, DWG-like binaries, text and CSV.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
from pathlib import Path

from .pdf import make_pdf

CONTENT_TYPES = {
    "pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "dwg": "application/acad", "txt": "text/plain", "csv": "text/csv", "docx": "application/octet-stream",
}


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")


def jpeg(width: int, height: int, pad_to: int = 0) -> bytes:
    """A valid baseline greyscale JPEG of width x height (multiples of 8), mid-grey."""
    w, h = max(8, width - width % 8), max(8, height - height % 8)
    blocks = (w // 8) * (h // 8)
    bits = blocks * 2                                   # DC "0" + EOB "0" per block
    data = bytearray(bits // 8)
    if bits % 8:
        data.append(0xFF >> (bits % 8))                 # pad with 1-bits
    seg = bytearray(b"\xff\xd8")
    seg += b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    seg += b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + b"\x01" * 64
    fixed = len(seg) + 19 + 40 + 10 + len(data) + 2
    remaining = max(0, pad_to - fixed)
    while remaining > 4:
        chunk = min(remaining - 4, 65000)
        seg += b"\xff\xfe" + struct.pack(">H", chunk + 2) + (b"emulator photo " * (chunk // 15 + 1))[:chunk]
        remaining -= chunk + 4
    seg += b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, h, w, 1) + b"\x01\x11\x00"
    table = b"\x01" + b"\x00" * 15 + b"\x00"
    seg += b"\xff\xc4" + struct.pack(">H", 20) + b"\x00" + table
    seg += b"\xff\xc4" + struct.pack(">H", 20) + b"\x10" + table
    seg += b"\xff\xda" + struct.pack(">H", 8) + b"\x01\x01\x00\x00\x3f\x00"
    seg += data + b"\xff\xd9"
    return bytes(seg)


def xlsx(title: str, rows: list[list[str]]) -> bytes:
    def cell(ref: str, value: str) -> str:
        v = value.replace("&", "&amp;").replace("<", "&lt;")
        return f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>'

    sheet_rows = []
    for r, row in enumerate([[title], *rows], start=1):
        cells = "".join(cell(f"{chr(65 + c)}{r}", str(v)) for c, v in enumerate(row[:26]))
        sheet_rows.append(f'<row r="{r}">{cells}</row>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006"
    ct = "application/vnd.openxmlformats"
    files = {
        "[Content_Types].xml": f'<?xml version="1.0"?><Types xmlns="{pkg}/content-types">'
        f'<Default Extension="rels" ContentType="{ct}-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{ct}-officedocument.spreadsheetml.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" '
        f'ContentType="{ct}-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="{pkg}/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook {ns} xmlns:r="{rel}"><sheets>'
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0"?><Relationships xmlns="{pkg}/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml":
            f'<?xml version="1.0"?><worksheet {ns}><sheetData>{"".join(sheet_rows)}</sheetData></worksheet>',
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


def write_content(path: Path, name: str, size: int, rng: random.Random, title: str) -> int:
    """Write plausible content for `name` of roughly `size` bytes to `path`; returns the real size."""
    ext = name.rsplit(".", 1)[-1].lower()
    if ext == "pdf":
        lines = [f"{title} - sheet note {i}: {rng.choice(['concrete', 'steel', 'MEP', 'façade'])}" for i in range(30)]
        path.write_bytes(make_pdf(title, lines, pad_to=size))
    elif ext in ("jpg", "jpeg"):
        w, h = rng.choice([(4032, 3024), (1920, 1080), (1280, 960), (640, 480)])
        path.write_bytes(jpeg(w, h, pad_to=size))
    elif ext == "xlsx":
        rows = [[f"Item {i}", f"{rng.randint(1, 999)}", rng.choice(["ea", "m2", "m3", "t"])] for i in range(40)]
        path.write_bytes(xlsx(title, rows))
    elif ext in ("txt", "csv"):
        line = f"{title};{rng.randint(0, 10**6)}\n".encode()
        path.write_bytes((line * (size // len(line) + 1))[:max(size, 1)])
    else:
        with open(path, "wb") as out:
            out.write(b"AC1032\x00\x00" if ext == "dwg" else b"")
            left = max(0, size - 8)
            while left > 0:
                n = min(left, 1 << 20)
                out.write(rng.randbytes(n))
                left -= n
    return path.stat().st_size
