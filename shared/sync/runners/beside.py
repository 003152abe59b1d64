"""keep_both's copy of a large loser: written first, in steps like any large transfer, then the winner.

A copy of a large file cannot be written in the step that plans the conflict (no file size is bounded by
functionTimeout), and the loser must be safe before anything overwrites it. So that step starts the copy
and writes nothing more; the copy's last step delivers the winner's FetchFile again with `kept_beside`
set to the loser's hash, and the conflict, planned again, finds its copy written (transfer._resolve).
The winner's bytes are fetched again: a large keep-both conflict is rare, and simple beats clever here.
Never imports azure.functions.
"""

from __future__ import annotations

import logging

from shared import errors
from shared.graph import upload as sp_upload
from shared.graph.models import DriveItem
from shared.models.messages import FetchFile, SpToProcore, UploadFile, WriteBeside
from shared.models.rows import ItemKind
from shared.sync.conflict import Side
from shared.sync.context import LinkContext, Step
from shared.sync.plan.vocabulary import Action
from shared.sync.transfer import gate, start
from shared.sync.transfer.send_sp import ChunkedSender
from shared.sync.transfer.staged import StagedSource

log = logging.getLogger("pcsync.sync")


def start_copy(ctx: LinkContext, msg: UploadFile, copy: Action, to_procore: bool, sp_now: DriveItem,
               loser_hash: str) -> None:
    """Stage and write the loser of `msg`'s conflict with `sp_now` beside it, then deliver the winner again."""
    if sp_now.parent_id is None or copy.name is None:
        raise errors.InvariantBroken("a keep-both copy without a SharePoint parent or a name")
    then = FetchFile(tenant_id=msg.tenant_id, link_id=msg.link_id, lane=msg.lane, tool=msg.tool,
                     procore_id=msg.procore_id, version=msg.version, modified_at=msg.modified_at, name=msg.name,
                     parent_id=msg.parent_id, kept_beside=loser_hash)
    common = {"tenant_id": msg.tenant_id, "link_id": msg.link_id, "lane": msg.lane, "tool": msg.tool,
              "parent_id": sp_now.parent_id, "name": copy.name, "staged_blob": "", "to_procore": to_procore,
              "then": then}
    if copy.source is Side.SHAREPOINT:
        beside = WriteBeside(**common, source_item=sp_now.id, source_version=loser_hash, size=sp_now.size or 0)
        start.start_beside(ctx, beside, source_url=None, source_etag=sp_now.etag)
        return
    current = ctx.adapter(msg.tool).get(ctx.procore, ctx.link, msg.procore_id, ItemKind.FILE)
    if current is None or current.version != msg.version or not current.download_url:
        log.info("Procore %s moved on from version %s: its newer state is planned on its own", msg.procore_id,
                 msg.version)
        return
    beside = WriteBeside(**common, source_item=msg.procore_id, source_version=msg.version, size=msg.size)
    start.start_beside(ctx, beside, source_url=current.download_url, source_etag=None)


def write_beside_step(ctx: LinkContext, msg: WriteBeside) -> None:
    """The copy is staged: open its upload session (its sending goes on in the transfer's steps)."""
    gate.upload_step(ctx, msg.size, start.beside_key(msg), lambda chunked_key: _send(ctx, msg, chunked_key),
                     msg.name)


def _send(ctx: LinkContext, msg: WriteBeside, chunked_key: str | None) -> None:
    if chunked_key is not None:
        ChunkedSender(ctx, chunked_key, msg.parent_id, None).new(msg.parent_id, msg.name, "replace")  # Continued
    written = sp_upload.upload_new(ctx.graph, ctx.drive_id, msg.parent_id, msg.name,
                                   StagedSource(ctx.services.staging, msg.staged_blob), conflict="replace")
    if written.item is None:
        raise errors.InvariantBroken("Graph upload finished without returning the item")
    finish_beside(ctx, msg, written.item)


def finish_beside(ctx: LinkContext, msg: WriteBeside, item: DriveItem) -> None:
    """The copy is in SharePoint: hand it to Procore when the plan said so, then carry the winner on."""
    log.info("keep-both copy %r written beside its winner", msg.name)
    if msg.to_procore:
        ctx.send(Step.TRANSFER, SpToProcore(tenant_id=msg.tenant_id, link_id=msg.link_id, lane=msg.lane,
                                            tool=msg.tool, sp_item_id=item.id))
    if msg.then is not None:
        ctx.send(Step.TRANSFER, msg.then)
    ctx.services.staging.delete(msg.staged_blob)
