"""Starting a large transfer: its progress row and first fetch step (called by the runners' fetch steps).

A transfer already under way for the same (direction, tool, item, source version) is left alone, so a
duplicate or late delivery of the fetch message starts nothing. Never imports azure.functions.
"""

from __future__ import annotations

import logging

from shared.models import messages as m
from shared.models.api import ToolKey
from shared.models.transfers import Direction, TransferRow
from shared.sync.context import LinkContext
from shared.sync.transfer import budget, progress

log = logging.getLogger("pcsync.sync")


def _start(ctx: LinkContext, row: TransferRow) -> None:
    if not progress.begin(ctx, row):
        log.info("transfer %s is already under way", row.key)
        return
    log.info("copying %d bytes of %s in steps of at most %d", row.size, row.key,
             budget.step_bytes(row.direction, row.segment_bytes))
    progress.hand_on(ctx, row)


def start_to_sp(ctx: LinkContext, upload: m.UploadFile, download_url: str) -> None:
    """Procore -> SharePoint: stage the version in steps, then send `upload` (its quickxor filled in)."""
    key = budget.transfer_key(Direction.TO_SP, upload.tool, upload.procore_id, upload.version)
    _start(ctx, TransferRow(link_id=ctx.link.link_id, key=key, direction=Direction.TO_SP, tool=upload.tool,
                            item=upload.procore_id, source_version=upload.version, size=upload.size,
                            staged_blob=upload.staged_blob, source_url=download_url,
                            upload_message=upload.model_dump_json()))


def start_to_procore(ctx: LinkContext, upload: m.SpToProcore, tool: ToolKey, quickxor: str, etag: str | None,
                     size: int) -> None:
    """SharePoint -> Procore: stage the item's content (quickXorHash `quickxor`) in steps, hashing Procore
    segments on the way, then send `upload` (phase upload)."""
    key = budget.transfer_key(Direction.TO_PROCORE, tool, upload.sp_item_id, quickxor)
    blob = budget.staged_blob_name(ctx.link.link_id, Direction.TO_PROCORE, tool, upload.sp_item_id, quickxor)
    planned = upload.model_copy(update={"staged_blob": blob})
    _start(ctx, TransferRow(link_id=ctx.link.link_id, key=key, direction=Direction.TO_PROCORE, tool=tool,
                            item=upload.sp_item_id, source_version=quickxor, size=size, staged_blob=blob,
                            source_etag=etag, segment_bytes=budget.segment_bytes(size),
                            upload_message=planned.model_dump_json()))


def start_beside(ctx: LinkContext, copy: m.WriteBeside, *, source_url: str | None, source_etag: str | None) -> None:
    """A keep-both copy: stage the loser (Procore's version from `source_url`, else the SharePoint item
    `copy.source_item` at `source_etag`) in steps, then send `copy` (its own progress row and blob)."""
    item = f"beside:{copy.source_item}"
    key = beside_key(copy)
    blob = budget.staged_blob_name(ctx.link.link_id, Direction.TO_SP, copy.tool, item, copy.source_version)
    planned = copy.model_copy(update={"staged_blob": blob})
    _start(ctx, TransferRow(link_id=ctx.link.link_id, key=key, direction=Direction.TO_SP, tool=copy.tool, item=item,
                            source_version=copy.source_version, size=copy.size, staged_blob=blob,
                            source_url=source_url, source_etag=source_etag, source_item=copy.source_item,
                            upload_message=planned.model_dump_json()))


def beside_key(copy: m.WriteBeside) -> str:
    """The progress row key of a keep-both copy's transfer."""
    return budget.transfer_key(Direction.TO_SP, copy.tool, f"beside:{copy.source_item}", copy.source_version)
