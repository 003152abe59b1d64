"""File content on disk (never in memory) and the signatures of storage URLs.

A blob is one file under DATA_DIR/blobs, named by its key. Storage URLs carry an HMAC signature and
an expiry like presigned S3 URLs; the API host's download URLs carry their own signature.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


@dataclass
class Blob:
    key: str
    path: Path
    size: int
    content_type: str
    filename: str


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.blob_dir = root / "blobs"
        self.tmp_dir = root / "tmp"
        for d in (self.blob_dir, self.tmp_dir):
            d.mkdir(parents=True, exist_ok=True)
        self.secret = secrets.token_bytes(32)
        self._blobs: dict[str, Blob] = {}
        self._lock = threading.Lock()
        self._n = 0

    def new_key(self) -> str:
        with self._lock:
            self._n += 1
            return f"{self._n:08d}{secrets.token_hex(6).upper()}"

    def temp_path(self, prefix: str = "t") -> Path:
        return self.tmp_dir / f"{prefix}-{secrets.token_hex(8)}"

    def adopt(self, path: Path, content_type: str, filename: str, key: str | None = None) -> Blob:
        """Move a finished temp file into the store."""
        key = key or self.new_key()
        dest = self.blob_dir / key
        os.replace(path, dest)
        blob = Blob(key, dest, dest.stat().st_size, content_type, filename)
        with self._lock:
            self._blobs[key] = blob
        return blob

    def put_bytes(self, data: bytes, content_type: str, filename: str) -> Blob:
        tmp = self.temp_path()
        tmp.write_bytes(data)
        return self.adopt(tmp, content_type, filename)

    def put_stream(self, src: BinaryIO, content_type: str, filename: str) -> Blob:
        tmp = self.temp_path()
        with open(tmp, "wb") as out:
            shutil.copyfileobj(src, out, CHUNK)
        return self.adopt(tmp, content_type, filename)

    def get(self, key: str) -> Blob | None:
        with self._lock:
            return self._blobs.get(key)

    def sign(self, *parts: str) -> str:
        return hmac.new(self.secret, "|".join(parts).encode(), hashlib.sha256).hexdigest()

    def verify(self, signature: str, *parts: str) -> bool:
        return hmac.compare_digest(signature, self.sign(*parts))
