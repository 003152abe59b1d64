"""The upload step's gate, one for both directions, against Azurite: a small file runs at once; a large one
runs only once its transfer is staged; one that hands itself on keeps its progress row, one that finished
in this step drops it; a duplicate upload message of a transfer sending already does nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.models.api import ToolKey
from shared.models.transfers import Direction, Phase, TransferRow
from shared.sync.context import LinkContext
from shared.sync.transfer import budget, gate, progress
from shared.sync.transfer.send_sp import Continued
from tests.integration.safety.conftest import Env

LARGE = budget.STEP_BYTES + 1


def _transfer(ctx: LinkContext, direction: Direction, phase: Phase) -> str:
    key = budget.transfer_key(direction, ToolKey.DOCUMENTS, "item-1", "v1")
    ctx.services.repos.transfers.upsert(TransferRow(
        link_id=ctx.link.link_id, key=key, direction=direction, tool=ToolKey.DOCUMENTS, item="item-1",
        source_version="v1", size=LARGE, staged_blob="b", phase=phase, updated_at=datetime.now(UTC)))
    return key


def test_a_small_file_runs_at_once_without_a_transfer(env: Env) -> None:
    ctx = env.live_context()
    runs: list[str | None] = []
    gate.upload_step(ctx, budget.STEP_BYTES, "no-such-transfer", runs.append, "small")
    assert runs == [None]


@pytest.mark.parametrize("direction", list(Direction))
def test_a_large_file_runs_once_staged_and_its_row_follows_the_outcome(env: Env, direction: Direction) -> None:
    ctx = env.live_context()
    runs: list[str | None] = []
    key = _transfer(ctx, direction, Phase.FETCH)
    gate.upload_step(ctx, LARGE, key, runs.append, "large")            # still fetching: nothing yet
    assert runs == [] and progress.get(ctx, key) is not None

    ctx.services.repos.transfers.mutate(ctx.link.link_id, key, lambda r: r.model_copy(update={"phase": Phase.STAGED}))

    def hands_on(chunked_key: str | None) -> None:
        runs.append(chunked_key)
        raise Continued

    gate.upload_step(ctx, LARGE, key, hands_on, "large")
    assert runs == [key] and progress.get(ctx, key) is not None       # the steps carry on with it

    gate.upload_step(ctx, LARGE, key, runs.append, "large")            # finished here (e.g. the other side won)
    assert runs == [key, key] and progress.get(ctx, key) is None

    gate.upload_step(ctx, LARGE, key, runs.append, "large")            # a late duplicate: the transfer is gone
    assert runs == [key, key]
