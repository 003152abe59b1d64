"""Batched copy of small files at the initial sync (runners/batch.py), against Azurite and both emulators:
the page's small files go as CopyBatch messages whose step PUTs each file once into its parent and records
it as the per-file path would (row, reverse index, `synced` event); a duplicate delivery writes nothing;
what is not plain (a name taken in SharePoint, a row a live change took, a leased row) goes to its own
FetchFile; a batch replayed after it uploaded but before it recorded leaves no second file."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.storage.queue import QueueClient

from shared.graph import content as sp_content
from shared.graph import items as sp_items
from shared.graph.quickxor import QuickXorHash
from shared.models.messages import TRANSFER, EnumeratePage, StartInitialSync
from shared.models.rows import ItemKind, ItemRow, ItemState, LinkRow
from shared.store.repositories import item_key
from shared.sync import dispatch
from shared.sync.runners.batch import MAX_BATCH_FILES
from shared.tools import TOOLS
from tests.integration.safety.conftest import Env


def _started(env: Env) -> LinkRow:
    link = env.new_link()
    env.take(env.services.settings.queue_initial_sync)
    env.run(StartInitialSync(tenant_id=link.tenant_id, link_id=link.link_id))
    return env.link(link.link_id)


def _enumerate(env: Env, link: LinkRow) -> list[dict[str, Any]]:
    """Run the link's enumeration to its end; the transfer messages it sent (batches and single fetches)."""
    s = env.services.settings
    sent: list[dict[str, Any]] = []
    pages = [m for m in env.take(s.queue_initial_sync) if m["link_id"] == link.link_id]
    while pages:
        for page in pages:
            if page["kind"] == "enumerate_page":
                env.run(EnumeratePage.model_validate(page))
        sent += [m for m in env.take(s.queue_transfer_initial) if m["link_id"] == link.link_id]
        pages = [m for m in env.take(s.queue_initial_sync) if m["link_id"] == link.link_id]
    env.take(s.queue_metadata_initial)
    return sent


def _deliver(env: Env, message: dict[str, Any]) -> list[dict[str, Any]]:
    """One delivery of a transfer message through the real dispatcher; the transfer messages it sent."""
    queue = env.services.settings.queue_transfer_initial
    dispatch.handle(env.services, queue, json.dumps(message), TRANSFER, delivery_id=uuid.uuid4().hex)
    return env.take(queue)


def _run_all(env: Env, message: dict[str, Any]) -> None:
    """A transfer message and every transfer step that follows from it, each delivered once."""
    todo = [message]
    while todo:
        todo = [follow for nxt in todo for follow in _deliver(env, nxt)]


def _rows(env: Env, link: LinkRow) -> dict[str, ItemRow]:
    return {s.row.procore_id: s.row for s in env.repos.items.query(link.link_id) if s.row.kind is ItemKind.FILE}


def _puts(env: Env) -> int:
    routes = env.graph_emulator("/_emulator/stats")["clients"].get(env.tenant.microsoft.client_id, {}).get("routes", {})
    return sum(int(n) for route, n in routes.items() if route.startswith("PUT ") or "createUploadSession" in route)


def _synced_events(env: Env, link: LinkRow) -> list[str]:
    today = datetime.now(UTC).date()
    return [a.item for a in env.repos.recent_activity(link.link_id, today - timedelta(days=1), today)
            if a.event == "synced" and a.size is not None]


def test_small_files_are_copied_in_batches_and_recorded_as_one_at_a_time(env: Env) -> None:
    link = _started(env)
    sent = _enumerate(env, link)
    batches = [m for m in sent if m["kind"] == "copy_batch"]
    rows = _rows(env, link)
    batched = [f["fetch"]["procore_id"] for m in batches for f in m["files"]]
    assert batches and all(1 <= len(m["files"]) <= MAX_BATCH_FILES for m in batches)
    assert sorted(batched) == sorted(rows)            # every file of the small project is small: all batched
    assert not [m for m in sent if m["kind"] == "fetch_file"]
    assert all(r.state is ItemState.PENDING for r in rows.values())

    env.graph_emulator("/_emulator/reset-stats", {})
    for message in batches:
        assert _deliver(env, message) == []           # nothing fell back
    assert _puts(env) == len(rows)                    # one simple upload per file, nothing else written
    rows = _rows(env, link)
    folders = {s.row.procore_id: s.row for s in env.repos.items.query(link.link_id)
               if s.row.kind is ItemKind.FOLDER}
    roots = {root.procore_id: root.sp_item_id for root in env.link(link.link_id).tool_roots.values()}
    procore = env.procore_client("app")
    with env.graph_session("app") as graph:
        for row in rows.values():
            assert row.state is ItemState.SYNCED and row.sp_item_id and row.upload_lease_until is None
            twin = sp_items.get_item(graph, link.drive_id, row.sp_item_id)
            parent = roots.get(row.procore_parent_id or "") or folders[row.procore_parent_id or ""].sp_item_id
            assert (twin.name, twin.parent_id, twin.size) == (row.sp_name, parent, row.size)
            assert twin.quick_xor_hash == row.sp_quickxor and twin.etag == row.sp_etag
            index = env.repos.items_by_sp.get(link.link_id, row.sp_item_id)
            assert index is not None and index.row.item_key == item_key(row.tool.value, row.procore_id)
            listed = TOOLS[row.tool].get(procore, link, row.procore_id, ItemKind.FILE)
            assert listed is not None and listed.version == row.procore_version
            data = b"".join(TOOLS[row.tool].fetch(procore, link, listed))
            assert QuickXorHash(data).b64digest() == twin.quick_xor_hash   # Procore's bytes, whole
    procore.close()
    assert sorted(_synced_events(env, link)) == sorted(rows)   # one `synced` event per file

    # A duplicate delivery of every batch: no upload, no event, no row changed.
    env.graph_emulator("/_emulator/reset-stats", {})
    for message in batches:
        assert _deliver(env, message) == []
    assert _puts(env) == 0
    assert _rows(env, link) == rows
    assert sorted(_synced_events(env, link)) == sorted(rows)


def test_what_is_not_plain_leaves_the_batch_for_its_own_step(env: Env) -> None:
    link = _started(env)
    batches = [m for m in _enumerate(env, link) if m["kind"] == "copy_batch"]
    message = max(batches, key=lambda m: len(m["files"]))
    assert len(message["files"]) >= 4
    files = message["files"]
    taken, live, leased = files[0], files[1], files[2]
    # A person's file of the same name in the same SharePoint folder (the batch must not take or replace it).
    with env.graph_session("user") as user:
        theirs = sp_content.put_new_small(user, link.drive_id, taken["sp_parent_id"], taken["sp_name"],
                                          b"a person's own file\n", "fail")
    # A live change copied one already (through the per-file path: fetch, then upload).
    _run_all(env, live["fetch"])
    # Another step holds one's upload lease.
    key = item_key("documents", leased["fetch"]["procore_id"])
    until = datetime.now(UTC) + timedelta(minutes=5)
    env.repos.items.mutate(link.link_id, key, lambda r: r.model_copy(update={"upload_lease_until": until}))
    before = _rows(env, link)
    assert before[live["fetch"]["procore_id"]].state is ItemState.SYNCED

    env.graph_emulator("/_emulator/reset-stats", {})
    fell_back = _deliver(env, message)
    assert [m["procore_id"] for m in fell_back if m["kind"] == "fetch_file"] == [taken["fetch"]["procore_id"]]
    queue = QueueClient.from_connection_string(env.services.settings.storage.connection_string or "",
                                               env.services.settings.queue_transfer_initial)
    assert queue.get_queue_properties().approximate_message_count == 1   # the leased one's step, delayed
    queue.clear_messages()                                               # (not the next test's to meet)
    assert queue.get_queue_properties().approximate_message_count == 0
    queue.close()
    assert _puts(env) == len(files) - 2               # the live one not uploaded again; the leased one not tried
    after = _rows(env, link)
    assert after[live["fetch"]["procore_id"]] == before[live["fetch"]["procore_id"]]
    assert after[leased["fetch"]["procore_id"]].upload_lease_until == until     # the other step's lease kept
    assert after[taken["fetch"]["procore_id"]].state is ItemState.PENDING
    assert after[taken["fetch"]["procore_id"]].upload_lease_until is None       # let go for its own step
    for plain in files[3:]:
        assert after[plain["fetch"]["procore_id"]].state is ItemState.SYNCED
    with env.graph_session("app") as graph:
        still = sp_items.get_item(graph, link.drive_id, theirs.id)
    assert (still.quick_xor_hash, still.etag) == (theirs.quick_xor_hash, theirs.etag)   # untouched
    assert env.repos.items_by_sp.get(link.link_id, theirs.id) is None


def test_a_batch_replayed_after_its_uploads_but_before_its_record_makes_no_second_file(env: Env) -> None:
    link = _started(env)
    message = next(m for m in _enumerate(env, link) if m["kind"] == "copy_batch")
    assert _deliver(env, message) == []
    first = _rows(env, link)
    ours = {f["fetch"]["procore_id"] for f in message["files"]}
    # The step died after its uploads: its rows still pending, no reverse index, its leases expired.
    for pid in ours:
        row = first[pid]
        env.repos.items_by_sp.delete(link.link_id, row.sp_item_id or "")
        env.repos.items.mutate(link.link_id, item_key("documents", pid), lambda r: r.model_copy(update={
            "state": ItemState.PENDING, "sp_item_id": None, "sp_parent_id": None, "sp_name": None,
            "sp_etag": None, "sp_ctag": None, "sp_quickxor": None, "procore_version": None,
            "upload_lease_until": datetime.now(UTC) - timedelta(seconds=1)}))

    fell_back = _deliver(env, message)                # every name is taken by its own earlier upload: 409
    assert sorted(m["procore_id"] for m in fell_back) == sorted(ours)
    for fetch in fell_back:                           # the per-file path adopts the identical bytes
        _run_all(env, fetch)
    again = _rows(env, link)
    with env.graph_session("app") as graph:
        for pid in ours:
            assert again[pid].state is ItemState.SYNCED
            assert again[pid].sp_item_id == first[pid].sp_item_id    # the same SharePoint file, adopted
            assert again[pid].sp_etag == first[pid].sp_etag          # and no second version of it
            siblings = [c.name for c in sp_items.iter_children(graph, link.drive_id, first[pid].sp_parent_id or "")]
            assert siblings.count(first[pid].sp_name) == 1
