"""SharePoint columns of a synced item: the adapter names them by title ("Procore Tool", "Number", ...),
and the engine writes them to the twin's listItem fields, adding the library's missing columns first.

A title maps to one internal column name (`column_name`): SharePoint's own `Title`, else `Procore` and
the title's letters and digits (`Number` -> `ProcoreNumber`), so no built-in column is ever taken.
Libraries whose columns are known present are remembered per process (one listing per library and
process at most). Never imports azure.functions.
"""

from __future__ import annotations

import logging
import threading

from shared import errors
from shared.graph import columns as sp_columns
from shared.graph import fields as sp_fields
from shared.graph.session import GraphSession

log = logging.getLogger("pcsync.sync")
BUILTIN = {"Title": "Title"}
PREFIX = "Procore"

_known: set[tuple[str, str]] = set()       # (drive id, column name) known to exist
_lock = threading.Lock()


def column_name(title: str) -> str:
    """The internal name of the column shown as `title`."""
    if title in BUILTIN:
        return BUILTIN[title]
    letters = "".join(ch for ch in title if ch.isalnum())
    return letters if letters.startswith(PREFIX) else PREFIX + letters


def ensure_columns(session: GraphSession, drive_id: str, titles: list[str]) -> None:
    """Every column of `titles` exists in the drive's library (added once; a concurrent add is fine)."""
    wanted = {column_name(t): t for t in titles if column_name(t) not in BUILTIN.values()}
    with _lock:
        missing = {name: t for name, t in wanted.items() if (drive_id, name) not in _known}
    if not missing:
        return
    present = sp_columns.column_names(session, drive_id)
    for name, title in missing.items():
        if name in present:
            continue
        try:
            sp_columns.add_text_column(session, drive_id, name, title)
        except errors.SyncError:
            if name not in sp_columns.column_names(session, drive_id):   # not added by someone else meanwhile
                raise
    with _lock:
        _known.update((drive_id, name) for name in missing)


def write_columns(session: GraphSession, drive_id: str, item_id: str, values: dict[str, str]) -> None:
    """Set the twin's column values (by title), adding the library's missing columns first."""
    if not values:
        return
    ensure_columns(session, drive_id, list(values))
    sp_fields.update_fields(session, drive_id, item_id, {column_name(t): v for t, v in values.items()})
