"""A segmented v1.1 upload driven one segment at a time, so it can span several steps.

`create` declares every segment (size, sha256) up front, as Procore requires; `segment_targets` reads
the upload back for the presigned PUT URLs and their headers (fresh each step); `put_segment` sends one
segment straight from a stream (no Authorization: it goes to the storage host); `complete` sends the
ETags in order. Progress (which ETags are in) is the caller's to keep. Never imports azure.functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pydantic import BaseModel

from shared import errors

from .scope import Scope
from .session import ProcoreSession
from .uploads import STORAGE_PUT_ROUTE


class SegmentSpec(BaseModel):
    size: int
    sha256: str


class SegmentTarget(BaseModel):
    url: str
    headers: dict[str, str]


def create(session: ProcoreSession, scope: Scope, segments: list[SegmentSpec]) -> str:
    """Declare a segmented upload; returns its uuid."""
    created = session.request("POST", scope.uploads, route=scope.uploads_route,
                              json={"segments": [s.model_dump() for s in segments]}).json()
    return str(created["uuid"])


def segment_targets(session: ProcoreSession, scope: Scope, uuid: str) -> list[SegmentTarget]:
    shown = session.request("GET", f"{scope.uploads}/{uuid}", route=scope.uploads_route + "/{uuid}").json()
    return [SegmentTarget(url=str(s["url"]), headers={str(k): str(v) for k, v in (s.get("headers") or {}).items()})
            for s in shown.get("segments") or []]


def put_segment(session: ProcoreSession, target: SegmentTarget, size: int,
                body: Callable[[], Iterator[bytes]]) -> str:
    """PUT one segment (`body()` gives a fresh stream per attempt); returns its ETag."""
    headers = {**target.headers, "Content-Type": "application/octet-stream", "Content-Length": str(size)}
    resp = session.request("PUT", target.url, route=STORAGE_PUT_ROUTE, headers=headers,
                           build=lambda: {"content": body()}, external=True)
    etag = str(resp.headers.get("etag") or "")
    if not etag:
        raise errors.InvariantBroken("storage returned no ETag for a segment")
    return etag.strip('"')


def complete(session: ProcoreSession, scope: Scope, uuid: str, etags: list[str]) -> None:
    done = session.request("PATCH", f"{scope.uploads}/{uuid}", route=scope.uploads_route + "/{uuid}",
                           json={"segments": [{"etag": e} for e in etags]}).json()
    if done.get("status") != "complete":
        raise errors.InvariantBroken(f"upload {uuid} not complete: {done.get('status')}")
