"""What of the Graph emulator survives a restart: the tenant (ids, identities, sites, drives, items and
their versions), upload sessions, subscriptions, sent mail, settings and the token / URL signing keys.

Not kept: statistics, faults, test switches, and notifications still waiting in the notifier (Graph
itself promises no delivery; the product's delta cursor catches up). Content bytes already live in
files under the data dir. emulators/persistence.py does the file handling.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emulators.graph.runtime import Runtime
from emulators.persistence import Snapshots

_STORE = ("tenant_id", "identities", "sites", "drives", "sessions", "subscriptions", "messages",
          "app", "user", "mailbox", "system")


def _collect(rt: Runtime) -> dict[str, Any]:
    s = rt.store
    return {
        "store": {name: getattr(s, name) for name in _STORE},
        "config": rt.config.as_dict(),
        "keys": (rt._key, rt.authority.key, rt.authority.not_before),
    }


def snapshots_of(rt: Runtime, data_dir: Path) -> Snapshots:
    return Snapshots(data_dir, "graph", lambda: _collect(rt), rt.store.lock)


def restore(rt: Runtime, saved: dict[str, Any]) -> None:
    """Put a saved state back into a fresh Runtime, before the servers start."""
    for name, value in saved["store"].items():
        setattr(rt.store, name, value)
    rt.config.update(saved["config"])
    rt._key, rt.authority.key, rt.authority.not_before = saved["keys"]
