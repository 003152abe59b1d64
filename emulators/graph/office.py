"""SharePoint rewriting Office files as it stores them (the `office_rewrite` switch, off by default).

Real SharePoint (not OneDrive for Business) writes its document properties into Office files on upload,
so the stored size and quickXorHash differ from the bytes sent, already in the upload's response (rclone
"Unexpected file size/hash differences on Sharepoint"; OneDrive/onedrive-api-docs#935). Pure file I/O.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

# Word, Excel and PowerPoint in Office Open XML (documents, macro-enabled, templates, shows, binary
# workbook) and the legacy binary formats: the ones SharePoint's document parsers write properties into.
OFFICE_EXTENSIONS = frozenset({
    "docx", "docm", "dotx", "dotm", "doc", "dot",
    "xlsx", "xlsm", "xltx", "xltm", "xlsb", "xls", "xlt",
    "pptx", "pptm", "potx", "potm", "ppsx", "ppsm", "ppt", "pot", "pps",
})

# What the emulator stores after the bytes sent. The real rewrite edits the package's property parts,
# which we cannot reproduce; what matters to a sync engine is only that stored != sent, deterministically
# (the same bytes sent give the same bytes stored), so a trailer is enough. Zip readers ignore bytes after
# the end of the central directory, so a real .docx stays openable. It is appended on every upload, even
# of bytes that already carry it: an engine that re-uploads what it downloaded sees the hash move again,
# so an echo loop never converges by accident in tests.
REWRITE_TRAILER = b"\r\n<!-- pcsync Graph emulator: SharePoint rewrote this Office file's properties -->\r\n"


def is_office_file(name: str) -> bool:
    """Does SharePoint rewrite a file of this name (by extension, case-insensitive)?"""
    return PurePosixPath(name).suffix.lower().lstrip(".") in OFFICE_EXTENSIONS


def rewrite_office_file(path: Path, name: str) -> bool:
    """Rewrite the staged upload at `path` in place when `name` is an Office file; True when it did."""
    if not is_office_file(name):
        return False
    with open(path, "ab") as fh:
        fh.write(REWRITE_TRAILER)
    return True
