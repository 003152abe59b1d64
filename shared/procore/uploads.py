"""Streaming v1.1 direct uploads: non-segmented below a threshold, segmented above it.

Segmented: a first pass over the source computes each segment's sha256/md5 (and the whole file's
sha256) while reading; the upload is created with them; each segment is PUT straight from the
source with the returned headers (no Authorization: it goes to the storage host); the ETags are sent
back in order. Non-segmented: the POST policy's fields plus the file, as multipart, to the storage
URL. Nothing is held in memory beyond one read chunk. The returned uuid is then attached with
`file[upload_uuid]`, `file_version[upload_uuid]` or an image create.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from pydantic import BaseModel, ConfigDict

from shared import errors

from .scope import Scope
from .session import ProcoreSession

MiB = 1024 * 1024
DEFAULT_SEGMENT_BYTES = 16 * MiB
MIN_SEGMENT_BYTES = 5 * MiB
READ_CHUNK = 1 * MiB
STORAGE_POST_ROUTE = "POST <storage upload url>"
STORAGE_PUT_ROUTE = "PUT <storage segment url>"


class UploadSource(Protocol):
    """Re-readable content: opened once per pass (hashing, then sending)."""

    @property
    def size(self) -> int: ...

    def open(self) -> AbstractContextManager[BinaryIO]: ...


class FileSource:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def open(self) -> AbstractContextManager[BinaryIO]:
        return open(self.path, "rb")


class UploadResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    uuid: str
    size: int
    sha256: str
    segmented: bool


class _SegmentHash(BaseModel):
    size: int
    sha256: str
    md5: str


def _read_range(f: BinaryIO, start: int, length: int) -> Iterator[bytes]:
    f.seek(start)
    left = length
    while left > 0:
        chunk = f.read(min(READ_CHUNK, left))
        if not chunk:
            raise errors.InvariantBroken("upload source is shorter than its size")
        left -= len(chunk)
        yield chunk


class Uploader:
    def __init__(self, session: ProcoreSession, *, segment_bytes: int = DEFAULT_SEGMENT_BYTES,
                 threshold_bytes: int | None = None) -> None:
        if segment_bytes < MIN_SEGMENT_BYTES:
            raise ValueError("Procore segments must be at least 5 MiB (except the last)")
        self._session = session
        self.segment_bytes = segment_bytes
        self.threshold_bytes = threshold_bytes if threshold_bytes is not None else segment_bytes

    def upload(self, scope: Scope, source: UploadSource, *, filename: str,
               content_type: str = "application/octet-stream") -> UploadResult:
        if source.size > self.threshold_bytes:
            return self._segmented(scope, source)
        return self._single(scope, source, filename, content_type)

    def _single(self, scope: Scope, source: UploadSource, filename: str, content_type: str) -> UploadResult:
        created = self._session.request(
            "POST", scope.uploads, route=scope.uploads_route,
            json={"response_filename": filename, "response_content_type": content_type},
        ).json()
        fields = {str(k): str(v) for k, v in created["fields"].items()}
        digests: list[Any] = []

        def build() -> dict[str, Any]:          # a fresh reader (and hash) per attempt
            digests.append(hashlib.sha256())
            return {"data": fields, "files": {"file": (filename, _HashingReader(source, digests[-1]), content_type)}}

        self._session.request("POST", str(created["url"]), route=STORAGE_POST_ROUTE, build=build, external=True)
        sha = digests[-1].hexdigest()
        return UploadResult(uuid=str(created["uuid"]), size=source.size, sha256=sha, segmented=False)

    def _segmented(self, scope: Scope, source: UploadSource) -> UploadResult:
        segments, whole = self._hash_segments(source)
        created = self._session.request(
            "POST", scope.uploads, route=scope.uploads_route,
            json={"segments": [s.model_dump() for s in segments]},
        ).json()
        etags: list[dict[str, str]] = []
        start = 0
        for seg, info in zip(segments, created["segments"], strict=True):
            headers = {str(k): str(v) for k, v in (info.get("headers") or {}).items()}
            headers["Content-Type"] = "application/octet-stream"
            headers["Content-Length"] = str(seg.size)
            offset = start

            def build(offset: int = offset, length: int = seg.size) -> dict[str, Any]:
                return {"content": _range_stream(source, offset, length)}

            resp = self._session.request("PUT", str(info["url"]), route=STORAGE_PUT_ROUTE, headers=headers,
                                         build=build, external=True)
            etag = resp.headers.get("etag")
            if not etag:
                raise errors.InvariantBroken("storage returned no ETag for a segment")
            etags.append({"etag": etag.strip('"')})
            start += seg.size
        done = self._session.request(
            "PATCH", f"{scope.uploads}/{created['uuid']}", route=scope.uploads_route + "/{uuid}",
            json={"segments": etags},
        ).json()
        if done.get("status") != "complete":
            raise errors.InvariantBroken(f"upload {created['uuid']} not complete: {done.get('status')}")
        return UploadResult(uuid=str(created["uuid"]), size=source.size, sha256=whole, segmented=True)

    def _hash_segments(self, source: UploadSource) -> tuple[list[_SegmentHash], str]:
        size, whole = source.size, hashlib.sha256()
        out: list[_SegmentHash] = []
        with source.open() as f:
            for start in range(0, max(size, 1), self.segment_bytes):
                length = min(self.segment_bytes, size - start)
                sha, md5 = hashlib.sha256(), hashlib.md5()
                for chunk in _read_range(f, start, length):
                    sha.update(chunk)
                    md5.update(chunk)
                    whole.update(chunk)
                out.append(_SegmentHash(size=length, sha256=sha.hexdigest(), md5=md5.hexdigest()))
        return out, whole.hexdigest()


def _range_stream(source: UploadSource, start: int, length: int) -> Iterator[bytes]:
    with source.open() as f:
        yield from _read_range(f, start, length)


class _HashingReader:
    """A file-like view of the source that hashes what httpx's multipart encoder reads."""

    def __init__(self, source: UploadSource, digest: Any) -> None:
        self._cm = source.open()
        self._f = self._cm.__enter__()
        self._digest = digest
        self._size = source.size

    def read(self, n: int = -1) -> bytes:
        chunk = self._f.read(n if n and n > 0 else READ_CHUNK)
        if chunk:
            self._digest.update(chunk)
        else:
            self._cm.__exit__(None, None, None)
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._f.seek(offset, whence)

    def tell(self) -> int:
        return self._f.tell()

    def fileno(self) -> int:
        return self._f.fileno()

    def close(self) -> None:
        self._cm.__exit__(None, None, None)

