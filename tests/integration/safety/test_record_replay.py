"""A record delivered twice against Azurite (queues deliver at least once): the second agrees nothing new, so
the activity log has one `synced` event for the item, and a replay still releases a lease the item holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.models.api import ToolKey
from shared.models.messages import Lane, RecordResult
from shared.models.rows import ItemKind, ItemRow, ItemState
from shared.store.repositories import item_key
from shared.sync.runners.record import record_result
from tests.integration.safety.conftest import Env


def _synced_events(env: Env, link_id: str, item: str) -> list[str | None]:
    today = datetime.now(UTC).date()
    return [e.change for e in env.repos.recent_activity(link_id, today - timedelta(days=1), today)
            if e.event == "synced" and e.item == item]


def test_a_record_delivered_twice_is_one_event_and_still_frees_the_lease(env: Env) -> None:
    ctx = env.live_context()
    link = ctx.link
    now = datetime.now(UTC)
    key = item_key(ToolKey.DOCUMENTS.value, "42")
    env.repos.items.upsert(ItemRow(link_id=link.link_id, tool=ToolKey.DOCUMENTS, procore_id="42", kind=ItemKind.FILE,
                                   state=ItemState.PENDING, procore_name="a.pdf", procore_parent_id="1",
                                   upload_lease_until=now + timedelta(minutes=5), updated_at=now))
    msg = RecordResult(tenant_id=link.tenant_id, link_id=link.link_id, lane=Lane.LIVE, tool=ToolKey.DOCUMENTS,
                       procore_id="42", outcome="synced", version="3", procore_name="a.pdf", procore_parent_id="1",
                       sp_item_id="SP42", sp_parent_id="SP1", sp_name="a.pdf", sp_etag="e1", sp_quickxor="h1", size=9)
    record_result(ctx, msg)
    assert _synced_events(env, link.link_id, "42") == ["created"]
    stored = env.repos.items.get(link.link_id, key)
    assert stored is not None and stored.row.state is ItemState.SYNCED and stored.row.upload_lease_until is None

    env.repos.items.mutate(link.link_id, key, lambda r: r.model_copy(   # a duplicate transfer took the lease
        update={"upload_lease_until": now + timedelta(minutes=5)}))
    record_result(ctx, msg)                                               # ... and recorded the same twin
    assert _synced_events(env, link.link_id, "42") == ["created"]
    replayed = env.repos.items.get(link.link_id, key)
    assert replayed is not None and replayed.row.upload_lease_until is None

    record_result(ctx, msg.model_copy(update={"version": "4", "sp_etag": "e2", "sp_quickxor": "h2"}))
    assert _synced_events(env, link.link_id, "42") == ["updated", "created"]   # newest first: a real edit counts
