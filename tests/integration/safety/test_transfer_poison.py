"""A step of a large transfer that fails on every delivery, through the real dispatcher against Azurite:
on its last delivery (the one the host then moves to poison) the item is recorded failed with the reason,
in the status counts and the activity, in both directions, not only left as a dead message."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from shared.errors import InvariantBroken
from shared.models.api import ToolKey
from shared.models.messages import TRANSFER, SpToProcore, TransferChunk, UploadFile
from shared.models.rows import ItemKind, ItemRow, ItemState, LinkRow
from shared.models.transfers import Direction, Phase, TransferRow
from shared.onboarding.status import count_items
from shared.sync import dispatch
from shared.sync.transfer import budget
from tests.integration.safety.conftest import Env

SIZE = 3 * budget.STEP_BYTES


def _stuck_transfer(env: Env, link: LinkRow, direction: Direction, item: str) -> TransferChunk:
    """A transfer in its send phase whose destination session was never recorded (a bug: InvariantBroken,
    which goes to poison by design): each delivery of its next step fails the same way."""
    key = budget.transfer_key(direction, ToolKey.DOCUMENTS, item, "v1")
    common = {"tenant_id": link.tenant_id, "link_id": link.link_id, "tool": ToolKey.DOCUMENTS}
    planned = UploadFile(**common, procore_id=item, version="v1", staged_blob="b", size=SIZE, sha256="",
                         quickxor="") if direction is Direction.TO_SP else \
        SpToProcore(**common, sp_item_id=item, phase="upload", staged_blob="b", size=SIZE)
    env.repos.transfers.upsert(TransferRow(
        link_id=link.link_id, key=key, direction=direction, tool=ToolKey.DOCUMENTS, item=item, source_version="v1",
        size=SIZE, staged_blob="b", phase=Phase.SEND, offset=budget.STEP_BYTES, name="Site plan.pdf",
        upload_message=planned.model_dump_json(), updated_at=datetime.now(UTC)))
    return TransferChunk(**common, direction=direction.value, item=item, source_version="v1", phase="send",
                         offset=budget.STEP_BYTES)


def _deliver_until_poison(env: Env, msg: TransferChunk) -> None:
    """Every delivery the host makes before it moves the message to poison, each failing."""
    for count in range(1, dispatch.max_dequeue_count() + 1):
        with pytest.raises(InvariantBroken):
            dispatch.handle(env.services, env.services.settings.queue_transfer, msg.model_dump_json(), TRANSFER,
                            dequeue_count=count, delivery_id="d1")


def _errors(env: Env, link: LinkRow) -> list[tuple[str | None, str | None]]:
    today = date.today()
    return [(a.item, a.detail) for a in env.repos.recent_activity(link.link_id, today - timedelta(days=1), today)
            if a.event == "error"]


def test_a_poisoned_step_toward_sharepoint_leaves_the_item_failed(env: Env) -> None:
    link = env.new_link()
    env.take()
    env.repos.items.upsert(ItemRow(link_id=link.link_id, tool=ToolKey.DOCUMENTS, procore_id="5150",
                                   kind=ItemKind.FILE, state=ItemState.PENDING, procore_name="Site plan.pdf",
                                   updated_at=datetime.now(UTC)))
    _deliver_until_poison(env, _stuck_transfer(env, link, Direction.TO_SP, "5150"))
    counts, _ = count_items(env.repos, link.link_id)
    assert (counts.failed, counts.pending) == (1, 0)
    [(item, reason)] = _errors(env, link)
    assert item == "5150" and reason is not None and "InvariantBroken" in reason


def test_a_poisoned_step_toward_procore_leaves_a_failed_item(env: Env) -> None:
    link = env.new_link()
    env.take()
    sp_item_id = f"SP-{uuid.uuid4().hex[:10]}"
    _deliver_until_poison(env, _stuck_transfer(env, link, Direction.TO_PROCORE, sp_item_id))
    counts, _ = count_items(env.repos, link.link_id)
    assert counts.failed == 1
    [(item, reason)] = _errors(env, link)
    assert item == f"sp:{sp_item_id}" and reason is not None and "InvariantBroken" in reason
    stored = env.repos.items.get(link.link_id, f"documents:sp:{sp_item_id}")
    assert stored is not None and stored.row.procore_name == "Site plan.pdf"
    assert stored.row.sp_item_id == sp_item_id
