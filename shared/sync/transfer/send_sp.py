"""The send phase toward SharePoint: a Graph upload session fed one range of the staging blob per step.

The session is created by the upload step (runners/transfer.py decides where and how, through
`ChunkedSender`, exactly as for a small file); each later step PUTs its range through the Graph client's
own fragment loop (shared/graph/upload.py `send_range`): a fragment that fails, or a step done again
after a crash, asks the session for nextExpectedRanges and goes on from there. An expired session (404)
or a name taken at commit (409) restarts the upload step from the staged bytes. The uploadUrl is
pre-authenticated: no Authorization, never logged.
Never imports azure.functions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NoReturn

from shared import errors
from shared.graph.content import Transfer
from shared.graph.models import DriveItem
from shared.graph.paths import child_path, item_path
from shared.graph.upload import SessionExpired, create_session, send_range
from shared.models.transfers import Phase, TransferRow
from shared.sync.context import LinkContext
from shared.sync.transfer import budget, progress


class Continued(Exception):  # noqa: N818 - not an error: control flow, like StopIteration
    """The upload goes on in later steps: the step that started it is done (lease and staging kept)."""


class Restart(Exception):  # noqa: N818
    """The destination session is gone (expired, or the name was taken at commit), or a refused create
    left the file to go as a new version of another: upload again from the staged bytes."""


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


def send_step(ctx: LinkContext, row: TransferRow) -> DriveItem | TransferRow:
    """PUT the range at row.offset: the committed item after the last one, else the advanced row."""
    url = row.session_url
    if url is None:
        raise errors.InvariantBroken(f"transfer {row.key} has no upload session")
    start, end = budget.step_range(row.offset, row.size, budget.STEP_BYTES)
    staging = ctx.services.staging
    try:
        sent = send_range(ctx.graph, url, row.size, start, end,
                          lambda offset, length: staging.read(row.staged_blob, offset, length))
    except SessionExpired as exc:
        raise Restart(str(exc)) from exc
    except errors.Conflict as exc:
        raise Restart(str(exc)) from exc
    if isinstance(sent, DriveItem):
        return sent
    return progress.advance(ctx, row, offset=sent)
