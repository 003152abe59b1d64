"""The send phase toward Procore: a segmented upload fed whole segments of the staging blob per step.

The upload is created by the upload step (runners/to_procore.py decides the twin, parent and name,
exactly as for a small file) with every segment's size and sha256, hashed during the fetch. Each step
PUTs its segments (the presigned URLs are read afresh each step) and records their ETags; the last
step completes the upload. A segment PUT again replaces itself, so a step done again after a crash is
harmless. Presigned URLs refused (expired) restart the upload step from the staged bytes.
Never imports azure.functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import NoReturn

from shared import errors
from shared.models.rows import LinkRow
from shared.models.transfers import Phase, TransferRow
from shared.procore import segments
from shared.procore.scope import Scope
from shared.sync.context import LinkContext
from shared.sync.transfer import budget, progress
from shared.sync.transfer.send_sp import Continued, Restart


def upload_scope(link: LinkRow) -> Scope:
    """Uploads belong to the link's project (or its company, for company documents)."""
    if link.procore_project_id is not None:
        return Scope.project(link.procore_project_id)
    return Scope.company(link.procore_company_id)


def _specs(row: TransferRow) -> list[segments.SegmentSpec]:
    count = len(row.segment_sha256)
    if count != -(-row.size // row.segment_bytes):
        raise errors.InvariantBroken(f"transfer {row.key} has {count} segment hashes for {row.size} bytes")
    return [segments.SegmentSpec(size=min(row.segment_bytes, row.size - i * row.segment_bytes), sha256=digest)
            for i, digest in enumerate(row.segment_sha256)]


def begin_upload(ctx: LinkContext, key: str, *, twin_id: str | None, parent_id: str, name: str,
                 lease_until: datetime | None, claimed_at: datetime | None) -> NoReturn:
    """Create the segmented upload and hand on its first step (the caller's lease or claim is kept)."""
    row = progress.get(ctx, key)
    if row is None or row.phase is not Phase.STAGED:
        raise errors.InvariantBroken(f"transfer {key} is not staged")
    uuid = segments.create(ctx.procore.session, upload_scope(ctx.link), _specs(row))
    started = progress.advance(ctx, row, phase=Phase.SEND, offset=0, upload_uuid=uuid, etags=[], twin_id=twin_id,
                               parent_id=parent_id, name=name, lease_until=lease_until, claimed_at=claimed_at)
    progress.hand_on(ctx, started)
    raise Continued


def _reader(ctx: LinkContext, blob: str, start: int, end: int) -> Callable[[], Iterator[bytes]]:
    return lambda: ctx.services.staging.read(blob, start, end - start)


def send_step(ctx: LinkContext, row: TransferRow) -> str | TransferRow:
    """PUT the segments at row.offset: the completed upload's uuid after the last ones, else the advanced row."""
    if row.upload_uuid is None:
        raise errors.InvariantBroken(f"transfer {row.key} has no Procore upload")
    scope, session = upload_scope(ctx.link), ctx.procore.session
    start, end = budget.step_range(row.offset, row.size, budget.step_bytes(row.direction, row.segment_bytes))
    try:
        if start >= row.size:   # every segment is in: complete (again, if a crash came after: harmless)
            segments.complete(session, scope, row.upload_uuid, row.etags)
            return row.upload_uuid
        targets = segments.segment_targets(session, scope, row.upload_uuid)
        etags = list(row.etags[: start // row.segment_bytes])
        for index, a, b in budget.segments_in(start, end, row.segment_bytes):
            etags.append(segments.put_segment(session, targets[index], b - a, _reader(ctx, row.staged_blob, a, b)))
    except (errors.PermissionDenied, errors.NotFound) as exc:
        raise Restart(f"the Procore upload is no longer usable: {exc}") from exc
    return progress.advance(ctx, row, offset=end, etags=etags)
