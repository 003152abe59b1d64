"""Crash-safe emulator state: a snapshot file replaced atomically before a write is acknowledged.

`Snapshots` pickles what an emulator hands it (under the emulator's lock) to DATA_DIR/state.pickle,
with group commit so concurrent writes share one snapshot; `persist_writes` wraps an ASGI app so a
non-GET request's response starts only once a snapshot covering it is on disk (a SIGKILL then loses
nothing acknowledged). File content stays in the emulators' own blob files. Never imports shared/.
"""

from __future__ import annotations

import logging
import os
import pickle
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SNAPSHOT_FILE = "state.pickle"
SNAPSHOT_VERSION = 1
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_RETRIES = 5  # a handler mutating outside the lock can make pickling see a dict change size: retry
log = logging.getLogger("emulators.persistence")


class Snapshots:
    """One emulator's snapshot file: `save()` (group commit) and `load()`."""

    def __init__(self, data_dir: Path, kind: str, collect: Callable[[], Any], lock: Any) -> None:
        self.path = Path(data_dir) / SNAPSHOT_FILE
        self.kind = kind
        self._collect = collect
        self._lock = lock                     # the emulator's state lock, held while pickling
        self._tickets = threading.Lock()
        self._writer = threading.Lock()
        self._requested = 0
        self._done = 0
        self.saves = 0

    def load(self) -> Any | None:
        """The saved state, or None when there is none (a fresh data dir)."""
        if not self.path.exists():
            return None
        with open(self.path, "rb") as fh:
            doc = pickle.load(fh)  # noqa: S301 - our own file in our own data dir
        if doc.get("kind") != self.kind or doc.get("version") != SNAPSHOT_VERSION:
            raise RuntimeError(f"{self.path} is not a {self.kind} emulator snapshot (version {SNAPSHOT_VERSION})")
        return doc["state"]

    def save(self) -> None:
        """Return once a snapshot taken after this call started is on disk."""
        with self._tickets:
            self._requested += 1
            ticket = self._requested
        with self._writer:
            if self._done >= ticket:
                return                        # a snapshot that began after our write already covers it
            with self._tickets:
                target = self._requested
            blob = self._dump()
            tmp = self.path.with_name(self.path.name + ".tmp")
            with open(tmp, "wb") as fh:
                fh.write(blob)
            os.replace(tmp, self.path)
            self._done = target
            self.saves += 1

    def _dump(self) -> bytes:
        for attempt in range(_RETRIES):
            try:
                with self._lock:
                    return pickle.dumps({"kind": self.kind, "version": SNAPSHOT_VERSION, "state": self._collect()},
                                        protocol=pickle.HIGHEST_PROTOCOL)
            except RuntimeError:
                if attempt == _RETRIES - 1:
                    raise
        raise AssertionError("unreachable")


def persist_writes(app: ASGIApp, snapshots: Snapshots) -> ASGIApp:
    """Wrap `app`: a request other than GET/HEAD/OPTIONS is answered only after `snapshots.save()`."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in READ_METHODS:
            await app(scope, receive, send)
            return

        async def send_after_save(message: Message) -> None:
            if message["type"] == "http.response.start":
                try:
                    await anyio.to_thread.run_sync(snapshots.save)
                except Exception:  # an unsaved write must not look acknowledged
                    log.exception("saving the %s emulator's state failed", snapshots.kind)
                    message = {**message, "status": 500}
            await send(message)

        await app(scope, receive, send_after_save)

    return wrapped
