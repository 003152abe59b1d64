"""A from-SharePoint initial sync meets SharePoint's file of the same path before anything is uploaded
(shared/sync/runners/initial_match.py, and the batched copy of runners/batch.py), against Azurite and both
emulators over real HTTP: identical bytes are recorded as agreed with nothing sent either way, a newer
SharePoint copy of another size is adopted without reading Procore's bytes, and a newer Procore version of
the same size is read once and handed on. The batch decides only the plain meetings (nothing there, or the
same bytes) and sends every other file to the per-file step.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from shared.graph import content as sp_content
from shared.graph import items as sp_items
from shared.graph.quickxor import QuickXorHash
from shared.models.api import CreateLinkRequest, ToolKey
from shared.models.messages import TRANSFER, CopyBatch, EnumeratePage, FetchFile, StartInitialSync
from shared.models.rows import ItemState, LinkRow
from shared.onboarding.links import create_link
from shared.procore.client import ProcoreClient
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from shared.store.repositories import ItemBySpRow, item_key
from shared.sync import dispatch
from tests.integration.safety.conftest import PROJECT, Env
from tests.support.docs_sides import after_second

SCOPE = Scope.project(PROJECT)
DOWNLOAD = "/api/v5/files/"                       # the first hop of every Procore download
UPLOADS = ("PUT", "createUploadSession")          # Graph: a simple upload or an upload session


def _quickxor(data: bytes) -> str:
    hashing = QuickXorHash()
    hashing.update(data)
    return hashing.b64digest()


def _from_sp_link(env: Env) -> LinkRow:
    request = CreateLinkRequest.model_validate({
        "procore_project_id": PROJECT, "initial_sync": "from_sharepoint",
        "sharepoint": {"site_id": env.site["id"], "drive_id": env.site["drive_id"],
                       "folder_path": f"Match/{uuid.uuid4().hex[:8]}"},
        "tools": {"documents": "two_way", "photos": "off"}})
    link_id = create_link(env.services, env.tenant, request, env.receiver.base_url)
    env.take(env.services.settings.queue_initial_sync)
    env.take()
    env.run(StartInitialSync(tenant_id=env.tenant.tenant_id, link_id=link_id))
    return env.link(link_id)


def _enumerate(env: Env, link: LinkRow) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Every Procore item of the link planned (pending rows): each file's fetch message by Procore id (a
    batched file's own, which its step falls back to), and the batch messages."""
    settings = env.services.settings
    fetches: dict[str, dict[str, Any]] = {}
    batches: list[dict[str, Any]] = []
    pages = [m for m in env.take(settings.queue_initial_sync) if m["link_id"] == link.link_id]
    while pages:
        for page in pages:
            if page["kind"] == "enumerate_page":
                env.run(EnumeratePage.model_validate(page))
        for m in env.take(settings.queue_transfer_initial):
            if m["link_id"] == link.link_id and m["kind"] == "fetch_file":
                fetches[m["procore_id"]] = m
            elif m["link_id"] == link.link_id and m["kind"] == "copy_batch":
                batches.append(m)
                fetches |= {f["fetch"]["procore_id"]: f["fetch"] for f in m["files"]}
        pages = [m for m in env.take(settings.queue_initial_sync) if m["link_id"] == link.link_id]
    env.take(settings.queue_metadata_initial)
    return fetches, batches


def _fetch(env: Env, message: dict[str, Any]) -> None:
    queue = env.services.settings.queue_transfer_initial
    dispatch.handle(env.services, queue, FetchFile.model_validate(message).model_dump_json(), TRANSFER,
                    delivery_id=uuid.uuid4().hex)


def _app_calls(env: Env) -> tuple[dict[str, int], dict[str, int]]:
    """The product's API calls since the last reset, by route: (Graph, Procore)."""
    graph = env.graph_emulator("/_emulator/stats")["clients"].get(env.tenant.microsoft.client_id, {})
    procore = httpx.get(env.procore_emu.base_url + "/_emulator/stats", timeout=30).json()["by_client"].get(
        env.tenant.procore.client_id, {})
    return (dict(graph.get("routes", {})),
            {route: int(v["calls"]) for route, v in procore.get("routes", {}).items()})


def _reset_stats(env: Env) -> None:
    env.graph_emulator("/_emulator/reset-stats", {})
    httpx.post(env.procore_emu.base_url + "/_emulator/reset-stats", timeout=30).raise_for_status()


def _procore_file(user: ProcoreClient, tmp_path: Path, parent_id: int, name: str, data: bytes) -> str:
    """A person's new file in the project's Documents folder `parent_id`: its Procore id."""
    (tmp_path / name).write_bytes(data)
    up = user.uploads.upload(SCOPE, FileSource(tmp_path / name), filename=name)
    return str(user.documents.create_file(SCOPE, name=name, parent_id=parent_id, upload_uuid=up.uuid).id)


def test_identical_files_are_matched_by_hash_and_nothing_is_uploaded(env: Env, tmp_path: Path) -> None:
    link = _from_sp_link(env)
    documents = link.tool_roots[ToolKey.DOCUMENTS].sp_item_id
    user, graph, drive = env.procore_client("user"), env.graph_session("user"), env.site["drive_id"]
    tag = link.link_id[:6]
    root = user.documents.root(SCOPE, exclude_files=True)

    same_bytes = b"the same bytes on both sides\n" * 40
    same = _procore_file(user, tmp_path, root.id, f"same {tag}.txt", same_bytes)
    same_sp = sp_content.put_new_small(graph, drive, documents, f"same {tag}.txt", same_bytes, "fail")
    sp_newer = _procore_file(user, tmp_path, root.id, f"sp newer {tag}.txt", b"Procore's older copy\n")
    pc_old = sp_content.put_new_small(graph, drive, documents, f"pc newer {tag}.txt", b"A" * 64, "fail")
    after_second(datetime.now(UTC))   # the newer copies below carry a later modified time (whole seconds)
    sp_new = sp_content.put_new_small(graph, drive, documents, f"sp newer {tag}.txt", b"SharePoint's newer copy\n",
                                      "fail")
    pc_newer = _procore_file(user, tmp_path, root.id, f"pc newer {tag}.txt", b"B" * 64)   # same size, newer
    user.close()
    graph.close()

    fetches, _ = _enumerate(env, link)
    assert {same, sp_newer, pc_newer} <= set(fetches)
    _reset_stats(env)
    for procore_id in (same, sp_newer, pc_newer):
        _fetch(env, fetches[procore_id])
    sent = env.take(env.services.settings.queue_transfer_initial)
    graph_calls, procore_calls = _app_calls(env)

    # Identical: recorded as agreed with SharePoint's own state, nothing staged or sent either way.
    row = env.repos.items.get(link.link_id, item_key("documents", same)).row
    assert row.state is ItemState.SYNCED and row.sp_item_id == same_sp.id
    assert row.sp_quickxor == same_sp.quick_xor_hash == _quickxor(same_bytes)
    assert env.repos.items_by_sp.get(link.link_id, same_sp.id).row.item_key == item_key("documents", same)
    assert not [m for m in sent if m.get("procore_id") == same or m.get("sp_item_id") == same_sp.id]
    # SharePoint's newer copy (another size): adopted, Procore's bytes never read; it goes to Procore.
    adopted = env.repos.items.get(link.link_id, item_key("documents", sp_newer)).row
    assert adopted.sp_item_id == sp_new.id and adopted.awaiting_sp_copy
    assert [m["kind"] for m in sent if m.get("sp_item_id") == sp_new.id] == ["sp_to_procore"]
    # Procore's newer version of the same size: read once, hashed, handed to the upload step.
    uploads = [m for m in sent if m.get("procore_id") == pc_newer]
    assert [m["kind"] for m in uploads] == ["upload_file"] and uploads[0]["quickxor"] == _quickxor(b"B" * 64)
    assert env.repos.items.get(link.link_id, item_key("documents", pc_newer)).row.upload_lease_until is None
    assert pc_old.id not in {m.get("sp_item_id") for m in sent}

    assert not [r for r in graph_calls if r.startswith(UPLOADS[0]) or UPLOADS[1] in r], graph_calls
    assert sum(n for r, n in procore_calls.items() if DOWNLOAD in r) == 2, procore_calls   # same and pc newer
    assert not [r for r in procore_calls if "uploads" in r], procore_calls

    again = fetches[same]   # a second delivery of the identical file's fetch: nothing more happens
    _reset_stats(env)
    _fetch(env, again)
    assert env.take(env.services.settings.queue_transfer_initial) == []
    assert sum(n for r, n in _app_calls(env)[1].items() if DOWNLOAD in r) == 0


def test_a_file_that_is_another_items_twin_is_not_matched(env: Env, tmp_path: Path) -> None:
    link = _from_sp_link(env)
    documents = link.tool_roots[ToolKey.DOCUMENTS].sp_item_id
    user, graph, drive = env.procore_client("user"), env.graph_session("user"), env.site["drive_id"]
    name, data = f"taken {link.link_id[:6]}.txt", b"identical bytes, but the SharePoint file is taken\n"
    root = user.documents.root(SCOPE, exclude_files=True)
    procore_id = _procore_file(user, tmp_path, root.id, name, data)
    taken = sp_content.put_new_small(graph, drive, documents, name, data, "fail")
    user.close()
    graph.close()

    fetches, _ = _enumerate(env, link)
    env.repos.items_by_sp.upsert(ItemBySpRow(link_id=link.link_id, sp_item_id=taken.id,
                                             item_key=item_key("documents", "another item")))
    _fetch(env, fetches[procore_id])

    row = env.repos.items.get(link.link_id, item_key("documents", procore_id)).row
    assert row.state is ItemState.PENDING and row.sp_item_id is None and row.upload_lease_until is None
    sent = [m for m in env.take(env.services.settings.queue_transfer_initial) if m.get("procore_id") == procore_id]
    assert [m["kind"] for m in sent] == ["upload_file"]    # the transfer path copies it under a name of its own


def _deliver_batch(env: Env, message: dict[str, Any]) -> list[dict[str, Any]]:
    queue = env.services.settings.queue_transfer_initial
    dispatch.handle(env.services, queue, CopyBatch.model_validate(message).model_dump_json(), TRANSFER,
                    delivery_id=uuid.uuid4().hex)
    return env.take(queue)


def test_the_batched_copy_matches_identical_files_and_leaves_every_other_meeting_to_its_own_step(
        env: Env, tmp_path: Path) -> None:
    link = _from_sp_link(env)
    documents = link.tool_roots[ToolKey.DOCUMENTS].sp_item_id
    user, graph, drive = env.procore_client("user"), env.graph_session("user"), env.site["drive_id"]
    tag = link.link_id[:6]
    root = user.documents.root(SCOPE, exclude_files=True)

    same_bytes = b"identical on both sides\n" * 30
    same = _procore_file(user, tmp_path, root.id, f"same {tag}.txt", same_bytes)
    same_sp = sp_content.put_new_small(graph, drive, documents, f"same {tag}.txt", same_bytes, "fail")
    sized = _procore_file(user, tmp_path, root.id, f"sized {tag}.txt", b"Procore's copy\n")
    sp_content.put_new_small(graph, drive, documents, f"sized {tag}.txt", b"SharePoint's longer copy\n", "fail")
    other = _procore_file(user, tmp_path, root.id, f"other {tag}.txt", b"A" * 64)
    sp_content.put_new_small(graph, drive, documents, f"other {tag}.txt", b"B" * 64, "fail")   # same size
    taken_bytes = b"identical, but another item's twin\n"
    taken = _procore_file(user, tmp_path, root.id, f"taken {tag}.txt", taken_bytes)
    taken_sp = sp_content.put_new_small(graph, drive, documents, f"taken {tag}.txt", taken_bytes, "fail")
    user.close()
    graph.close()

    fetches, batches = _enumerate(env, link)
    ours = {same, sized, other, taken}
    batched = {f["fetch"]["procore_id"] for m in batches for f in m["files"]}
    documents_files = {pid for pid, m in fetches.items() if m["tool"] == "documents"}
    assert ours <= batched and batched == documents_files    # every Documents file of the small project
    env.repos.items_by_sp.upsert(ItemBySpRow(link_id=link.link_id, sp_item_id=taken_sp.id,
                                             item_key=item_key("documents", "another item")))
    _reset_stats(env)
    sent = [m for message in batches for m in _deliver_batch(env, message)]
    graph_calls, procore_calls = _app_calls(env)

    assert sorted(m["procore_id"] for m in sent) == sorted([sized, other, taken])   # each to its own step
    assert all(m["kind"] == "fetch_file" for m in sent)
    rows = {pid: env.repos.items.get(link.link_id, item_key("documents", pid)).row for pid in batched}
    row = rows[same]                                           # identical: agreed with SharePoint's own file
    assert row.state is ItemState.SYNCED and row.sp_item_id == same_sp.id
    assert row.sp_quickxor == same_sp.quick_xor_hash == _quickxor(same_bytes)
    assert env.repos.items_by_sp.get(link.link_id, same_sp.id).row.item_key == item_key("documents", same)
    for pid in (sized, other, taken):                          # undecided here, nothing written, lease let go
        assert rows[pid].state is ItemState.PENDING and rows[pid].sp_item_id is None
        assert rows[pid].upload_lease_until is None
    plain = batched - ours                                     # nothing in SharePoint: copied as at any sync
    assert all(rows[pid].state is ItemState.SYNCED for pid in plain)
    puts = sum(n for r, n in graph_calls.items() if r.startswith(UPLOADS[0]) or UPLOADS[1] in r)
    assert puts == len(plain), graph_calls
    assert graph_calls.get("POST /$batch") == len(batches), graph_calls   # one lookup a batch, not one a file
    # Downloads: the plain files, the identical one and the same-size one (read to compare); not `sized`,
    # whose sizes already differ, nor `taken`.
    assert sum(n for r, n in procore_calls.items() if DOWNLOAD in r) == len(plain) + 2, procore_calls


def test_folders_sharepoint_has_already_are_adopted_at_enumeration_and_their_files_batched(
        env: Env, tmp_path: Path) -> None:
    link = _from_sp_link(env)
    documents = link.tool_roots[ToolKey.DOCUMENTS].sp_item_id
    user, graph, drive = env.procore_client("user"), env.graph_session("user"), env.site["drive_id"]
    tag = link.link_id[:6]
    root = user.documents.root(SCOPE, exclude_files=True)
    outer = user.documents.create_folder(SCOPE, f"Outer {tag}", parent_id=root.id)
    inner = user.documents.create_folder(SCOPE, "Inner", parent_id=outer.id)
    fresh = user.documents.create_folder(SCOPE, "Only in Procore", parent_id=outer.id)
    data = b"the same memo on both sides\n" * 20
    memo = _procore_file(user, tmp_path, inner.id, "memo.txt", data)
    sp_outer = sp_items.create_folder(graph, drive, documents, f"Outer {tag}", "fail")
    sp_inner = sp_items.create_folder(graph, drive, sp_outer.id, "Inner", "fail")
    sp_memo = sp_content.put_new_small(graph, drive, sp_inner.id, "memo.txt", data, "fail")
    user.close()
    graph.close()

    fetches, batches = _enumerate(env, link)
    rows = {pid: env.repos.items.get(link.link_id, item_key("documents", pid)).row
            for pid in (str(outer.id), str(inner.id), str(fresh.id))}
    assert rows[str(outer.id)].state is ItemState.SYNCED and rows[str(outer.id)].sp_item_id == sp_outer.id
    assert rows[str(inner.id)].state is ItemState.SYNCED and rows[str(inner.id)].sp_item_id == sp_inner.id
    made = rows[str(fresh.id)]                                  # the one SharePoint lacked: created there
    assert made.state is ItemState.SYNCED and made.sp_item_id and made.sp_parent_id == sp_outer.id
    assert memo in {f["fetch"]["procore_id"] for m in batches for f in m["files"]}   # batched at once
    for message in batches:
        _deliver_batch(env, message)
    row = env.repos.items.get(link.link_id, item_key("documents", memo)).row
    assert row.state is ItemState.SYNCED and row.sp_item_id == sp_memo.id               # matched, not copied
    with env.graph_session("app") as app:
        assert [c.name for c in sp_items.iter_children(app, drive, sp_outer.id)].count("Inner") == 1
