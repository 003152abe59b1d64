"""Staging blobs stream in blocks and report size and SHA-256."""

from __future__ import annotations

import hashlib
import os
import uuid

import pytest

from shared import errors
from shared.store import staging
from shared.store.clients import StorageClients
from shared.store.staging import StagingArea


def test_put_read_and_delete_stream_multi_block(storage: StorageClients, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staging, "BLOCK_BYTES", 64 * 1024)
    area = StagingArea(storage.blobs, "stg" + uuid.uuid4().hex[:10])
    data = os.urandom(300 * 1024 + 7)
    chunks = [data[i : i + 10_000] for i in range(0, len(data), 10_000)]
    staged = area.put("link/item/v1", chunks)
    assert staged.size == len(data) and staged.sha256 == hashlib.sha256(data).hexdigest()
    assert area.stat("link/item/v1") == staged
    assert b"".join(area.read("link/item/v1")) == data
    assert b"".join(area.read("link/item/v1", offset=1000, length=500)) == data[1000:1500]
    area.delete("link/item/v1")
    area.delete("link/item/v1")
    with pytest.raises(errors.NotFound):
        area.stat("link/item/v1")


def test_empty_file_is_staged(storage: StorageClients) -> None:
    area = StagingArea(storage.blobs, "stg" + uuid.uuid4().hex[:10])
    staged = area.put("empty", [])
    assert staged.size == 0 and b"".join(area.read("empty")) == b""
