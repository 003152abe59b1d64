"""Two bugs the golden scenarios met under duplicate delivery, against Azurite and the emulators:
a deferred step's copies multiplied (each delivery sent its own delayed copy), and a restore upload into
a folder deleted in SharePoint was retried for ever instead of mirroring the folder path anew.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from azure.storage.queue import QueueClient

from shared.graph import items as sp_items
from shared.graph import upload as sp_upload
from shared.graph.quickxor import QuickXorHash
from shared.models.api import ToolKey
from shared.models.messages import TRANSFER, Lane, StartInitialSync, UploadFile
from shared.models.rows import ItemKind, ItemRow, ItemState, LinkRow
from shared.store.repositories import ItemBySpRow, item_key
from shared.sync import dispatch
from shared.sync.context import load_context
from shared.sync.deferral import deferral_key
from shared.sync.runners.tree import tool_root
from shared.sync.runners.upload_lease import LEASE_RETRY_S
from tests.integration.safety.conftest import Env

TOOL = ToolKey.DOCUMENTS


def _deliver(env: Env, msg: UploadFile, delivery_id: str) -> None:
    """One delivery of a transfer-queue message through the real dispatcher."""
    dispatch.handle(env.services, env.services.settings.queue_transfer, msg.model_dump_json(), TRANSFER,
                    delivery_id=delivery_id)


def _take_due(env: Env, timeout: float) -> list[dict[str, Any]]:
    """The transfer queue's messages once at least one is visible (the delayed copy come due)."""
    client = QueueClient.from_connection_string(env.services.settings.storage.connection_string or "",
                                                env.services.settings.queue_transfer)
    deadline = time.monotonic() + timeout
    try:
        while True:
            batch = list(client.receive_messages(messages_per_page=32, max_messages=32))
            if batch:
                for message in batch:
                    client.delete_message(message)
                return [json.loads(base64.b64decode(message.content)) for message in batch]
            assert time.monotonic() < deadline, "the deferred copy never came due"
            time.sleep(0.5)
    finally:
        client.close()


def _lease_held_elsewhere(env: Env, link: LinkRow, procore_id: str) -> UploadFile:
    """An item whose upload lease another upload holds: each delivery of its UploadFile defers."""
    env.repos.items.upsert(ItemRow(
        link_id=link.link_id, tool=TOOL, procore_id=procore_id, kind=ItemKind.FILE, state=ItemState.PENDING,
        procore_name="Held.pdf", updated_at=datetime.now(UTC),
        upload_lease_until=datetime.now(UTC) + timedelta(minutes=5)))
    return UploadFile(tenant_id=link.tenant_id, link_id=link.link_id, lane=Lane.LIVE, tool=TOOL,
                      procore_id=procore_id, version="2", staged_blob="never-read", size=1, sha256="0",
                      quickxor="AA==")


def test_a_deferred_message_delivered_twice_leaves_one_delayed_copy(env: Env) -> None:
    link = env.new_link()
    env.take(env.services.settings.queue_transfer)
    msg = _lease_held_elsewhere(env, link, "5001")
    assert env.invisible(env.services.settings.queue_transfer) == 0

    _deliver(env, msg, "delivery-a")
    _deliver(env, msg, "delivery-b")                 # the duplicate, while the first copy is pending
    assert env.invisible(env.services.settings.queue_transfer) == 1

    # The copy comes due and is delivered twice again: still one copy of the next attempt.
    taken = _take_due(env, timeout=LEASE_RETRY_S + 20)
    assert [m["attempt"] for m in taken] == [1]
    copy = UploadFile.model_validate(taken[0])
    _deliver(env, copy, "delivery-c")
    _deliver(env, copy, "delivery-d")
    assert env.invisible(env.services.settings.queue_transfer) == 1
    assert [m["attempt"] for m in _take_due(env, timeout=LEASE_RETRY_S + 20)] == [2]


def test_a_retried_delivery_sends_its_copy_again_and_a_new_chain_starts_once_done(env: Env) -> None:
    """The claim is the delivery's own: the host's retry of the same delivery (after a crash between
    claim and send) still sends; once the chain ran to its end, its row is gone."""
    link = env.new_link()
    env.take(env.services.settings.queue_transfer)
    msg = _lease_held_elsewhere(env, link, "5002")
    _deliver(env, msg, "delivery-a")
    _deliver(env, msg, "delivery-a")                 # the same delivery once more (host retry)
    assert env.invisible(env.services.settings.queue_transfer) == 2
    env.take(env.services.settings.queue_transfer)
    _take_due(env, timeout=LEASE_RETRY_S + 20)

    # The other upload lets go, and the item turns out already synced: the copy ends without deferring.
    key = item_key(TOOL.value, "5002")
    env.repos.items.mutate(link.link_id, key, lambda r: r.model_copy(update={
        "upload_lease_until": None, "state": ItemState.SYNCED, "procore_version": "2", "sp_item_id": "SP5002"}))
    copy = msg.model_copy(update={"attempt": 1})
    _deliver(env, copy, "delivery-c")
    assert env.invisible(env.services.settings.queue_transfer) == 0
    transfer_queue = env.services.settings.queue_transfer
    assert env.repos.deferrals.get(link.link_id, deferral_key(transfer_queue, msg)) is None


@pytest.mark.parametrize("inner_mirrored", [True, False], ids=["both-folders-mirrored", "inner-folder-not-yet"])
def test_an_upload_into_a_folder_deleted_in_sharepoint_mirrors_the_path_anew(env: Env, inner_mirrored: bool,
                                                                             tmp_path: Path) -> None:
    """Edit beats delete: a file edited in Procore whose SharePoint folder Zone D was deleted while its row
    still says synced. Its subfolder is mirrored too (its twin deleted with it: the file's PUT meets 404)
    or not yet (being mirrored anew: its POST .../children meets 404). The upload re-creates the path (new
    ids, rows and reverse index fixed), writes the file there and lets go of its lease; before the fix
    every retry met the same 404."""
    link = env.new_link()
    settings = env.services.settings
    env.run(StartInitialSync(tenant_id=link.tenant_id, link_id=link.link_id))   # the tool roots
    env.take(settings.queue_initial_sync)
    ctx = load_context(env.services, link.tenant_id, link.link_id, Lane.LIVE)
    assert ctx is not None
    root_id, root_sp = tool_root(ctx, TOOL)
    outer = sp_items.ensure_folder(ctx.graph, ctx.drive_id, root_sp, "Zone D")
    inner = sp_items.ensure_folder(ctx.graph, ctx.drive_id, outer.id, "Zone D Sub")
    now = datetime.now(UTC)
    folders = [("7001", "Zone D", root_id, outer.id, root_sp)]
    if inner_mirrored:
        folders.append(("7002", "Zone D Sub", "7001", inner.id, outer.id))
    else:
        env.repos.items.upsert(ItemRow(link_id=link.link_id, tool=TOOL, procore_id="7002", kind=ItemKind.FOLDER,
                                       state=ItemState.PENDING, procore_name="Zone D Sub", procore_parent_id="7001",
                                       updated_at=now))
    for procore_id, name, parent, twin, sp_parent in folders:
        env.repos.items.upsert(ItemRow(link_id=link.link_id, tool=TOOL, procore_id=procore_id, kind=ItemKind.FOLDER,
                                       state=ItemState.SYNCED, procore_name=name, procore_parent_id=parent,
                                       sp_item_id=twin, sp_parent_id=sp_parent, sp_name=name, updated_at=now))
        env.repos.items_by_sp.upsert(ItemBySpRow(link_id=link.link_id, sp_item_id=twin,
                                                 item_key=item_key(TOOL.value, procore_id)))
    old_file = None
    if inner_mirrored:              # the file had its twin too, deleted with the folders
        agreed = tmp_path / "agreed.txt"
        agreed.write_bytes(b"agreed")
        old_file = sp_upload.upload_new(ctx.graph, ctx.drive_id, inner.id, "Procore Edit.txt", agreed).item
        assert old_file is not None
        env.repos.items_by_sp.upsert(ItemBySpRow(link_id=link.link_id, sp_item_id=old_file.id,
                                                 item_key=item_key(TOOL.value, "7003")))
    env.repos.items.upsert(ItemRow(
        link_id=link.link_id, tool=TOOL, procore_id="7003", kind=ItemKind.FILE,
        state=ItemState.SYNCED if old_file else ItemState.PENDING, procore_name="Procore Edit.txt",
        procore_parent_id="7002", procore_version="1" if old_file else None,
        sp_item_id=old_file.id if old_file else None, sp_parent_id=inner.id if old_file else None,
        sp_name="Procore Edit.txt" if old_file else None, sp_quickxor=old_file.quick_xor_hash if old_file else None,
        updated_at=now))
    with env.graph_session("user") as person:                      # to the recycle bin, by a person
        sp_items.delete_item(person, ctx.drive_id, outer.id)
    data = b"edited in Procore"
    staged = env.services.staging.put(f"{link.link_id}/documents/7003/{uuid.uuid4().hex}", iter([data]))
    msg = UploadFile(tenant_id=link.tenant_id, link_id=link.link_id, lane=Lane.LIVE, tool=TOOL, procore_id="7003",
                     version="2", staged_blob=staged.name, size=staged.size, sha256=staged.sha256,
                     quickxor=QuickXorHash(data).b64digest(), name="Procore Edit.txt", parent_id="7002")

    _deliver(env, msg, "delivery-a")

    rows = {pid: env.repos.items.get(link.link_id, item_key(TOOL.value, pid)) for pid in ("7001", "7002", "7003")}
    assert all(r is not None and r.row.state is ItemState.SYNCED for r in rows.values()), rows
    new_outer, new_inner, file = (r.row for r in rows.values() if r is not None)
    assert new_outer.sp_item_id not in (None, outer.id) and new_inner.sp_item_id not in (None, inner.id)
    assert file.sp_item_id not in (None, *([old_file.id] if old_file else []))
    assert new_inner.sp_parent_id == new_outer.sp_item_id and file.sp_parent_id == new_inner.sp_item_id
    assert file.upload_lease_until is None and file.procore_version == "2"
    # SharePoint holds the path again, under the new ids, with the file's bytes
    assert sp_items.get_item(ctx.graph, ctx.drive_id, new_outer.sp_item_id or "").name == "Zone D"
    got = sp_items.get_child(ctx.graph, ctx.drive_id, new_inner.sp_item_id or "", "Procore Edit.txt")
    assert got is not None and got.id == file.sp_item_id and got.quick_xor_hash == msg.quickxor
    # the gone folders' ids lead to no row: their delete, when it comes, deletes nothing in Procore
    for gone in (outer.id, inner.id, *([old_file.id] if old_file else [])):
        assert env.repos.items_by_sp.get(link.link_id, gone) is None
    assert env.invisible(env.services.settings.queue_transfer) == 0   # done in this delivery: nothing retried
