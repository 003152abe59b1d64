"""What of the Graph emulator survives a restart: the tenant (ids, identities, sites, drives, items and
their versions), upload sessions, subscriptions, sent mail, settings and the token / URL signing keys.

A save journals only the items changed since the last one (every tree change goes through
Store.record_change, which this module watches) plus the small rest, so a write costs the same with
30,000 items as with 30. Not kept: statistics, faults, test switches, and notifications still waiting
in the notifier (Graph promises no delivery; the product's delta cursor catches up). Content bytes
already live in files under the data dir. emulators/persistence.py does the file handling.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from emulators.graph.runtime import Runtime
from emulators.graph.state import Drive, Item
from emulators.graph.store import Store
from emulators.persistence import Snapshots

_STORE = ("tenant_id", "identities", "sites", "sessions", "subscriptions", "messages", "app", "user", "mailbox",
          "system")


class _Changes:
    """The items changed since the last save, fed by Store.record_change."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.items: dict[str, Item] = {}
        original = store.record_change

        def record_change(drive: Drive, items: list[Item], *, bump_ancestors: bool = True) -> None:
            with store.lock:
                original(drive, items, bump_ancestors=bump_ancestors)
                for item in items:
                    self.items[item.id] = item
                    if bump_ancestors:
                        self.items.update((a.id, a) for a in store.ancestors(item))

        store.record_change = record_change  # type: ignore[method-assign]

    def clear(self) -> None:
        self.items.clear()


def _rest(rt: Runtime) -> dict[str, Any]:
    s = rt.store
    return {
        "store": {name: getattr(s, name) for name in _STORE},
        "drives": {d.id: dataclasses.replace(d, items={}) for d in s.drives.values()},
        "roots": [d.items[d.root_id] for d in s.drives.values()],
        "config": rt.config.as_dict(),
        "keys": (rt._key, rt.authority.key, rt.authority.not_before),
    }


def _collect(rt: Runtime) -> dict[str, Any]:
    return {**_rest(rt), "items": [i for d in rt.store.drives.values() for i in d.items.values()]}


def snapshots_of(rt: Runtime, data_dir: Path) -> Snapshots:
    changes = _Changes(rt.store)
    return Snapshots(data_dir, "graph", lambda: _collect(rt), rt.store.lock,
                     delta=lambda: {**_rest(rt), "items": list(changes.items.values())}, taken=changes.clear)


def _apply(rt: Runtime, saved: dict[str, Any]) -> None:
    s = rt.store
    for name, value in saved["store"].items():
        setattr(s, name, value)
    known = s.drives
    s.drives = {}
    for drive_id, drive in saved["drives"].items():
        drive.items = known[drive_id].items if drive_id in known else {}
        s.drives[drive_id] = drive
    for item in (*saved["roots"], *saved["items"]):
        s.drives[item.drive_id].items[item.id] = item
    rt.config.update(saved["config"])
    rt._key, rt.authority.key, rt.authority.not_before = saved["keys"]


def restore(rt: Runtime, saved: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    """Put a saved state (snapshot, then its journal in order) back into a fresh Runtime, before the
    servers start."""
    snapshot, deltas = saved
    rt.store.drives = {}
    for doc in (snapshot, *deltas):
        _apply(rt, doc)
