"""Item operations that span rows: re-keying an item to a new Procore id, listing a source's parts.

A re-key (a photo edited in SharePoint comes back from Procore under a new id) moves the items row,
its reverse index and its history to the new id in steps that each converge, so a crash or a
duplicate delivery at any point ends in the same state. Never imports azure.functions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime

from shared import errors
from shared.models.rows import PART_SEP, ActivityRow, ItemKey, ItemRow
from shared.store.repositories import ItemBySpRow, Repositories, inverted_ticks
from shared.store.tables import Stored

REKEY_ATTEMPTS = 8
REKEYED_EVENT = "rekeyed"


def parts_of(repos: Repositories, link_id: str, source: ItemKey) -> Iterator[Stored[ItemRow]]:
    """The rows of every part derived from `source` (not the source's own row), in key order."""
    prefix = source.source_prefix
    upper = prefix[:-1] + chr(ord(PART_SEP) + 1)   # the first key after every "<tool>:<source>:..." key
    yield from repos.items.query(link_id, "RowKey ge @lo and RowKey lt @hi", {"lo": prefix, "hi": upper})


def rekey_item(repos: Repositories, link_id: str, old: ItemKey, new: ItemKey, *,
               procore_version: str | None = None, procore_name: str | None = None,
               now: datetime | None = None) -> Stored[ItemRow]:
    """Move the item `old` to the Procore id of `new`, keeping its SharePoint twin, its agreed state and
    its history: the new row remembers the old id (`previous_ids`), the reverse index names the new row,
    one `rekeyed` activity event says so, and the old row is gone. `procore_version` / `procore_name`
    (when given) are the new id's own. Idempotent: run again, concurrently or after a crash between any
    two steps, it ends in the same rows and the same one event. errors.NotFound when neither id has the
    item; errors.Conflict when the new id already belongs to another item."""
    if old.tool is not new.tool or old == new:
        raise errors.InvariantBroken(f"re-key {old.row_key} -> {new.row_key}: same tool, another id expected")
    update: dict[str, object] = {k: v for k, v in {"procore_version": procore_version,
                                                    "procore_name": procore_name}.items() if v is not None}
    for _ in range(REKEY_ATTEMPTS):
        current = repos.items.get(link_id, old.row_key)
        if current is None:
            moved = repos.items.get(link_id, new.row_key)
            if moved is None or old.procore_id not in moved.row.previous_ids:
                raise errors.NotFound(f"item {old.row_key} of link {link_id} is not there to re-key")
            return moved      # done: a run deletes the old row only once the index and the event are written
        moved = _claim_new_row(repos, link_id, current.row, old, new, update, now or datetime.now(UTC))
        _settle(repos, moved.row, old)
        try:
            repos.items.delete(link_id, old.row_key, current.etag)
        except errors.Conflict:
            continue                                # the old row changed meanwhile: carry its news over
        return repos.items.get(link_id, new.row_key) or moved
    raise errors.Conflict(f"re-key {old.row_key} -> {new.row_key}: too many concurrent writers")


def _claim_new_row(repos: Repositories, link_id: str, source: ItemRow, old: ItemKey, new: ItemKey,
                   update: dict[str, object], now: datetime) -> Stored[ItemRow]:
    """The new id's row as a copy of the old one (created, or refreshed if an earlier run made it)."""

    def change(existing: ItemRow | None) -> ItemRow | None:
        if existing is not None and old.procore_id not in existing.previous_ids:
            raise errors.Conflict(f"re-key {old.row_key} -> {new.row_key}: the new id belongs to another item")
        history = source.previous_ids + [old.procore_id]
        at = existing.updated_at if existing is not None else now   # the re-key's time, kept by every rerun
        row = source.model_copy(update={"procore_id": new.procore_id, "previous_ids": history, "updated_at": at,
                                        **update})
        return None if existing == row else row

    stored = repos.items.mutate(link_id, new.row_key, change)
    if stored is None:
        raise errors.InvariantBroken(f"re-key {old.row_key} -> {new.row_key}: no row written")
    return stored


def _settle(repos: Repositories, moved: ItemRow, old: ItemKey) -> None:
    """The reverse index names the new row, and the history has its one event (both idempotent)."""
    new_key = moved.key.row_key
    if moved.sp_item_id:
        def point(index: ItemBySpRow | None) -> ItemBySpRow | None:
            if index is not None and index.item_key not in (old.row_key, new_key, ""):
                raise errors.Conflict(f"SharePoint item {moved.sp_item_id} is the twin of {index.item_key}")
            if index is not None and index.item_key == new_key:
                return None
            return ItemBySpRow(link_id=moved.link_id, sp_item_id=moved.sp_item_id or "", item_key=new_key)

        repos.items_by_sp.mutate(moved.link_id, moved.sp_item_id, point)
    repos.record_activity(_rekeyed_event(moved, old))


def _rekeyed_event(moved: ItemRow, old: ItemKey) -> ActivityRow:
    """The re-key's activity row, keyed by the re-key's time and ids, so a rerun writes the same row."""
    at = moved.updated_at
    tag = hashlib.sha256(f"{old.row_key}>{moved.key.row_key}".encode()).hexdigest()[:8]
    return ActivityRow(link_id=moved.link_id, day=at.date().isoformat(), row_key=f"{inverted_ticks(at)}-{tag}",
                       at=at, event=REKEYED_EVENT, tool=moved.tool, item=moved.procore_id,
                       path=moved.sp_name or moved.procore_name,
                       detail=f"Procore id {old.procore_id} became {moved.procore_id} (same SharePoint item)")
