"""Delta on a library root with a stored cursor: follow nextLinks, keep the deltaLink, survive 410.

Changes are merged by id (the last occurrence wins) and handed back only once the deltaLink arrived,
so the caller applies a complete batch and stores the new cursor afterwards (the cursor moves last).
A 410 resyncRequired (or an unusable token) restarts with a full enumeration and says so
(`resynced`): the caller must then reconcile everything rather than apply differences.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from shared import errors
from shared.graph.models import DriveItem
from shared.graph.paths import drive_path
from shared.graph.session import GraphSession

DELTA_PAGE_SIZE = 500
DELTA_ROUTE = "/drives/{drive-id}/root/delta"
MAX_RESYNCS = 3


class DeltaResult(BaseModel):
    items: list[DriveItem]            # merged by id; the last occurrence wins (and sets the order)
    delta_link: str                   # the cursor to store once the items are recorded
    resynced: bool = False            # the old cursor was refused: this is a full enumeration


def _pages(session: GraphSession, start: str, params: dict[str, str] | None) -> Iterator[dict[str, Any]]:
    url: str | None = start
    while url:
        resp = session.request("GET", url, route=DELTA_ROUTE, params=params, accept=(410, 400))
        if resp.status_code in (410, 400):
            raise _Resync(resp.headers.get("Location"), resp.status_code)
        data = resp.json()
        yield data
        params = None
        url = data.get("@odata.nextLink")
        if not url and not data.get("@odata.deltaLink"):
            raise errors.InvariantBroken("delta page without nextLink or deltaLink")


class _Resync(Exception):
    def __init__(self, location: str | None, status: int) -> None:
        super().__init__(status)
        self.location = location
        self.status = status


def fetch_changes(session: GraphSession, drive_id: str, cursor: str | None,
                  page_size: int = DELTA_PAGE_SIZE) -> DeltaResult:
    """All changes since `cursor` (a stored deltaLink), or a full enumeration when cursor is None."""
    start = cursor or f"{drive_path(drive_id)}/root/delta"
    params = None if cursor else {"$top": str(page_size)}
    resynced = False
    for _ in range(MAX_RESYNCS + 1):
        merged: dict[str, DriveItem] = {}
        try:
            delta_link = ""
            for page in _pages(session, start, params):
                for value in page.get("value", []):
                    item = DriveItem.model_validate(value)
                    merged.pop(item.id, None)
                    merged[item.id] = item
                delta_link = str(page.get("@odata.deltaLink") or "")
            return DeltaResult(items=list(merged.values()), delta_link=delta_link, resynced=resynced)
        except _Resync as rs:
            if rs.status == 400 and not cursor:
                raise errors.InvariantBroken("delta refused a fresh enumeration") from None
            resynced, cursor = True, None
            start = rs.location or f"{drive_path(drive_id)}/root/delta"
            params = {"$top": str(page_size)}
    raise errors.Unavailable("delta keeps asking for a resync")


def latest_cursor(session: GraphSession, drive_id: str) -> str:
    """A deltaLink for "from now on" without enumerating (token=latest): take it before a full copy."""
    data = session.request("GET", f"{drive_path(drive_id)}/root/delta", route=DELTA_ROUTE,
                           params={"token": "latest"}).json()
    link = data.get("@odata.deltaLink")
    if not isinstance(link, str):
        raise errors.InvariantBroken("token=latest returned no deltaLink")
    return link
