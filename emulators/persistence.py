"""Crash-safe emulator state: saved before a write is acknowledged, restored at the next start.

`Snapshots` pickles what an emulator hands it (under the emulator's lock) to DATA_DIR/state.pickle,
with group commit so concurrent writes share one save. An emulator whose state is large may also give
a `delta` collector (what changed since the last save): saves then append it to a journal, and a full
snapshot is written only when the journal has grown past the snapshot's size. `persist_writes` wraps
an ASGI app so a non-GET request is answered only once a save covering it is on disk (a SIGKILL then
loses nothing acknowledged). File content stays in the emulators' own blob files. Never imports shared/.
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
JOURNAL_FILE = "state.journal.{generation}"
SNAPSHOT_VERSION = 1
MIN_COMPACT_BYTES = 8 * 1024 * 1024   # a journal is folded into a new snapshot past max(this, 2 x snapshot)
_LENGTH = 8
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_RETRIES = 5  # a handler mutating outside the lock can make pickling see a dict change size: retry
log = logging.getLogger("emulators.persistence")


class Snapshots:
    """One emulator's saved state: `save()` (group commit) and `load()`."""

    def __init__(self, data_dir: Path, kind: str, collect: Callable[[], Any], lock: Any,
                 delta: Callable[[], Any] | None = None, taken: Callable[[], None] | None = None) -> None:
        """`delta` returns what changed since the last save; `taken` (called under `lock` right after a
        save's pickling succeeded) lets the emulator forget what that save covered."""
        self.path = Path(data_dir) / SNAPSHOT_FILE
        self.kind = kind
        self._collect = collect
        self._delta = delta
        self._taken = taken
        self._lock = lock                     # the emulator's state lock, held while pickling
        self._tickets = threading.Lock()
        self._writer = threading.Lock()
        self._requested = 0
        self._done = 0
        self._generation = 0                  # of the snapshot file; its journal carries the same number
        self._snapshot_bytes = 0
        self._journal_bytes = 0
        self._full_pending = True             # the first save after start is a full snapshot
        self.saves = 0

    def _journal(self, generation: int) -> Path:
        return self.path.with_name(JOURNAL_FILE.format(generation=generation))

    def load(self) -> tuple[Any, list[Any]] | None:
        """(the last snapshot's state, the deltas journaled after it, oldest first), or None when nothing
        was saved (a fresh data dir). A journal record cut short by a crash mid-write is ignored (its
        write was never acknowledged)."""
        if not self.path.exists():
            return None
        with open(self.path, "rb") as fh:
            doc = pickle.load(fh)  # noqa: S301 - our own file in our own data dir
        if doc.get("kind") != self.kind or doc.get("version") != SNAPSHOT_VERSION:
            raise RuntimeError(f"{self.path} is not a {self.kind} emulator snapshot (version {SNAPSHOT_VERSION})")
        self._generation = int(doc.get("generation", 0))
        deltas: list[Any] = []
        journal = self._journal(self._generation)
        if journal.exists():
            raw = journal.read_bytes()
            at = 0
            while at + _LENGTH <= len(raw):
                size = int.from_bytes(raw[at:at + _LENGTH], "big")
                if at + _LENGTH + size > len(raw):
                    break
                deltas.append(pickle.loads(raw[at + _LENGTH:at + _LENGTH + size]))  # noqa: S301
                at += _LENGTH + size
        return doc["state"], deltas

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
            compact = self._delta is None or self._full_pending or \
                self._journal_bytes > max(MIN_COMPACT_BYTES, 2 * self._snapshot_bytes)
            if compact:
                self._write_snapshot()
            else:
                self._append_delta()
            self._done = target
            self.saves += 1

    def _write_snapshot(self) -> None:
        old, generation = self._generation, self._generation + 1
        blob = self._dump(lambda: {"kind": self.kind, "version": SNAPSHOT_VERSION, "generation": generation,
                                   "state": self._collect()})
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, self.path)            # from here on the old journal is not read any more
        self._journal(old).unlink(missing_ok=True)
        self._generation, self._snapshot_bytes, self._journal_bytes = generation, len(blob), 0
        self._full_pending = False

    def _append_delta(self) -> None:
        assert self._delta is not None
        blob = self._dump(self._delta)
        with open(self._journal(self._generation), "ab") as fh:
            fh.write(len(blob).to_bytes(_LENGTH, "big") + blob)
        self._journal_bytes += _LENGTH + len(blob)

    def _dump(self, collect: Callable[[], Any]) -> bytes:
        for attempt in range(_RETRIES):
            try:
                with self._lock:
                    blob = pickle.dumps(collect(), protocol=pickle.HIGHEST_PROTOCOL)
                    if self._taken is not None:
                        self._taken()
                    return blob
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
