"""SharePoint Online naming rules, answered with the 400s Graph returns.

Invalid characters `" * : < > ? / \\ |`, leading/trailing spaces, trailing dots, reserved names,
`~$` prefixes, `_vti_` anywhere, `forms` at the library root, and the 400-character decoded path.
"""

from __future__ import annotations

import re

from emulators.graph.errors import GraphError

INVALID_CHARS = set('"*:<>?/\\|')
RESERVED = {".lock", "con", "prn", "aux", "nul", "desktop.ini"} | {f"com{i}" for i in range(10)} | {
    f"lpt{i}" for i in range(10)
}
_RESERVED_STEM = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)


def _bad(message: str, inner: str = "nameContainsInvalidCharacters") -> GraphError:
    return GraphError(400, "invalidRequest", message, inner)


def check_name(name: str, *, is_folder: bool, at_root: bool) -> None:
    """Raise GraphError 400 when SharePoint would refuse this item name."""
    if not name or name in (".", ".."):
        raise GraphError(400, "invalidRequest", "The name is empty or invalid.", "invalidName")
    if any(c in INVALID_CHARS for c in name) or any(ord(c) < 32 for c in name):
        raise _bad("The provided name cannot contain any illegal characters.")
    if name != name.strip(" "):
        raise _bad(f"Path ({name}) contains invalid leading or trailing spaces.")
    if name.endswith("."):
        raise _bad(f"Path ({name}) contains invalid trailing character.")
    lower = name.lower()
    if lower in RESERVED or _RESERVED_STEM.match(name):
        raise _bad(f"The provided name '{name}' is a reserved name.", "nameIsReserved")
    if name.startswith("~$") or "_vti_" in lower:
        raise _bad(f"The provided name '{name}' is not allowed.", "nameIsReserved")
    if is_folder and name.startswith("~"):
        raise _bad(f"Folder names cannot begin with '~': {name}", "nameIsReserved")
    if is_folder and at_root and lower == "forms":
        raise _bad("'forms' is reserved at the root of a library.", "nameIsReserved")


def check_path_length(decoded_path: str, limit: int) -> None:
    """decoded_path is the item's full path inside the library, e.g. "Folder/Sub/file.pdf"."""
    if len(decoded_path) >= limit:
        raise GraphError(
            400,
            "invalidRequest",
            f"The length of the full path for the file, {len(decoded_path)} characters, exceeds the "
            f"maximum length of {limit - 1} characters.",
            "pathIsTooLong",
        )
