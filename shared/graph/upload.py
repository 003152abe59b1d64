"""Uploads: simple PUT when small, else a resumable upload session, from a file or any re-readable content.

The session streams fragments straight from the content (multiples of 320 KiB, under 60 MiB), never
sends Authorization to the uploadUrl (it is on the SharePoint host, not Graph's), and after any
failure asks the session for nextExpectedRanges ("start-" or closed "start-end") and resumes there.
`send_range` is that loop bounded to one range, for uploads that span several steps. An expired
session (404) restarts once from scratch. If-Match on createUploadSession keeps us from clobbering a
concurrent edit. The local QuickXorHash is computed on the way, for the caller to compare with the server's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

from shared import errors
from shared.graph.content import SIMPLE_UPLOAD_MAX, Transfer, put_new_small, put_replace_small
from shared.graph.models import DriveItem, UploadSessionInfo
from shared.graph.paths import child_path, item_path
from shared.graph.quickxor import QuickXorHash
from shared.graph.session import GraphSession
from shared.http_policy import backoff_delay

FRAGMENT_UNIT = 320 * 1024
DEFAULT_FRAGMENT = 32 * FRAGMENT_UNIT          # 10 MiB, Microsoft's recommended 5-10 MiB
MAX_FRAGMENT = 187 * FRAGMENT_UNIT             # just under 60 MiB
READ_CHUNK = 256 * 1024              # small reads keep the peak low (no big transient buffers)
MAX_FAILURES = 8
UPLOAD_ROUTE = "/_api/v2.0/drives/{drive-id}/items/{item-id}/uploadSession"

RangeReader = Callable[[int, int], Iterable[bytes]]   # (start, length) -> those bytes, in pieces


class Content(Protocol):
    """Bytes to upload: their size, and any range of them again (a fragment may be sent twice)."""

    @property
    def size(self) -> int: ...

    def read(self, start: int, length: int) -> Iterable[bytes]: ...


class FileContent:
    """A local file as upload content."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def read(self, start: int, length: int) -> Iterator[bytes]:
        with open(self.path, "rb") as fh:
            fh.seek(start)
            left = length
            while left > 0:
                chunk = fh.read(min(READ_CHUNK, left))
                if not chunk:
                    raise errors.InvariantBroken("the file shrank during upload")
                left -= len(chunk)
                yield chunk


class SessionExpired(Exception):  # noqa: N818 - the session's state, for the caller to restart from
    """The upload session is gone (404): the upload starts again with a new session."""


class _HashingReader:
    """Feeds each byte of the content to the hash exactly once, however often a range is re-sent."""

    def __init__(self, content: Content) -> None:
        self.content = content
        self.hasher = QuickXorHash()
        self.hashed = 0

    def slice(self, start: int, length: int) -> Iterator[bytes]:
        pos = start
        for chunk in self.content.read(start, length):
            if pos + len(chunk) > self.hashed >= pos:
                self.hasher.update(memoryview(chunk)[self.hashed - pos:])
                self.hashed = pos + len(chunk)
            pos += len(chunk)
            yield chunk
        if pos != start + length:
            raise errors.InvariantBroken(f"content gave {pos - start} of {length} bytes")


def _as_content(src: Path | Content) -> Content:
    return FileContent(src) if isinstance(src, Path) else src


def _session_body(name: str, conflict: str, fs_modified: dt.datetime | None) -> dict[str, Any]:
    item: dict[str, Any] = {"@microsoft.graph.conflictBehavior": conflict, "name": name}
    if fs_modified is not None:
        item["fileSystemInfo"] = {"lastModifiedDateTime": fs_modified.strftime("%Y-%m-%dT%H:%M:%SZ")}
    return {"item": item}


def create_session(session: GraphSession, path: str, body: dict[str, Any],
                   if_match: str | None) -> UploadSessionInfo:
    headers = {"If-Match": if_match} if if_match else {}
    resp = session.request("POST", path, json=body, headers=headers, idempotent=False,
                           route="/drives/{drive-id}/items/{item-id}:/{name}:/createUploadSession")
    return UploadSessionInfo.model_validate(resp.json())


def next_offset(ranges: list[str], size: int) -> int:
    """Where to continue: the lowest start among nextExpectedRanges ("26-" or "26-99", any order)."""
    if not ranges:
        raise errors.InvariantBroken("upload session expects no more bytes but did not commit")
    starts = []
    for text in ranges:
        start, dash, end = str(text).strip().partition("-")
        if not (dash and start.isdigit() and (not end or end.isdigit())):
            raise errors.InvariantBroken(f"unreadable nextExpectedRanges entry {text!r}")
        if int(start) >= size or (end and not int(start) <= int(end) < size):
            raise errors.InvariantBroken(f"nextExpectedRanges entry {text!r} is outside the file")
        starts.append(int(start))
    return min(starts)


def _status(session: GraphSession, url: str) -> UploadSessionInfo | None:
    resp = session.request("GET", url, route=UPLOAD_ROUTE, authenticated=False, accept=(404,))
    return None if resp.status_code == 404 else UploadSessionInfo.model_validate(resp.json())


def send_range(session: GraphSession, url: str, size: int, start: int, end: int, read: RangeReader,
               fragment: int = DEFAULT_FRAGMENT) -> DriveItem | int:
    """PUT the bytes [start, end) of a `size`-byte upload as fragments, resuming from nextExpectedRanges after
    any failure: the committed item once the last byte is in, else the offset the session expects next (at or
    past `end`). Raises SessionExpired (404) and errors.Conflict (409: the name was taken at commit)."""
    offset, failures = start, 0
    while offset < end:
        length = min(fragment, end - offset)
        headers = {"Content-Length": str(length),
                   "Content-Range": f"bytes {offset}-{offset + length - 1}/{size}"}
        try:
            resp = session.request("PUT", url, content=read(offset, length), headers=headers,
                                   route=UPLOAD_ROUTE, authenticated=False,
                                   accept=(404, 409, 416, 500, 502, 503, 504, 429), idempotent=False)
        except errors.Unavailable:
            resp = None
        if resp is not None and resp.status_code in (200, 201):
            return DriveItem.model_validate(resp.json())
        if resp is not None and resp.status_code == 202:
            offset, failures = next_offset(resp.json().get("nextExpectedRanges", []), size), 0
            continue
        if resp is not None and resp.status_code == 404:
            raise SessionExpired("the upload session expired")
        if resp is not None and resp.status_code == 409:
            raise errors.Conflict("an item with this name appeared before the upload committed")
        failures += 1
        if failures > MAX_FAILURES:
            raise errors.Unavailable("upload session keeps failing")
        if resp is None or resp.status_code != 416:   # 416: these bytes are in already (a range sent again)
            retry_after = None
            if resp is not None and resp.status_code in (429, 503):
                retry_after = float(resp.headers.get("Retry-After", "1") or 1)
            session.sleep(backoff_delay(failures, retry_after))
        status = _status(session, url)           # where does the service want us to continue?
        if status is None:
            raise SessionExpired("the upload session expired")
        offset = next_offset(status.next_expected_ranges, size)
    return offset


def _upload_session(session: GraphSession, create_path: str, body: dict[str, Any], content: Content,
                    if_match: str | None, fragment: int) -> Transfer:
    if fragment % FRAGMENT_UNIT or not 0 < fragment <= MAX_FRAGMENT:
        raise ValueError("fragment size must be a positive multiple of 320 KiB under 60 MiB")
    size = content.size
    for _ in range(2):                            # a session that expires is restarted once
        info = create_session(session, create_path, body, if_match)
        if not info.upload_url:
            raise errors.InvariantBroken("createUploadSession returned no uploadUrl")
        reader = _HashingReader(content)
        try:
            item = send_range(session, info.upload_url, size, 0, size, reader.slice, fragment)
        except SessionExpired:
            continue
        if not isinstance(item, DriveItem):
            raise errors.InvariantBroken("upload session expects bytes past the end of the file")
        return Transfer(size=size, quick_xor_hash=reader.hasher.b64digest(), item=item)
    raise errors.Unavailable("the upload session expired twice")


def _small(content: Content) -> bytes:
    """The whole content of a file small enough for a simple PUT (at most SIMPLE_UPLOAD_MAX)."""
    return b"".join(content.read(0, content.size))


def upload_new(session: GraphSession, drive_id: str, parent_id: str, name: str, src: Path | Content, *,
               conflict: str = "fail", fs_modified: dt.datetime | None = None,
               fragment: int = DEFAULT_FRAGMENT, simple_max: int = SIMPLE_UPLOAD_MAX) -> Transfer:
    """Upload a local file or other content as parent/name (conflict: fail | replace | rename)."""
    content = _as_content(src)
    size = content.size
    if size <= min(simple_max, SIMPLE_UPLOAD_MAX) and fs_modified is None:
        data = _small(content)
        item = put_new_small(session, drive_id, parent_id, name, data, conflict)
        return Transfer(size=size, quick_xor_hash=QuickXorHash(data).b64digest(), item=item)
    path = child_path(drive_id, parent_id, name, "/createUploadSession")
    return _upload_session(session, path, _session_body(name, conflict, fs_modified), content, None, fragment)


def upload_replace(session: GraphSession, drive_id: str, item_id: str, src: Path | Content, *,
                   if_match: str | None = None, fs_modified: dt.datetime | None = None,
                   fragment: int = DEFAULT_FRAGMENT, simple_max: int = SIMPLE_UPLOAD_MAX) -> Transfer:
    """Replace an existing file's content; if_match (its eTag/cTag) refuses to clobber other edits."""
    content = _as_content(src)
    size = content.size
    if size <= min(simple_max, SIMPLE_UPLOAD_MAX) and fs_modified is None:
        data = _small(content)
        item = put_replace_small(session, drive_id, item_id, data, if_match)
        return Transfer(size=size, quick_xor_hash=QuickXorHash(data).b64digest(), item=item)
    body: dict[str, Any] = {"item": {"@microsoft.graph.conflictBehavior": "replace"}}
    if fs_modified is not None:
        body["item"]["fileSystemInfo"] = {"lastModifiedDateTime": fs_modified.strftime("%Y-%m-%dT%H:%M:%SZ")}
    return _upload_session(session, f"{item_path(drive_id, item_id)}/createUploadSession", body, content,
                           if_match, fragment)


def cancel_session(session: GraphSession, upload_url: str) -> None:
    session.request("DELETE", upload_url, route=UPLOAD_ROUTE, authenticated=False, accept=(404,))

