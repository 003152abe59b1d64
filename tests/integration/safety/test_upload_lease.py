"""The upload lease against Azurite: one holder at a time, a dead holder's lease is taken over when it
expires, and a late release by the old holder does not free the new holder's lease."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.models.api import ToolKey
from shared.models.messages import Lane
from shared.models.rows import ItemKind, ItemRow, ItemState
from shared.store.repositories import item_key
from shared.sync.context import load_context
from shared.sync.runners.upload_lease import lease_upload, release_upload
from tests.integration.safety.conftest import Env


def test_one_holder_at_a_time_and_a_late_release_frees_nothing(env: Env) -> None:
    link = env.new_link()
    env.take()
    ctx = load_context(env.services, link.tenant_id, link.link_id, Lane.LIVE)
    assert ctx is not None
    now = datetime.now(UTC)
    env.repos.items.upsert(ItemRow(link_id=link.link_id, tool=ToolKey.DOCUMENTS, procore_id="42", kind=ItemKind.FILE,
                                   state=ItemState.SYNCED, procore_name="a.pdf", sp_item_id="SP42", updated_at=now))
    first = lease_upload(ctx, ToolKey.DOCUMENTS, "42", "SP42")
    assert first is not None and first.upload_lease_until is not None
    assert lease_upload(ctx, ToolKey.DOCUMENTS, "42", "SP42") is None          # held
    assert lease_upload(ctx, ToolKey.DOCUMENTS, "42", "SP-other") is None      # decided on a stale twin

    key = item_key(ToolKey.DOCUMENTS.value, "42")
    env.repos.items.mutate(link.link_id, key, lambda r: r.model_copy(  # the first holder died long ago
        update={"upload_lease_until": now - timedelta(seconds=1)}))
    second = lease_upload(ctx, ToolKey.DOCUMENTS, "42", "SP42")
    assert second is not None
    release_upload(ctx, first)                                                 # the old holder wakes up
    assert lease_upload(ctx, ToolKey.DOCUMENTS, "42", "SP42") is None          # the second still holds it
    release_upload(ctx, second)
    assert lease_upload(ctx, ToolKey.DOCUMENTS, "42", "SP42") is not None
