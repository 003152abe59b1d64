"""Procore names -> names SharePoint accepts, and the files we never sync. Pure.

Illegal characters become their full-width Unicode look-alikes (as rclone's OneDrive encoding does)
rather than `_`: the name stays readable, and `a:b` and `a*b` do not collide. The items row keeps
both names, so a mapped name is never synced back as a rename. Never imports azure.functions.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from shared.errors import IllegalName, UnsupportedType

MAX_PATH_CHARS = 399  # the decoded path, file name included, must stay under 400 characters
MAX_NAME_CHARS = 255
_FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in '"*:<>?|'} | {"/": "\uff0f", "\\": "\uff3c"}
_TRANSLATE = str.maketrans(_FULLWIDTH)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_RESERVED_STEMS = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"COM{i}" for i in range(10)} | {f"LPT{i}" for i in range(10)}
)
_NEVER_SYNCED = frozenset({"thumbs.db", "desktop.ini", ".ds_store", ".lock"})
_TEMP_SUFFIXES = (".tmp",)


def unsupported_reason(name: str) -> str | None:
    """Why a file is never synced in either direction (temp/lock/system files), or None."""
    lower = name.lower()
    if name.startswith("~$"):
        return "Office lock file (~$…)"
    if lower in _NEVER_SYNCED:
        return f"system file ({name})"
    if lower.endswith(_TEMP_SUFFIXES):
        return "temporary file (*.tmp)"
    return None


def sharepoint_name(name: str, *, is_folder: bool, at_library_root: bool = False) -> str:
    """The legal SharePoint name for a Procore item name; raises ItemSkipped subclasses when none exists."""
    if not is_folder:
        reason = unsupported_reason(name)
        if reason:
            raise UnsupportedType(reason)
    if _CONTROL.search(name):
        raise IllegalName("name contains control characters")
    legal = name.translate(_TRANSLATE).strip(" ")
    legal = legal.rstrip(". ")
    if legal.startswith("~"):
        legal = "\uff5e" + legal[1:]  # SharePoint refuses folders (and ~$ files) starting with ~
    legal = legal.replace("_vti_", "_vti\uff3f")
    stem, dot, ext = legal.partition(".")
    if stem.upper() in _RESERVED_STEMS:
        legal = f"{stem}_{dot}{ext}"
    if is_folder and at_library_root and legal.lower() == "forms":
        legal = "forms_"
    if not legal:
        raise IllegalName(f"name {name!r} has nothing left once made legal for SharePoint")
    if len(legal) > MAX_NAME_CHARS:
        raise IllegalName(f"name is longer than {MAX_NAME_CHARS} characters")
    return legal


def check_path_length(path: PurePosixPath) -> None:
    """SharePoint refuses a decoded path (from the library root) of 400 characters or more."""
    length = len(str(path).strip("/"))
    if length > MAX_PATH_CHARS:
        raise IllegalName(f"path is {length} characters; SharePoint allows fewer than 400")
