"""File content: streaming download (302 -> pre-authenticated URL, resumed with Range) and simple PUT.

Downloads never hold a file in memory: chunks go straight to a writer and through QuickXorHash.
The pre-authenticated URL gets no Authorization header. A dropped download resumes with Range from
the bytes already written, as long as the item's eTag has not changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import httpx
from pydantic import BaseModel

from shared import errors
from shared.graph.models import DriveItem
from shared.graph.paths import child_path, item_path
from shared.graph.quickxor import QuickXorHash
from shared.graph.session import GraphSession

SIMPLE_UPLOAD_MAX = 4 * 1024 * 1024     # ODAPI's 4 MB; larger files go through an upload session
MAX_RESUMES = 5


class Transfer(BaseModel):
    size: int
    quick_xor_hash: str
    item: DriveItem | None = None


def _download_url(session: GraphSession, drive_id: str, item_id: str) -> str:
    resp = session.request("GET", f"{item_path(drive_id, item_id)}/content",
                           route="/drives/{drive-id}/items/{item-id}/content", accept=(302,))
    location = str(resp.headers.get("Location") or "")
    if resp.status_code != 302 or not location:
        raise errors.InvariantBroken(f"expected a 302 with Location, got {resp.status_code}")
    return location


def download_to(session: GraphSession, drive_id: str, item_id: str, out: BinaryIO) -> Transfer:
    """Stream the item's content into `out`; returns its size and QuickXorHash."""
    hasher = QuickXorHash()
    written, etag, resumes = 0, None, 0
    url = _download_url(session, drive_id, item_id)
    while True:
        headers = {"Range": f"bytes={written}-"} if written else {}
        try:
            with session.stream("GET", url, route="/_layouts/15/download.aspx", headers=headers,
                                accept=(401,)) as resp:
                if resp.status_code == 401:      # the short-lived URL expired: get a fresh one
                    url = _download_url(session, drive_id, item_id)
                    resumes += 1
                    if resumes > MAX_RESUMES:
                        raise errors.Unavailable("download URL keeps expiring")
                    continue
                if written and (resp.status_code != 206 or resp.headers.get("ETag") != etag):
                    raise errors.Conflict("the file changed while it was being downloaded")
                etag = resp.headers.get("ETag")
                for chunk in resp.iter_bytes():   # as received (decoded): no re-chunking buffers
                    out.write(chunk)
                    hasher.update(chunk)
                    written += len(chunk)
            return Transfer(size=written, quick_xor_hash=hasher.b64digest())
        except httpx.TransportError as exc:
            resumes += 1
            if resumes > MAX_RESUMES:
                raise errors.Unavailable(f"download kept failing: {exc}") from exc


def download_file(session: GraphSession, drive_id: str, item_id: str, dest: Path) -> Transfer:
    with open(dest, "wb") as fh:
        return download_to(session, drive_id, item_id, fh)


def _put(session: GraphSession, path: str, route: str, data: bytes, if_match: str | None,
         conflict: str | None) -> DriveItem:
    headers = {"Content-Type": "application/octet-stream"}
    if if_match:
        headers["If-Match"] = if_match
    params = {"@microsoft.graph.conflictBehavior": conflict} if conflict else None
    resp = session.request("PUT", path, content=data, headers=headers, params=params, route=route)
    return DriveItem.model_validate(resp.json())


def put_new_small(session: GraphSession, drive_id: str, parent_id: str, name: str, data: bytes,
                  conflict: str = "replace") -> DriveItem:
    """Simple upload of a small new file (<= SIMPLE_UPLOAD_MAX) into parent/name."""
    if len(data) > SIMPLE_UPLOAD_MAX:
        raise ValueError("use an upload session for files over SIMPLE_UPLOAD_MAX")
    return _put(session, child_path(drive_id, parent_id, name, "/content"),
                "/drives/{drive-id}/items/{item-id}:/{name}:/content", data, None, conflict)


def put_replace_small(session: GraphSession, drive_id: str, item_id: str, data: bytes,
                      if_match: str | None = None) -> DriveItem:
    """Simple upload replacing an existing file's content (If-Match guards a concurrent edit)."""
    if len(data) > SIMPLE_UPLOAD_MAX:
        raise ValueError("use an upload session for files over SIMPLE_UPLOAD_MAX")
    return _put(session, f"{item_path(drive_id, item_id)}/content",
                "/drives/{drive-id}/items/{item-id}/content", data, if_match, None)
