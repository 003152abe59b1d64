"""The emulator's whole state: directory, records, blobs, tokens, limits, stats and events.

One RLock guards the metadata; file content is on disk (blobs.py). Changes call emit(), which the
webhook dispatcher turns into deliveries.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .blobs import BlobStore
from .config import Directory, EmulatorConfig, Identity
from .faults import Faults
from .models import Album, File, FileVersion, Folder, Image, Record, Upload
from .ratelimit import RateLimiter
from .stats import Stats
from .tokens import TokenRegistry

_ID_BASES = {
    "folder": 10_000, "file": 500_000, "version": 900_000, "album": 300, "image": 40_000,
    "record": 1_000, "attachment": 70_000, "hook": 80, "trigger": 800, "delivery": 1, "event": 1,
}


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> float:
    v = value.strip().replace("Z", "+00:00")
    dt = datetime.fromisoformat(v)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


class State:
    def __init__(self, data_dir: Path, config: EmulatorConfig, directory: Directory) -> None:
        self.lock = threading.RLock()
        self.config = config
        self.directory = directory
        self.blobs = BlobStore(data_dir)
        self._ids = dict(_ID_BASES)
        self.folders: dict[int, Folder] = {}
        self.files: dict[int, File] = {}
        self.versions: dict[int, FileVersion] = {}
        self.uploads: dict[str, Upload] = {}
        self.albums: dict[int, Album] = {}
        self.images: dict[int, Image] = {}
        self.records: dict[int, Record] = {}
        self.roots: dict[tuple[str, int], tuple[int, int]] = {}   # scope -> (root id, recycle bin id)
        self.events: list[dict[str, Any]] = []
        self.listeners: list[Callable[[dict[str, Any]], None]] = []
        self.api_base = ""
        self.storage_base = ""
        self.tokens = TokenRegistry()
        self.limiter = RateLimiter(config)
        self.stats = Stats()
        self.faults = Faults()
        self.notifications: dict[str, float] = {"drop_rate": 0.0, "duplicate_rate": 0.0, "delay_ms": 0.0}
        self.extra: dict[str, Any] = {}      # per-module state (hooks, pdf exports, ...)

    def now(self) -> float:
        return time.time()

    def next_id(self, kind: str) -> int:
        with self.lock:
            self._ids[kind] += 1
            return self._ids[kind]

    def emit(
        self, resource_name: str, event_type: str, resource_id: int, *, identity: Identity | None,
        project_id: int | None, company_id: int,
    ) -> None:
        """Record a change; webhook listeners fan it out to hooks."""
        event = {
            "id": self.next_id("event"),
            "timestamp": self.now(),
            "resource_name": resource_name,
            "event_type": event_type,
            "resource_id": resource_id,
            "project_id": project_id,
            "company_id": company_id,
            "user_id": identity.user_id if identity else None,
            "source_application_id": identity.client_id if identity else None,
        }
        with self.lock:
            self.events.append(event)
            listeners = list(self.listeners)
        for listener in listeners:
            listener(event)
