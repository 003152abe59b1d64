"""Initial sync under a host crash: a page whose step died after writing its items' pending rows but
before sending their messages is redelivered, and the redelivery sends the messages the rows still
wait for (the crash test in tests/e2e/test_crash.py found items left pending forever). The page's folders
are mirrored in the step itself, through $batch (20 a call, no POST per folder): a folder made before the
crash but not recorded is found again by its own step, never made twice."""

from __future__ import annotations

import math
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from shared.graph import items as sp_items
from shared.graph.batch import MAX_BATCH
from shared.models.messages import METADATA, EnumeratePage, MirrorFolder, StartInitialSync
from shared.models.rows import DeleteRow, ItemKind, ItemRow, ItemState
from shared.store.repositories import item_key
from shared.sync import dispatch
from tests.integration.safety.conftest import Env


def _ours(messages: list[dict[str, Any]], link_id: str, kind: str) -> set[str]:
    return {str(m["procore_id"]) for m in messages if m["link_id"] == link_id and m["kind"] == kind}


def _files(messages: list[dict[str, Any]], link_id: str) -> set[str]:
    """The files whose transfer the messages start: one FetchFile each, or small ones in CopyBatch messages."""
    batched = {str(f["fetch"]["procore_id"]) for m in messages if m["link_id"] == link_id
               and m["kind"] == "copy_batch" for f in m["files"]}
    return _ours(messages, link_id, "fetch_file") | batched


def _folders(env: Env, link_id: str) -> dict[str, ItemRow]:
    return {s.row.procore_id: s.row for s in env.repos.items.query(link_id) if s.row.kind is ItemKind.FOLDER}


def _depth(folders: dict[str, ItemRow], procore_id: str) -> int:
    """How many of the folders are above this one (0: directly in the tool's folder)."""
    parent = folders[procore_id].procore_parent_id
    return 0 if parent not in folders else 1 + _depth(folders, parent)


def _graph_stats(env: Env) -> dict[str, Any]:
    return dict(env.graph_emulator("/_emulator/stats")["clients"].get(env.tenant.microsoft.client_id, {}))


def test_a_redelivered_page_sends_again_what_its_pending_items_wait_for(env: Env) -> None:
    settings = env.services.settings
    link = env.new_link()
    env.take(settings.queue_initial_sync)
    env.run(StartInitialSync(tenant_id=link.tenant_id, link_id=link.link_id))
    pages = [m for m in env.take(settings.queue_initial_sync) if m["link_id"] == link.link_id
             and m["kind"] == "enumerate_page"]
    assert len(pages) == 1
    env.take(settings.queue_metadata_initial)
    env.graph_emulator("/_emulator/reset-stats", {})
    env.run(EnumeratePage.model_validate(pages[0]))
    files = _files(env.take(settings.queue_transfer_initial), link.link_id)
    assert files
    assert not _ours(env.take(settings.queue_metadata_initial), link.link_id, "mirror_folder")
    folders = _folders(env, link.link_id)
    assert len(folders) > 1 and all(r.state is ItemState.SYNCED and r.sp_item_id for r in folders.values())
    stats = _graph_stats(env)
    # A call per 20 folders of a level at most (a folder under one made in the same call waits for the next
    # call, so that each call runs in parallel), and never fewer than 20 a call.
    per_level = Counter(_depth(folders, pid) for pid in folders)
    batches = stats["routes"].get("POST /$batch", 0)
    assert math.ceil(len(folders) / MAX_BATCH) <= batches <= sum(math.ceil(n / MAX_BATCH) for n in per_level.values())
    assert stats["calls"] - stats["batched"] == stats["routes"]["POST /$batch"]  # no folder created on its own
    tool_root = env.link(link.link_id).tool_roots
    sp_of = {pid: r.sp_item_id for pid, r in folders.items()}
    sp_of.update({root.procore_id: root.sp_item_id for root in tool_root.values()})
    with env.graph_session("app") as graph:
        for row in folders.values():          # each twin in SharePoint, under its parent's twin, by its name
            assert row.sp_item_id is not None
            twin = sp_items.get_item(graph, link.drive_id, row.sp_item_id)
            assert twin.is_folder and twin.name == row.sp_name
            assert twin.parent_id == sp_of[row.procore_parent_id or ""]

    # The messages above died with the host (taken, never run): the page's redelivery sends them again.
    env.run(EnumeratePage.model_validate(pages[0]))
    assert _files(env.take(settings.queue_transfer_initial), link.link_id) == files
    assert not _ours(env.take(settings.queue_metadata_initial), link.link_id, "mirror_folder")
    env.take(settings.queue_initial_sync)

    # A folder made in SharePoint by a step that died before recording it: its row is still pending. The
    # redelivery's batch meets the name taken (409) and leaves it to its own step, which finds it.
    pid, row = next((p, r) for p, r in folders.items() if r.procore_parent_id not in folders)
    made = row.sp_item_id
    key = item_key(row.tool.value, pid)
    env.repos.items.mutate(link.link_id, key, lambda current: current.model_copy(update={
        "state": ItemState.PENDING, "sp_item_id": None, "sp_parent_id": None, "sp_etag": None}))
    env.repos.items_by_sp.delete(link.link_id, made)
    env.run(EnumeratePage.model_validate(pages[0]))
    again = env.take(settings.queue_metadata_initial)
    assert _ours(again, link.link_id, "mirror_folder") == {pid}
    assert _files(env.take(settings.queue_transfer_initial), link.link_id) == files
    env.take(settings.queue_initial_sync)
    mirror = next(m for m in again if m["link_id"] == link.link_id and m["kind"] == "mirror_folder")
    body = MirrorFolder.model_validate(mirror).model_dump_json()
    dispatch.handle(env.services, settings.queue_metadata_initial, body, METADATA, delivery_id=uuid.uuid4().hex)
    found = env.repos.items.get(link.link_id, key)
    assert found is not None and found.row.state is ItemState.SYNCED and found.row.sp_item_id == made


def test_a_page_listed_before_a_delete_does_not_bring_the_deleted_item_back(env: Env) -> None:
    """A page step listed a file, then waited (a redelivered step, or one held back by the rate budget) while
    the file was synced and deleted: its row is gone, its delete recorded. Planning that page now must not
    make the row again, nor copy the file back to SharePoint from the old listing."""
    settings = env.services.settings
    link = env.new_link()
    env.take(settings.queue_initial_sync)
    env.run(StartInitialSync(tenant_id=link.tenant_id, link_id=link.link_id))
    [page] = [m for m in env.take(settings.queue_initial_sync) if m["link_id"] == link.link_id
              and m["kind"] == "enumerate_page"]
    env.take(settings.queue_metadata_initial)
    env.run(EnumeratePage.model_validate(page))
    files = sorted(_files(env.take(settings.queue_transfer_initial), link.link_id))
    deleted, pending = files[0], files[1]
    key = item_key("documents", deleted)
    env.repos.deletes.upsert(DeleteRow(link_id=link.link_id, item_key=key, direction="to_procore",
                                       sp_item_id="SP-GONE", path="gone.pdf", state="applied",
                                       detected_at=datetime.now(UTC)))
    env.repos.items.delete(link.link_id, key)            # recorded as deleted (the listing still names it)
    env.repos.items.delete(link.link_id, item_key("documents", pending))   # never planned: no delete of it

    env.run(EnumeratePage.model_validate(page))          # the old listing, planned again
    again = _files(env.take(settings.queue_transfer_initial), link.link_id)
    assert deleted not in again and env.repos.items.get(link.link_id, key) is None
    assert pending in again                              # an item without a delete is planned as before
