"""The upload lease against Azurite: one holder at a time, a dead holder's lease is taken over when it
expires, and a late release by the old holder does not free the new holder's lease."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared import errors
from shared.models.api import ToolKey
from shared.models.messages import Lane, StartInitialSync, UploadFile
from shared.models.rows import ItemKind, ItemRow, ItemState
from shared.store.repositories import item_key
from shared.sync.context import load_context
from shared.sync.runners.transfer import upload_file
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


def test_an_upload_that_fails_before_writing_lets_go_of_its_lease(env: Env) -> None:
    """A failure while resolving the parent folder (a throttled Graph call, a parent gone in Procore) must
    free the lease at once: the retry would otherwise wait out the whole lease (10 minutes) as if another
    upload held it — CI saw an initial sync stall past its deadline that way."""
    settings = env.services.settings
    link = env.new_link()
    env.take(settings.queue_initial_sync)
    env.run(StartInitialSync(tenant_id=link.tenant_id, link_id=link.link_id))  # the tool roots
    env.take(settings.queue_initial_sync)
    ctx = load_context(env.services, link.tenant_id, link.link_id, Lane.INITIAL)
    assert ctx is not None
    env.repos.items.upsert(ItemRow(link_id=link.link_id, tool=ToolKey.DOCUMENTS, procore_id="77", kind=ItemKind.FILE,
                                   state=ItemState.PENDING, procore_name="b.pdf", procore_parent_id="987654321",
                                   updated_at=datetime.now(UTC)))
    msg = UploadFile(tenant_id=link.tenant_id, link_id=link.link_id, lane=Lane.INITIAL, tool=ToolKey.DOCUMENTS,
                     procore_id="77", version="1", staged_blob="never-read", size=1, sha256="0", quickxor="AA==")
    with pytest.raises(errors.NotFound):
        upload_file(ctx, msg)             # the parent folder 987654321 does not exist in Procore
    assert lease_upload(ctx, ToolKey.DOCUMENTS, "77", None) is not None
