"""File content on disk under the data dir: staging files for uploads and one blob per item version.

Never holds a whole file in memory; hashing reads the stored bytes back in chunks.
"""

from __future__ import annotations

import os
from pathlib import Path

from emulators.graph import ids, quickxor


class BlobStore:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "content"
        self.staging = data_dir / "staging"
        self.root.mkdir(parents=True, exist_ok=True)
        self.staging.mkdir(parents=True, exist_ok=True)

    def new_staging(self) -> Path:
        path = self.staging / ids.opaque_token(12)
        path.touch()
        return path

    def adopt(self, staging: Path, item_id: str, version: int) -> Path:
        """Move a finished staging file into place as the content of item_id@version."""
        target = self.root / f"{item_id}.{version}"
        os.replace(staging, target)
        return target

    def copy_in(self, data: bytes) -> Path:
        path = self.new_staging()
        path.write_bytes(data)
        return path

    @staticmethod
    def discard(path: Path | None) -> None:
        if path is not None:
            try:
                path.unlink()
            except FileNotFoundError:
                pass

    @staticmethod
    def hash(path: Path) -> str:
        return quickxor.hash_file(path)
