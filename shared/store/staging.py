"""Staging blobs: where a file's bytes wait between the fetch and upload steps.

Bytes are streamed in blocks (never the whole file in memory) and hashed on the way, so the upload
step can verify what it sends. Block ids are derived from the block index, so a retried fetch simply
re-stages the same blocks. The container is created on first use. Never imports azure.functions.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Iterator

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import BlobBlock, BlobServiceClient, ContainerClient
from pydantic import BaseModel

from shared import errors

BLOCK_BYTES = 4 * 1024 * 1024
READ_CHUNK_BYTES = 1024 * 1024


class StagingMissing(errors.NotFound):
    """The staging blob is gone: another delivery of the same step finished and cleaned it up (or it
    expired). The step fetches again instead of failing; the fetch notices if nothing is left to do."""


class StagedBlob(BaseModel):
    name: str
    size: int
    sha256: str


def _block_id(index: int) -> str:
    return base64.b64encode(f"{index:08d}".encode()).decode()


class StagingArea:
    """One container of staging blobs."""

    def __init__(self, service: BlobServiceClient, container: str) -> None:
        self._service = service
        self._container_name = container
        self._container: ContainerClient | None = None

    @property
    def container(self) -> ContainerClient:
        if self._container is None:
            client = self._service.get_container_client(self._container_name)
            try:
                client.create_container()
            except ResourceExistsError:
                pass
            self._container = client
        return self._container

    def put(self, name: str, chunks: Iterable[bytes]) -> StagedBlob:
        """Stream `chunks` into blob `name` (replacing it), returning its size and SHA-256."""
        blob = self.container.get_blob_client(name)
        digest, size, index, blocks = hashlib.sha256(), 0, 0, []
        buffer = bytearray()

        def flush() -> None:
            nonlocal index
            block_id = _block_id(index)
            blob.stage_block(block_id, bytes(buffer))
            blocks.append(BlobBlock(block_id=block_id))
            index += 1
            buffer.clear()

        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            buffer += chunk
            while len(buffer) >= BLOCK_BYTES:
                rest = buffer[BLOCK_BYTES:]
                del buffer[BLOCK_BYTES:]
                flush()
                buffer += rest
        if buffer or not blocks:
            flush()
        blob.commit_block_list(blocks, metadata={"sha256": digest.hexdigest(), "size": str(size)})
        return StagedBlob(name=name, size=size, sha256=digest.hexdigest())

    def stage_blocks(self, name: str, first_block: int, chunks: Iterable[bytes]) -> int:
        """Stage `chunks` as uncommitted blocks of BLOCK_BYTES numbered from `first_block` (a step of a
        transfer split over several steps; staging a block again replaces it). Returns the bytes staged."""
        blob = self.container.get_blob_client(name)
        buffer, index, size = bytearray(), first_block, 0
        for chunk in chunks:
            size += len(chunk)
            buffer += chunk
            while len(buffer) >= BLOCK_BYTES:
                blob.stage_block(_block_id(index), bytes(buffer[:BLOCK_BYTES]))
                del buffer[:BLOCK_BYTES]
                index += 1
        if buffer:
            blob.stage_block(_block_id(index), bytes(buffer))
        return size

    def commit_blocks(self, name: str, blocks: int, size: int) -> StagedBlob:
        """Commit blocks 0..blocks-1 staged by `stage_blocks` as the blob (its SHA-256 is not known here)."""
        blob = self.container.get_blob_client(name)
        blob.commit_block_list([BlobBlock(block_id=_block_id(i)) for i in range(blocks)],
                               metadata={"sha256": "", "size": str(size)})
        committed = self.stat(name)
        if committed.size != size:
            raise errors.InvariantBroken(f"staged {committed.size} bytes of {name}, expected {size}")
        return committed

    def stat(self, name: str) -> StagedBlob:
        try:
            props = self.container.get_blob_client(name).get_blob_properties()
        except ResourceNotFoundError as exc:
            raise StagingMissing(f"staging blob {name} is missing") from exc
        meta = props.metadata or {}
        return StagedBlob(name=name, size=int(props.size), sha256=meta.get("sha256", ""))

    def read(self, name: str, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        """Stream a blob's bytes (a range of them when offset/length are given). A range is read in
        requests of at most BLOCK_BYTES, so a step holds no more than that at once (the SDK's first
        request of a download would otherwise bring up to 32 MiB into memory)."""
        if length is not None:
            yield from self._read_range(name, offset, length)
            return
        try:
            downloader = self.container.get_blob_client(name).download_blob(
                offset=offset if offset or length is not None else None, length=length, max_concurrency=1
            )
        except ResourceNotFoundError as exc:
            raise StagingMissing(f"staging blob {name} is missing") from exc
        for chunk in downloader.chunks():
            for start in range(0, len(chunk), READ_CHUNK_BYTES):
                yield chunk[start : start + READ_CHUNK_BYTES]

    def _read_range(self, name: str, offset: int, length: int) -> Iterator[bytes]:
        blob = self.container.get_blob_client(name)
        for start in range(offset, offset + length, BLOCK_BYTES):
            size = min(BLOCK_BYTES, offset + length - start)
            try:
                data = blob.download_blob(offset=start, length=size, max_concurrency=1).readall()
            except ResourceNotFoundError as exc:
                raise StagingMissing(f"staging blob {name} is missing") from exc
            view = memoryview(data)
            for piece in range(0, len(view), READ_CHUNK_BYTES):
                yield bytes(view[piece : piece + READ_CHUNK_BYTES])

    def delete(self, name: str) -> None:
        """Remove a staging blob; already gone is fine (steps are at-least-once)."""
        try:
            self.container.get_blob_client(name).delete_blob()
        except ResourceNotFoundError:
            return
