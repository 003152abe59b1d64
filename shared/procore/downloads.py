"""Streaming downloads of Procore's opaque file URLs, never holding a file in memory.

Redirects are followed by hand (at most MAX_HOPS): the Bearer token goes only to the API host,
never to the storage host a redirect points at. A transfer cut short is resumed with `Range`
from the first hop (storage URLs expire, so they are fetched afresh).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import ExitStack
from typing import BinaryIO
from urllib.parse import urljoin

import httpx
from pydantic import BaseModel, ConfigDict

from shared import errors

from .session import ProcoreSession

MAX_HOPS = 5
CHUNK_BYTES = 1024 * 1024
MAX_RESUMES = 3
REDIRECTS = frozenset({301, 302, 303, 307, 308})
DOWNLOAD_ROUTE = "GET <file url>"
STORAGE_ROUTE = "GET <storage url>"


class DownloadResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    size: int
    sha256: str
    content_type: str | None = None


class Downloader:
    def __init__(self, session: ProcoreSession, *, chunk_bytes: int = CHUNK_BYTES) -> None:
        self._session = session
        self._chunk = chunk_bytes

    def download_to(self, url: str, sink: BinaryIO) -> DownloadResult:
        """Write the file behind `url` to `sink`; returns size and sha256 computed on the way."""
        digest = hashlib.sha256()
        written = 0
        content_type: str | None = None
        for resume in range(MAX_RESUMES + 1):
            try:
                for chunk, ctype in self._chunks(url, offset=written):
                    content_type = content_type or ctype
                    sink.write(chunk)
                    digest.update(chunk)
                    written += len(chunk)
                return DownloadResult(size=written, sha256=digest.hexdigest(), content_type=content_type)
            except (httpx.TransportError, _Truncated) as exc:
                if resume == MAX_RESUMES:
                    raise errors.Unavailable(f"download interrupted after {written} bytes") from exc
        raise errors.InvariantBroken("unreachable")

    def iter_bytes(self, url: str) -> Iterator[bytes]:
        """The file's bytes as chunks (for piping into another stream)."""
        for chunk, _ in self._chunks(url, offset=0):
            yield chunk

    def iter_from(self, url: str, offset: int) -> Iterator[bytes]:
        """The file's bytes from `offset` on (Range on the storage hop); the caller may stop early."""
        for chunk, _ in self._chunks(url, offset=offset):
            yield chunk

    def _chunks(self, url: str, *, offset: int) -> Iterator[tuple[bytes, str | None]]:
        current = url
        for _ in range(MAX_HOPS + 1):
            on_api = self._session.is_api_url(current)
            headers = {"Range": f"bytes={offset}-"} if offset and not on_api else {}
            route = DOWNLOAD_ROUTE if on_api else STORAGE_ROUTE
            with ExitStack() as stack:
                try:
                    resp = stack.enter_context(
                        self._session.stream("GET", current, route=route, headers=headers, external=not on_api))
                except errors.PermissionDenied as exc:
                    if on_api:
                        raise
                    raise _Truncated("storage refused the presigned URL (expired?)") from exc
                if resp.status_code in REDIRECTS:
                    location = resp.headers.get("location")
                    if not location:
                        raise errors.InvariantBroken("redirect without Location")
                    current = urljoin(current, location)
                    continue
                if offset and resp.status_code != 206:
                    raise errors.InvariantBroken("storage ignored Range on resume")
                expected = _expected_length(resp)
                got = 0
                ctype = resp.headers.get("content-type")
                for chunk in resp.iter_bytes(self._chunk):
                    got += len(chunk)
                    yield chunk, ctype
                if expected is not None and got != expected:
                    raise _Truncated(f"got {got} of {expected} bytes")
                return
        raise errors.InvariantBroken(f"more than {MAX_HOPS} redirects")


class _Truncated(Exception):
    pass


def _expected_length(resp: httpx.Response) -> int | None:
    raw = resp.headers.get("content-length")
    return int(raw) if raw and raw.isdigit() else None
