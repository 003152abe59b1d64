"""Reading a file's content from an offset on (Range), for transfers split over several steps.

The pre-authenticated URL is asked afresh each time (it is short-lived) and gets no Authorization.
The response's ETag must still be the one the transfer started from, else the file changed under it.
A body that breaks off is an Unavailable (transient: the step is tried again).
Never imports azure.functions.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator

import httpx

from shared import errors
from shared.graph.content import _download_url
from shared.graph.session import GraphSession

DOWNLOAD_ROUTE = "/_layouts/15/download.aspx"


class SourceChanged(errors.Conflict):
    """The file's ETag is not the one the transfer started from."""

    def __init__(self, etag: str | None) -> None:
        super().__init__("the file changed while it was being copied")
        self.etag = etag


def iter_from(session: GraphSession, drive_id: str, item_id: str, offset: int,
              etag: str | None) -> Generator[bytes, None, None]:
    """The item's bytes from `offset` on; the caller may stop early (closing the generator closes the
    response). Raises SourceChanged when the served ETag differs from `etag`."""
    for _ in range(2):   # a URL that expired between asking and using it is asked for once more
        url = _download_url(session, drive_id, item_id)
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        with session.stream("GET", url, route=DOWNLOAD_ROUTE, headers=headers, accept=(401,)) as resp:
            if resp.status_code == 401:
                continue
            if offset and resp.status_code != 206:
                raise errors.InvariantBroken(f"expected 206 for a Range read, got {resp.status_code}")
            served = resp.headers.get("ETag")
            if etag is not None and served != etag:
                raise SourceChanged(served)
            try:
                yield from resp.iter_bytes()
            except httpx.TransportError as exc:   # dropped mid-body: the step is tried again (transient)
                raise errors.Unavailable(f"the download broke off: {type(exc).__name__}") from exc
            return
    raise errors.Unavailable("the download URL expired twice")


class ItemContent:
    """A drive item's bytes as upload content (shared/graph/upload.py `Content`): each range is one Range
    read of the item, so a copy goes from SharePoint to SharePoint without a temp file or a whole-file read."""

    def __init__(self, session: GraphSession, drive_id: str, item_id: str, size: int, etag: str | None) -> None:
        self._session, self._drive_id, self._item_id = session, drive_id, item_id
        self._size, self._etag = size, etag

    @property
    def size(self) -> int:
        return self._size

    def read(self, start: int, length: int) -> Iterator[bytes]:
        source = iter_from(self._session, self._drive_id, self._item_id, start, self._etag)
        taken = 0
        try:
            for chunk in source:
                piece = chunk[: length - taken]
                taken += len(piece)
                yield piece
                if taken >= length:
                    break
        finally:
            source.close()
