"""The staged bytes of a file as the source of an upload, read straight from the staging blob.

One object serves both clients: Graph's upload (`read(start, length)`, ranges of the blob) and Procore's
(`open()`, a seekable reader). Nothing goes through a temp file, and no read holds more than one
storage request (REQUEST_BYTES) in memory, whatever the file's size. Never imports azure.functions.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import AbstractContextManager, closing
from typing import BinaryIO, cast

from shared.store.staging import StagingArea

# The storage SDK's download of one request briefly takes about nine times its length in Python memory
# (measured: 36 MiB for a 4 MiB range), so a one-step upload reads in requests of 1 MiB.
REQUEST_BYTES = 1024 * 1024


class StagedSource:
    """A staging blob of known size, re-readable by range (each range in requests of at most one block)."""

    def __init__(self, staging: StagingArea, blob: str, size: int | None = None) -> None:
        self._staging, self.blob = staging, blob
        self._size = size

    @property
    def size(self) -> int:
        if self._size is None:
            self._size = self._staging.stat(self.blob).size
        return self._size

    def read(self, start: int, length: int) -> Iterator[bytes]:
        """The bytes [start, start + length), one storage request of at most REQUEST_BYTES at a time."""
        for at in range(start, start + length, REQUEST_BYTES):
            yield from self._staging.read(self.blob, at, min(REQUEST_BYTES, start + length - at))

    def open(self) -> AbstractContextManager[BinaryIO]:
        reader = io.BufferedReader(_BlobReader(self), buffer_size=io.DEFAULT_BUFFER_SIZE)
        return closing(cast(BinaryIO, reader))


class _BlobReader(io.RawIOBase):
    """A seekable raw reader over the blob: each read asks for the range it needs (no fileno, so httpx
    measures it by seeking, as it does a BytesIO)."""

    def __init__(self, source: StagedSource) -> None:
        self._source = source
        self._pos = 0
        self._pending: Iterator[bytes] | None = None   # the rest of the range being read from _pos
        self._carry = memoryview(b"")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._source.size}[whence]
        target = max(0, base + offset)
        if target != self._pos:
            self._pending, self._carry = None, memoryview(b"")
        self._pos = target
        return self._pos

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        size = self._source.size
        if self._pos >= size or not len(buffer):
            return 0
        if not self._carry:
            if self._pending is None:
                self._pending = self._source.read(self._pos, size - self._pos)
            self._carry = memoryview(next(self._pending, b""))
            if not self._carry:
                return 0
        take = min(len(buffer), len(self._carry))
        buffer[:take] = self._carry[:take]
        self._carry = self._carry[take:]   # a view: the piece is not copied again
        self._pos += take
        return take
