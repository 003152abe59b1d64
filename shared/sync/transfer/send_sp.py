"""The send phase toward SharePoint: a Graph upload session fed one range of the staging blob per step.

The session is created by the upload step (runners/transfer.py decides where and how, through
`ChunkedSender`, exactly as for a small file); each later step PUTs its range as 10 MiB fragments.
A fragment that fails, or a step done again after a crash, asks the session for nextExpectedRanges and
goes on from there. An expired session (404) or a name taken at commit (409) restarts the upload step
from the staged bytes. The uploadUrl is pre-authenticated: no Authorization, never logged.
Never imports azure.functions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NoReturn

from shared import errors
from shared.graph.content import Transfer
from shared.graph.models import DriveItem, UploadSessionInfo
from shared.graph.paths import child_path, item_path
from shared.graph.upload import DEFAULT_FRAGMENT, MAX_FAILURES, UPLOAD_ROUTE, create_session, next_offset
from shared.http_policy import backoff_delay
from shared.models.transfers import Phase, TransferRow
from shared.sync.context import LinkContext
from shared.sync.transfer import budget, progress


class Continued(Exception):  # noqa: N818 - not an error: control flow, like StopIteration
    """The upload goes on in later steps: the step that started it is done (lease and staging kept)."""


class Restart(Exception):  # noqa: N818
    """The destination session is gone (expired, or the name was taken at commit): upload again."""


class ChunkedSender:
    """Starts a large upload the way runners/transfer.py asks (new name, or replace an item)."""

    def __init__(self, ctx: LinkContext, key: str, parent_sp: str, lease_until: datetime | None) -> None:
        self._ctx, self._key, self._parent, self._lease = ctx, key, parent_sp, lease_until

    def new(self, parent_id: str, name: str, conflict: str) -> Transfer:
        body = {"item": {"@microsoft.graph.conflictBehavior": conflict, "name": name}}
        self._begin(child_path(self._ctx.drive_id, parent_id, name, "/createUploadSession"), body)

    def replace(self, item_id: str) -> Transfer:
        body = {"item": {"@microsoft.graph.conflictBehavior": "replace"}}
        self._begin(f"{item_path(self._ctx.drive_id, item_id)}/createUploadSession", body)

    def _begin(self, path: str, body: dict[str, Any]) -> NoReturn:
        ctx = self._ctx
        row = progress.get(ctx, self._key)
        if row is None or row.phase is not Phase.STAGED:
            raise errors.InvariantBroken(f"transfer {self._key} is not staged")
        info = create_session(ctx.graph, path, body, None)   # a name taken answers 409 here (Conflict)
        if not info.upload_url:
            raise errors.InvariantBroken("createUploadSession returned no uploadUrl")
        started = progress.advance(ctx, row, phase=Phase.SEND, offset=0, session_url=info.upload_url,
                                   parent_id=self._parent, lease_until=self._lease)
        progress.hand_on(ctx, started)
        raise Continued


def _status(ctx: LinkContext, url: str) -> UploadSessionInfo | None:
    resp = ctx.graph.request("GET", url, route=UPLOAD_ROUTE, authenticated=False, accept=(404,))
    return None if resp.status_code == 404 else UploadSessionInfo.model_validate(resp.json())


def send_step(ctx: LinkContext, row: TransferRow) -> DriveItem | TransferRow:
    """PUT the range at row.offset: the committed item after the last one, else the advanced row."""
    url = row.session_url
    if url is None:
        raise errors.InvariantBroken(f"transfer {row.key} has no upload session")
    start, end = budget.step_range(row.offset, row.size, budget.STEP_BYTES)
    offset, failures = start, 0
    while offset < end:
        stop = min(offset + DEFAULT_FRAGMENT, end)
        headers = {"Content-Length": str(stop - offset), "Content-Range": f"bytes {offset}-{stop - 1}/{row.size}"}
        try:
            resp = ctx.graph.request("PUT", url, content=ctx.services.staging.read(row.staged_blob, offset,
                                                                                   stop - offset),
                                     headers=headers, route=UPLOAD_ROUTE, authenticated=False,
                                     accept=(404, 409, 416, 500, 502, 503, 504, 429), idempotent=False)
        except errors.Unavailable:
            resp = None
        if resp is not None and resp.status_code in (200, 201):
            return DriveItem.model_validate(resp.json())
        if resp is not None and resp.status_code == 202:
            offset, failures = next_offset(resp.json().get("nextExpectedRanges", []), row.size), 0
            continue
        if resp is not None and resp.status_code == 404:
            raise Restart("the upload session expired")
        if resp is not None and resp.status_code == 409:
            raise Restart("an item with this name appeared before the upload committed")
        failures += 1
        if failures > MAX_FAILURES:
            raise errors.Unavailable("upload session keeps failing")
        if resp is None or resp.status_code != 416:   # 416: these bytes are in already (a step done again)
            retry_after = float(resp.headers.get("Retry-After", "1") or 1) if resp is not None and \
                resp.status_code in (429, 503) else None
            ctx.graph.sleep(backoff_delay(failures, retry_after))
        status = _status(ctx, url)
        if status is None:
            raise Restart("the upload session expired")
        offset = next_offset(status.next_expected_ranges, row.size)
    return progress.advance(ctx, row, offset=offset)
