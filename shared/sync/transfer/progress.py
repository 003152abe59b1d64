"""The progress row's life: begin, claim a step, advance, hand on the next message, forget.

A step claims (phase, offset) before working, so two deliveries of it never both write; a claim left by
a step that died expires after CLAIM_S and the redelivered message takes over. The next message is sent
after the row advanced and is marked `handed_on`; a late copy of an older step re-sends it only while
it is not marked, so a crash between advancing and sending never stalls a transfer, and duplicates stay
bounded. Never imports azure.functions.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from enum import Enum

from pydantic import TypeAdapter

from shared import errors
from shared.models import messages as m
from shared.models.transfers import PHASE_ORDER, Phase, TransferRow
from shared.sync.context import LinkContext, Step

log = logging.getLogger("pcsync.sync")
CLAIM_S = 120.0            # longer than any step (one is well inside the one-minute functionTimeout)
CLAIM_RETRY_S = 3.0
STALE_AFTER = timedelta(hours=1)   # a row untouched this long (its chain died, e.g. poisoned) starts over
_UPLOAD = TypeAdapter(m.TransferMessage)


class Claim(Enum):
    WON = "won"
    PAST = "past"          # the row is already beyond this step: nothing to do
    AHEAD = "ahead"        # the row is behind this step (it restarted): this message is obsolete
    GONE = "gone"          # no row: the transfer finished or was abandoned


def get(ctx: LinkContext, key: str) -> TransferRow | None:
    stored = ctx.services.repos.transfers.get(ctx.link.link_id, key)
    return stored.row if stored else None


def begin(ctx: LinkContext, row: TransferRow) -> bool:
    """Create the row (phase fetch, offset 0) unless a live one exists; True when this call created it."""
    now = datetime.now(UTC)
    fresh = row.model_copy(update={"updated_at": now})

    def change(current: TransferRow | None) -> TransferRow | None:
        if current is not None and current.updated_at is not None and now - current.updated_at < STALE_AFTER:
            return None
        return fresh

    return ctx.services.repos.transfers.mutate_won(ctx.link.link_id, row.key, change)


def _position(phase: Phase, offset: int) -> tuple[int, int]:
    return PHASE_ORDER[phase], offset


def claim(ctx: LinkContext, key: str, phase: Phase, offset: int) -> tuple[Claim, TransferRow | None]:
    """Claim the step (phase, offset). A live claim by another delivery raises TransientError (look again
    soon: by then it is done, and this copy finds itself past)."""
    now = datetime.now(UTC)
    outcome: list[Claim] = []

    def change(current: TransferRow | None) -> TransferRow | None:
        outcome.clear()
        if current is None:
            outcome.append(Claim.GONE)
            return None
        here, there = _position(phase, offset), _position(current.phase, current.offset)
        if here < there:
            outcome.append(Claim.PAST)
            return None
        if here > there:
            outcome.append(Claim.AHEAD)
            return None
        if current.claim_until is not None and current.claim_until > now:
            raise errors.TransientError(f"step {phase.value}@{offset} of {key} is running elsewhere",
                                        retry_after=CLAIM_RETRY_S)
        outcome.append(Claim.WON)
        return current.model_copy(update={"claim_until": now + timedelta(seconds=CLAIM_S), "updated_at": now})

    stored = ctx.services.repos.transfers.mutate(ctx.link.link_id, key, change)
    return outcome[0], stored.row if stored else None


def advance(ctx: LinkContext, row: TransferRow, **update: object) -> TransferRow:
    """Record the step's result (the new phase/offset and whatever else) and release the claim."""
    now = datetime.now(UTC)
    new: list[TransferRow] = []

    def change(current: TransferRow | None) -> TransferRow | None:
        new.clear()
        if current is None or (current.phase, current.offset) != (row.phase, row.offset):
            raise errors.InvariantBroken(f"transfer {row.key} moved while this step held its claim")
        new.append(current.model_copy(update={**update, "claim_until": None, "handed_on": False,
                                              "updated_at": now}))
        return new[0]

    ctx.services.repos.transfers.mutate(ctx.link.link_id, row.key, change)
    return new[0]


def release(ctx: LinkContext, row: TransferRow) -> None:
    """Give up the claim of a step that failed, so its retry need not wait for the claim to expire."""

    def change(current: TransferRow | None) -> TransferRow | None:
        if current is None or (current.phase, current.offset) != (row.phase, row.offset) or current.claim_until is None:
            return None
        return current.model_copy(update={"claim_until": None})

    ctx.services.repos.transfers.mutate(ctx.link.link_id, row.key, change)


def restage(ctx: LinkContext, row: TransferRow) -> TransferRow:
    """The destination session is gone: back to STAGED (the upload step runs again on the staged bytes)."""
    return advance(ctx, row, phase=Phase.STAGED, offset=0, session_url=None, upload_uuid=None, etags=[],
                   lease_until=None, claimed_at=None)


def next_message(ctx: LinkContext, row: TransferRow) -> m.TransferMessage:
    """The message that carries the transfer on from where its row stands."""
    if row.phase is Phase.STAGED:
        if row.upload_message is None:
            raise errors.InvariantBroken(f"transfer {row.key} is staged without its upload message")
        return _UPLOAD.validate_json(row.upload_message)
    return m.TransferChunk(tenant_id=ctx.link.tenant_id, link_id=ctx.link.link_id, lane=ctx.lane, tool=row.tool,
                           direction=row.direction.value, item=row.item, source_version=row.source_version,
                           phase=row.phase.value, offset=row.offset)


def hand_on(ctx: LinkContext, row: TransferRow) -> None:
    """Send the next message, then mark it sent (unless the row moved meanwhile)."""
    ctx.send(Step.TRANSFER, next_message(ctx, row))

    def mark(current: TransferRow | None) -> TransferRow | None:
        if current is None or current.handed_on or (current.phase, current.offset) != (row.phase, row.offset):
            return None
        return current.model_copy(update={"handed_on": True})

    ctx.services.repos.transfers.mutate(ctx.link.link_id, row.key, mark)


def hand_on_if_lost(ctx: LinkContext, key: str) -> None:
    """A late copy of an older step: re-send the current step's message if its sending was never marked
    (the step that advanced the row died before sending); only one copy wins the right to re-send."""
    now = datetime.now(UTC)
    won: list[TransferRow] = []

    def mark(current: TransferRow | None) -> TransferRow | None:
        won.clear()
        if current is None or current.handed_on or (current.claim_until is not None and current.claim_until > now):
            return None
        won.append(current.model_copy(update={"handed_on": True}))
        return won[0]

    if ctx.services.repos.transfers.mutate_won(ctx.link.link_id, key, mark) and won:
        log.info("re-sending the lost next step of transfer %s (%s@%d)", key, won[0].phase.value, won[0].offset)
        ctx.send(Step.TRANSFER, next_message(ctx, won[0]))


def next_message_type() -> TypeAdapter[m.TransferMessage]:
    return _UPLOAD


def forget(ctx: LinkContext, key: str) -> None:
    ctx.services.repos.transfers.delete(ctx.link.link_id, key)
