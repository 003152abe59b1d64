"""The fetch phase: one range of the source per step into the staging blob, hashing on the way.

Procore -> SharePoint reads the Procore download URL from the offset (Range on the storage hop) and
carries the QuickXorHash state from step to step; SharePoint -> Procore reads the item's content with
the eTag the transfer started from, and hashes each Procore segment (sha256, declared when the upload
is created). Staged blocks are numbered by offset, so a step done again rewrites the same blocks.
Never imports azure.functions.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from typing import Any

from shared import errors
from shared.graph import items as sp_items
from shared.graph import ranges
from shared.graph.quickxor import QuickXorHash
from shared.models.rows import ItemKind
from shared.models.transfers import Direction, Phase, TransferRow
from shared.store.staging import BLOCK_BYTES
from shared.sync.context import LinkContext
from shared.sync.transfer import budget, progress

log = logging.getLogger("pcsync.sync")


class SourceGone(Exception):
    """The source no longer holds the version this transfer copies: it is abandoned (the newer state
    has its own change, which copies it)."""


class _SegmentHasher:
    """sha256 of each Procore segment in [start, end), fed in arbitrary pieces."""

    def __init__(self, start: int, end: int, segment: int) -> None:
        self._bounds = budget.segments_in(start, end, segment) if segment else []
        self._index, self._left = 0, (self._bounds[0][2] - self._bounds[0][1]) if self._bounds else 0
        self._digest = hashlib.sha256()
        self.digests: list[str] = []

    def update(self, piece: bytes) -> None:
        view = memoryview(piece)
        while self._bounds and len(view):
            take = min(self._left, len(view))
            self._digest.update(view[:take])
            view, self._left = view[take:], self._left - take
            if self._left == 0:
                self.digests.append(self._digest.hexdigest())
                self._digest, self._index = hashlib.sha256(), self._index + 1
                if self._index < len(self._bounds):
                    _, a, b = self._bounds[self._index]
                    self._left = b - a


def _bounded(source: Iterator[bytes], length: int, sinks: list[Any]) -> Iterator[bytes]:
    """The first `length` bytes of `source`, fed to each sink's update(); closes the source after."""
    taken = 0
    try:
        for chunk in source:
            piece = chunk[: length - taken]
            for sink in sinks:
                sink.update(piece)
            taken += len(piece)
            yield piece
            if taken >= length:
                break
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()
    if taken != length:
        raise errors.Unavailable(f"the source ended after {taken} of {length} bytes")


def _procore_source(ctx: LinkContext, row: TransferRow, start: int) -> Iterator[bytes]:
    if row.source_url is None:
        raise errors.InvariantBroken(f"transfer {row.key} has no download URL")
    return ctx.procore.downloads.iter_from(row.source_url, start)


def _reads_procore(row: TransferRow) -> bool:
    """Procore's download URL is the source of a copy toward SharePoint; a SharePoint item is read otherwise
    (SharePoint -> Procore, or a keep-both copy of SharePoint's loser)."""
    return row.direction is Direction.TO_SP and row.source_url is not None


def _fresh_procore_url(ctx: LinkContext, row: TransferRow) -> str:
    source = row.source_item or row.item
    current = ctx.adapter(row.tool).get(ctx.procore, ctx.link, source, ItemKind.FILE)
    if current is None or current.version != row.source_version or not current.download_url:
        raise SourceGone(f"Procore {source} no longer has version {row.source_version}")
    return current.download_url


def _sp_etag_still_same_content(ctx: LinkContext, row: TransferRow) -> str:
    """The item's eTag changed (a rename changes it too): go on with the new one if its content is the
    same (its quickXorHash, the transfer's source version), else the transfer is abandoned."""
    source = row.source_item or row.item
    try:
        item = sp_items.get_item(ctx.graph, ctx.drive_id, source)
    except errors.NotFound as exc:
        raise SourceGone(f"SharePoint {source} is gone") from exc
    if item.is_deleted or item.quick_xor_hash != row.source_version or item.etag is None:
        raise SourceGone(f"SharePoint {source} changed since this copy started")
    return item.etag


def fetch_step(ctx: LinkContext, row: TransferRow) -> TransferRow:
    """Stage the range at row.offset; returns the advanced row (phase STAGED once every byte is in)."""
    step = budget.step_bytes(row.direction, row.segment_bytes)
    start, end = budget.step_range(row.offset, row.size, step)
    update: dict[str, object] = {}
    for attempt in range(2):
        quickxor = QuickXorHash.from_state(row.quickxor_state) if row.quickxor_state else QuickXorHash()
        segments = _SegmentHasher(start, end, row.segment_bytes if row.direction is Direction.TO_PROCORE else 0)
        if _reads_procore(row):
            source = _procore_source(ctx, row, start)
        else:
            source = ranges.iter_from(ctx.graph, ctx.drive_id, row.source_item or row.item, start, row.source_etag)
        try:
            ctx.services.staging.stage_blocks(row.staged_blob, start // BLOCK_BYTES,
                                              _bounded(source, end - start, [quickxor, segments]))
            break
        except (errors.NotFound, errors.PermissionDenied):
            if not _reads_procore(row) or attempt:
                raise
            update["source_url"] = _fresh_procore_url(ctx, row)   # the listed URL no longer works
            row = row.model_copy(update=update)
        except ranges.SourceChanged:
            if attempt:
                raise
            update["source_etag"] = _sp_etag_still_same_content(ctx, row)
            row = row.model_copy(update=update)
    update |= {"quickxor_state": quickxor.state(), "segment_sha256": [*row.segment_sha256, *segments.digests]}
    if end < row.size:
        return progress.advance(ctx, row, offset=end, **update)
    ctx.services.staging.commit_blocks(row.staged_blob, -(-row.size // BLOCK_BYTES), row.size)
    upload = _upload_message(row, quickxor.b64digest())
    log.info("staged %d bytes of %s in steps", row.size, row.key)
    return progress.advance(ctx, row, phase=Phase.STAGED, offset=0, upload_message=upload, **update)


def _upload_message(row: TransferRow, quickxor: str) -> str:
    """The planned upload message (stored when the transfer began) with what only the fetch knows."""
    if row.upload_message is None:
        raise errors.InvariantBroken(f"transfer {row.key} has no upload message")
    planned = progress.next_message_type().validate_json(row.upload_message)
    if "quickxor" not in type(planned).model_fields:   # a keep-both copy: SharePoint reports the hash it stores
        return row.upload_message
    return planned.model_copy(update={"quickxor": quickxor}).model_dump_json()
