"""A person's upload to Procore from bytes in memory (no temp file): the demo's photos and company
documents, and the end-to-end tests' files. Only the public upload API (shared/procore/uploads.py).
"""

from __future__ import annotations

import io
from contextlib import AbstractContextManager
from typing import BinaryIO

from shared.procore.client import ProcoreClient
from shared.procore.scope import Scope

DEFAULT_CONTENT_TYPE = "application/octet-stream"


class BytesSource:
    """Bytes in memory as a Procore upload's source."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    @property
    def size(self) -> int:
        return len(self.data)

    def open(self) -> AbstractContextManager[BinaryIO]:
        return io.BytesIO(self.data)


def upload_bytes(client: ProcoreClient, scope: Scope, name: str, data: bytes,
                 content_type: str = DEFAULT_CONTENT_TYPE) -> str:
    """Upload `data` as `name` into `scope`; the upload's uuid, for a new file, version or image."""
    return client.uploads.upload(scope, BytesSource(data), filename=name, content_type=content_type).uuid
