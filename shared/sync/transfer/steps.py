"""The transfer-chunk step: claim the step, move its range, record progress, hand on the next one.

What a finished transfer does next belongs to the runners that started it: `finish_to_sp` records the
SharePoint twin (runners/transfer.py), or carries a keep-both copy's winner on (runners/beside.py), and
`finish_to_procore` attaches the upload to the Procore file (runners/to_procore.py); they are passed in
by dispatch, so this package never imports a runner.
Never imports azure.functions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pydantic import TypeAdapter

from shared import memory
from shared.graph.models import DriveItem
from shared.models import messages as m
from shared.models.rows import ItemRow
from shared.models.transfers import Direction, Phase, TransferRow
from shared.store.repositories import ItemBySpRow, item_key
from shared.sync.context import LinkContext, Step
from shared.sync.transfer import budget, fetch, progress, send_procore, send_sp
from shared.sync.transfer.progress import Claim

log = logging.getLogger("pcsync.sync")
UPLOAD_LEASE = timedelta(minutes=10)   # as runners/upload_lease.py (PCSYNC_LEASE_SECONDS locally)
_UPLOAD: TypeAdapter[m.UploadFile | m.SpToProcore | m.WriteBeside] = TypeAdapter(
    m.UploadFile | m.SpToProcore | m.WriteBeside)

FinishToSp = Callable[[LinkContext, m.UploadFile | m.WriteBeside, str, DriveItem], None]
FinishToProcore = Callable[[LinkContext, m.SpToProcore, TransferRow, str], None]


def run_chunk(ctx: LinkContext, msg: m.TransferChunk, finish_to_sp: FinishToSp,
              finish_to_procore: FinishToProcore) -> None:
    direction = Direction(msg.direction)
    key = budget.transfer_key(direction, msg.tool, msg.item, msg.source_version)
    outcome, row = progress.claim(ctx, key, Phase(msg.phase), msg.offset)
    if outcome is Claim.PAST:
        progress.hand_on_if_lost(ctx, key)
        return
    if outcome is not Claim.WON or row is None:
        log.info("transfer step %s@%d of %s: %s, nothing to do", msg.phase, msg.offset, key, outcome.value)
        return
    try:
        _run(ctx, row, finish_to_sp, finish_to_procore)
    except fetch.SourceGone as exc:
        log.info("transfer %s abandoned: %s", key, exc)
        progress.forget(ctx, key)
        ctx.services.staging.delete(row.staged_blob)
        _carry_on(ctx, row)
    except send_sp.Restart as exc:
        log.info("transfer %s uploads again from its staged bytes: %s", key, exc)
        _let_go(ctx, row)
        progress.hand_on(ctx, progress.restage(ctx, row))
    except BaseException:
        progress.release(ctx, row)
        raise
    finally:
        memory.give_back()   # the step's tens of MiB of buffers go back to the OS, not to the heap's peak


def _run(ctx: LinkContext, row: TransferRow, finish_to_sp: FinishToSp, finish_to_procore: FinishToProcore) -> None:
    if row.phase is Phase.FETCH:
        progress.hand_on(ctx, fetch.fetch_step(ctx, row))
        return
    row = _keep_alive(ctx, row)
    upload = _UPLOAD.validate_json(row.upload_message or "")
    if row.direction is Direction.TO_SP:
        sent = send_sp.send_step(ctx, row)
        if isinstance(sent, TransferRow):
            progress.hand_on(ctx, sent)
            return
        assert isinstance(upload, m.UploadFile | m.WriteBeside)
        finish_to_sp(ctx, upload, row.parent_id or "", sent)
    else:
        done = send_procore.send_step(ctx, row)
        if isinstance(done, TransferRow):
            progress.hand_on(ctx, done)
            return
        assert isinstance(upload, m.SpToProcore)
        finish_to_procore(ctx, upload, row, done)
    progress.forget(ctx, row.key)
    log.info("transfer %s done (%d bytes)", row.key, row.size)


def _carry_on(ctx: LinkContext, row: TransferRow) -> None:
    """An abandoned keep-both copy (its loser changed meanwhile) still hands the winner on: that step plans
    the conflict again from both sides' state now."""
    if row.upload_message is None:
        return
    planned = _UPLOAD.validate_json(row.upload_message)
    if isinstance(planned, m.WriteBeside) and planned.then is not None:
        ctx.send(Step.TRANSFER, planned.then)


def _lease_seconds(ctx: LinkContext) -> timedelta:
    override = ctx.services.settings.lease_seconds
    return timedelta(seconds=override) if override else UPLOAD_LEASE


def _item_of(ctx: LinkContext, row: TransferRow) -> tuple[str, str] | None:
    """(partition, items row key) of the item whose upload lease the transfer holds."""
    if row.direction is Direction.TO_SP:
        return ctx.link.link_id, item_key(row.tool.value, row.item)
    by_sp = ctx.services.repos.items_by_sp.get(ctx.link.link_id, row.item)
    if by_sp is None or not by_sp.row.item_key:
        return None
    return ctx.link.link_id, by_sp.row.item_key


def _keep_alive(ctx: LinkContext, row: TransferRow) -> TransferRow:
    """Extend the item's upload lease (or the claim of the Procore file being created) that the transfer
    holds, so a long upload is never taken for a dead one. Returns the row with the new times."""
    now = datetime.now(UTC)
    update: dict[str, object] = {}
    if row.lease_until is not None and (where := _item_of(ctx, row)) is not None:
        until = now + _lease_seconds(ctx)

        def extend(current: ItemRow | None) -> ItemRow | None:
            if current is None or current.upload_lease_until != row.lease_until:
                return None
            return current.model_copy(update={"upload_lease_until": until})

        if ctx.services.repos.items.mutate_won(*where, extend):
            update["lease_until"] = until
    if row.claimed_at is not None:
        def renew(current: ItemBySpRow | None) -> ItemBySpRow | None:
            if current is None or current.item_key or current.claimed_at != row.claimed_at:
                return None
            return current.model_copy(update={"claimed_at": now})

        if ctx.services.repos.items_by_sp.mutate_won(ctx.link.link_id, row.item, renew):
            update["claimed_at"] = now
    if not update:
        return row

    def save(current: TransferRow | None) -> TransferRow | None:
        return current.model_copy(update=update) if current is not None else None

    ctx.services.repos.transfers.mutate(ctx.link.link_id, row.key, save)
    return row.model_copy(update=update)


def _let_go(ctx: LinkContext, row: TransferRow) -> None:
    """Release what the send phase held (the item's lease, or the claim of a new Procore file), so the
    upload step can run again."""
    if row.lease_until is not None and (where := _item_of(ctx, row)) is not None:
        def free(current: ItemRow | None) -> ItemRow | None:
            if current is None or current.upload_lease_until != row.lease_until:
                return None
            return current.model_copy(update={"upload_lease_until": None})

        ctx.services.repos.items.mutate(*where, free)
        ctx.forget_cached(row.tool, row.item)
    if row.claimed_at is not None:
        claimed = ctx.services.repos.items_by_sp.get(ctx.link.link_id, row.item)
        if claimed is not None and not claimed.row.item_key and claimed.row.claimed_at == row.claimed_at:
            ctx.services.repos.items_by_sp.delete(ctx.link.link_id, row.item, claimed.etag)
