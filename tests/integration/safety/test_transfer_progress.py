"""The progress row of a large transfer against Azurite: one start per source version, one worker per
step, a step already past does nothing, a dead worker's claim expires, and a next step whose sending
was lost is re-sent exactly once by a late copy of the previous step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared import errors
from shared.models.api import ToolKey
from shared.models.transfers import Direction, Phase, TransferRow
from shared.sync.context import LinkContext
from shared.sync.transfer import budget, progress
from shared.sync.transfer.progress import Claim
from tests.integration.safety.conftest import Env


def _row(ctx: LinkContext, version: str = "900") -> TransferRow:
    key = budget.transfer_key(Direction.TO_SP, ToolKey.DOCUMENTS, "77", version)
    return TransferRow(link_id=ctx.link.link_id, key=key, direction=Direction.TO_SP, tool=ToolKey.DOCUMENTS,
                       item="77", source_version=version, size=3 * budget.STEP_BYTES, staged_blob="b",
                       source_url="https://example.invalid/f")


def _chunks(env: Env) -> list[dict[str, object]]:
    return [m for m in env.take(env.services.settings.queue_transfer) if m["kind"] == "transfer_chunk"]


def test_a_transfer_starts_once_per_source_version(env: Env) -> None:
    ctx = env.live_context()
    row = _row(ctx)
    assert progress.begin(ctx, row)
    assert not progress.begin(ctx, row)                      # a duplicate fetch message starts nothing
    assert progress.begin(ctx, _row(ctx, version="901"))     # another version is another transfer
    progress.hand_on(ctx, row)
    sent = _chunks(env)
    assert [(m["phase"], m["offset"], m["source_version"]) for m in sent] == [("fetch", 0, "900")]


def test_one_worker_per_step_and_a_step_already_past_does_nothing(env: Env) -> None:
    ctx = env.live_context()
    row = _row(ctx)
    progress.begin(ctx, row)
    won, claimed = progress.claim(ctx, row.key, Phase.FETCH, 0)
    assert won is Claim.WON and claimed is not None
    with pytest.raises(errors.TransientError):               # a second delivery of the same step waits
        progress.claim(ctx, row.key, Phase.FETCH, 0)
    advanced = progress.advance(ctx, claimed, offset=budget.STEP_BYTES)
    progress.hand_on(ctx, advanced)
    assert progress.claim(ctx, row.key, Phase.FETCH, 0)[0] is Claim.PAST
    assert progress.claim(ctx, row.key, Phase.FETCH, 2 * budget.STEP_BYTES)[0] is Claim.AHEAD
    assert progress.claim(ctx, row.key, Phase.SEND, 0)[0] is Claim.AHEAD
    progress.forget(ctx, row.key)
    assert progress.claim(ctx, row.key, Phase.FETCH, budget.STEP_BYTES)[0] is Claim.GONE


def test_a_dead_workers_claim_expires(env: Env) -> None:
    ctx = env.live_context()
    row = _row(ctx)
    progress.begin(ctx, row)
    progress.claim(ctx, row.key, Phase.FETCH, 0)
    env.repos.transfers.mutate(ctx.link.link_id, row.key, lambda r: r.model_copy(
        update={"claim_until": datetime.now(UTC) - timedelta(seconds=1)}))
    assert progress.claim(ctx, row.key, Phase.FETCH, 0)[0] is Claim.WON


def test_a_lost_next_step_is_resent_once_by_a_late_copy(env: Env) -> None:
    ctx = env.live_context()
    row = _row(ctx)
    progress.begin(ctx, row)
    _, claimed = progress.claim(ctx, row.key, Phase.FETCH, 0)
    assert claimed is not None
    progress.advance(ctx, claimed, offset=budget.STEP_BYTES)  # ... and the worker died before sending
    _chunks(env)
    progress.hand_on_if_lost(ctx, row.key)                    # a late copy of step 0
    progress.hand_on_if_lost(ctx, row.key)                    # and another one
    sent = _chunks(env)
    assert [(m["phase"], m["offset"]) for m in sent] == [("fetch", budget.STEP_BYTES)]
