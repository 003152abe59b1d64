"""A SharePoint change under a one-way tool (the tenant's direction or the link's mode), through the detect
step against Azurite: planned, never sent to Procore, logged once however often it is delivered; a
deleted SharePoint copy is handed back to Procore -> SharePoint (its twin forgotten, a detect hint)."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.graph import content as sp_content
from shared.graph import items as sp_items
from shared.models.api import Direction, Mode, ToolKey
from shared.models.messages import (
    DETECT,
    METADATA,
    TRANSFER,
    EnumerateSp,
    Lane,
    ProcoreChange,
    ProcoreMetadata,
    SpChange,
)
from shared.models.rows import ItemKind, ItemRow, ItemState, LinkRow
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from shared.store.repositories import ItemBySpRow, item_key
from shared.sync import dispatch
from shared.sync.context import LinkContext, load_context
from shared.sync.runners.detect_sp import sp_change
from shared.sync.runners.initial_sp import enumerate_sp
from shared.sync.runners.to_procore import procore_metadata
from shared.sync.runners.tree import tool_root
from shared.tools.base import link_scope
from tests.integration.safety.conftest import Env


def _context(env: Env, link: LinkRow, direction: Direction, mode: Mode = Mode.TWO_WAY) -> LinkContext:
    ctx = load_context(env.services, link.tenant_id, link.link_id, Lane.LIVE)
    assert ctx is not None
    ctx.tenant = ctx.tenant.model_copy(update={"settings": ctx.tenant.settings.model_copy(
        update={"direction": direction})})
    ctx.link = ctx.link.model_copy(update={"tools": {**ctx.link.tools, ToolKey.DOCUMENTS: mode}})
    return ctx


def _file_twin(env: Env, link: LinkRow) -> ItemRow:
    procore_id = str(random.randint(10**8, 10**9))
    row = ItemRow(link_id=link.link_id, tool=ToolKey.DOCUMENTS, procore_id=procore_id, kind=ItemKind.FILE,
                  state=ItemState.SYNCED, procore_name="Spec.pdf", procore_parent_id="77", procore_version="5",
                  sp_item_id=f"SP-{procore_id}", sp_parent_id="SP-PARENT", sp_name="Spec.pdf", sp_etag="e1",
                  sp_quickxor="h1", updated_at=datetime.now(UTC))
    env.repos.items.upsert(row)
    env.repos.items_by_sp.upsert(ItemBySpRow(link_id=link.link_id, sp_item_id=row.sp_item_id,
                                             item_key=item_key("documents", procore_id)))
    return row


def _not_synced(env: Env, link: LinkRow) -> list[str]:
    today = datetime.now(UTC).date()
    return [a.item or "" for a in env.repos.recent_activity(link.link_id, today - timedelta(days=1), today)
            if a.event == "not_synced"]


def _edit(link: LinkRow, row: ItemRow, **change: object) -> SpChange:
    fields: dict[str, object] = {"name": row.sp_name, "parent_id": row.sp_parent_id, "etag": "e2",
                                 "quickxor": "h2", **change}
    return SpChange(tenant_id=link.tenant_id, link_id=link.link_id, sp_item_id=row.sp_item_id or "", **fields)


def _drain(env: Env) -> dict[str, list[dict[str, object]]]:
    s = env.services.settings
    return {q: env.take(q) for q in (s.queue_live, s.queue_transfer, s.queue_metadata)}


def test_an_edit_and_a_rename_under_a_one_way_tenant_are_logged_once_and_never_sent(env: Env) -> None:
    link = env.new_link(documents="two_way")
    _drain(env)
    ctx = _context(env, link, Direction.ONE_WAY)
    edited, renamed = _file_twin(env, link), _file_twin(env, link)
    edit, rename = _edit(link, edited), _edit(link, renamed, name="Spec (mine).pdf", quickxor="h1")

    assert "skip" in sp_change(ctx, edit) and "skip" in sp_change(ctx, rename)
    assert sp_change(ctx, edit) == [] and sp_change(ctx, rename) == []          # redelivered: logged already
    assert sorted(_not_synced(env, link)) == sorted([edited.procore_id, renamed.procore_id])
    assert not any(_drain(env).values()), "a one-way change sent something on"
    again = _edit(link, edited, etag="e3", quickxor="h3")                        # a new edit: logged again
    assert "skip" in sp_change(ctx, again)
    assert _not_synced(env, link).count(edited.procore_id) == 2

    # the same edit under a two-way tenant goes to Procore (the direction applies without re-onboarding)
    two_way = _context(env, link, Direction.TWO_WAY)
    saved_long_ago = datetime.now(UTC) - timedelta(hours=1)                     # past the quiet period
    assert sp_change(two_way, _edit(link, renamed, etag="e4", quickxor="h4", modified_at=saved_long_ago))
    assert [m["kind"] for m in _drain(env)[env.services.settings.queue_transfer]] == ["sp_to_procore"]


def test_a_deleted_copy_is_handed_back_to_procore_to_sharepoint_once(env: Env) -> None:
    link = env.new_link(documents="two_way")
    _drain(env)
    ctx = _context(env, link, Direction.TWO_WAY, Mode.ONE_WAY)                   # the link's own one-way mode
    row = _file_twin(env, link)
    gone = SpChange(tenant_id=link.tenant_id, link_id=link.link_id, sp_item_id=row.sp_item_id or "", deleted=True)

    assert "restore" in sp_change(ctx, gone)
    assert sp_change(ctx, gone) == []                                            # redelivered: nothing more
    assert env.repos.items.get(link.link_id, item_key("documents", row.procore_id)) is None
    assert env.repos.items_by_sp.get(link.link_id, row.sp_item_id) is None
    sent = _drain(env)
    assert [(m["kind"], m["resource_name"], m["resource_id"]) for m in sent[env.services.settings.queue_live]] == [
        ("procore_change", "Project Files", int(row.procore_id))]
    assert not sent[env.services.settings.queue_transfer] and not sent[env.services.settings.queue_metadata]
    assert _not_synced(env, link) == [row.procore_id]


def test_an_initial_sync_from_sharepoint_under_a_one_way_tenant_leaves_sharepoint_only_items_there(env: Env) -> None:
    """The second phase of a from-SharePoint initial sync copies SharePoint-only items to Procore: under a
    one-way tenant it plans none (they stay in SharePoint); under a two-way one it plans them."""
    started = env.live_context(started=True)
    link = started.link
    _drain(env)
    env.take(env.services.settings.queue_initial_sync)
    root = link.tool_roots[ToolKey.DOCUMENTS].sp_item_id
    user = env.graph_session("user")
    try:
        sp_content.put_new_small(user, link.drive_id, root, f"sp-only {uuid.uuid4().hex[:6]}.txt", b"only here\n",
                                 "fail")
    finally:
        user.close()
    msg = EnumerateSp(tenant_id=link.tenant_id, link_id=link.link_id)
    one_way = _context(env, link, Direction.ONE_WAY)
    assert enumerate_sp(one_way, msg) == 0
    queues = env.services.settings
    transfers = (queues.queue_transfer, queues.queue_transfer_initial)
    assert not any(env.take(q) for q in (*transfers, queues.queue_metadata, queues.queue_metadata_initial))
    assert enumerate_sp(_context(env, link, Direction.TWO_WAY), msg) >= 1
    assert [m["kind"] for q in transfers for m in env.take(q)].count("sp_to_procore") >= 1


def test_a_sharepoint_delete_applied_after_the_switch_to_one_way_is_withheld(env: Env) -> None:
    """A delete seen while the link was two-way reaches the Procore step after the tenant turned one-way (the
    settle window, a breaker's release): Procore keeps the file, and its copy is handed back to SharePoint."""
    link = env.new_link(documents="two_way")
    _drain(env)
    user = env.procore_client("user")
    try:
        scope = Scope.project(link.procore_project_id or 0)
        file = next(i for i in user.documents.list_documents(scope) if not i.is_folder and not i.is_deleted)
        row = _file_twin(env, link).model_copy(update={"procore_id": str(file.id)})
        env.repos.items.upsert(row)
        env.repos.items_by_sp.upsert(ItemBySpRow(link_id=link.link_id, sp_item_id=row.sp_item_id,
                                                 item_key=item_key("documents", row.procore_id)))
        recycle = ProcoreMetadata(tenant_id=link.tenant_id, link_id=link.link_id, tool=ToolKey.DOCUMENTS,
                                  sp_item_id=row.sp_item_id or "", action="recycle")
        procore_metadata(_context(env, link, Direction.ONE_WAY), recycle)
        assert not user.documents.file(scope, file.id).is_deleted               # Procore kept it
    finally:
        user.close()
    assert env.repos.items.get(link.link_id, item_key("documents", row.procore_id)) is None
    hints = _drain(env)[env.services.settings.queue_live]
    assert [m["resource_id"] for m in hints if m["kind"] == "procore_change" and m["link_id"] == link.link_id] == [
        file.id]
    assert _not_synced(env, link) == [row.procore_id]


def _pump(env: Env, link: LinkRow, rounds: int = 30) -> None:
    """Run every message the steps sent for `link` (live detect, metadata, transfer) through the real
    dispatcher until none is left; another link's messages are dropped."""
    s = env.services.settings
    for _ in range(rounds):
        ran = 0
        for queue, adapter in ((s.queue_live, DETECT), (s.queue_metadata, METADATA), (s.queue_transfer, TRANSFER)):
            for body in [m for m in env.take(queue) if m["link_id"] == link.link_id]:
                dispatch.handle(env.services, queue, json.dumps(body), adapter, delivery_id=uuid.uuid4().hex)
                ran += 1
        if not ran:
            return
    raise AssertionError("the steps never settled")


def _person_makes_a_folder_with_files(env: Env, ctx: LinkContext, tmp: Path) -> tuple[str, list[str]]:
    """A person's new Procore folder with two files in it, below the Documents root: (folder id, file ids)."""
    root_procore, _ = tool_root(ctx, ToolKey.DOCUMENTS)
    scope = link_scope(ctx.link)
    person = env.procore_client("user")
    try:
        folder = person.documents.create_folder(scope, f"Gone {uuid.uuid4().hex[:6]}", parent_id=int(root_procore))
        files = []
        for n in range(2):
            path = tmp / f"f{n}"
            path.write_bytes(f"file {n}\n".encode() * 40)
            upload = person.uploads.upload(scope, FileSource(path), filename=f"doc{n}.txt")
            files.append(str(person.documents.create_file(scope, name=f"doc{n}.txt", upload_uuid=upload.uuid,
                                                          parent_id=folder.id).id))
    finally:
        person.close()
    return str(folder.id), files


def _one_way_folder_mirrored(env: Env, tmp_path: Path) -> tuple[LinkContext, str, list[str]]:
    """A one-way Documents link whose person-made folder of two files is mirrored to SharePoint."""
    ctx = env.live_context(started=True)
    link = ctx.link
    env.repos.links.mutate(link.tenant_id, link.link_id, lambda row: row.model_copy(
        update={"tools": {**row.tools, ToolKey.DOCUMENTS: Mode.ONE_WAY}}))
    _drain(env)
    folder_id, file_ids = _person_makes_a_folder_with_files(env, ctx, tmp_path)
    adapter = ctx.adapter(ToolKey.DOCUMENTS)
    for procore_id, kind in [(folder_id, ItemKind.FOLDER)] + [(f, ItemKind.FILE) for f in file_ids]:
        env.run(ProcoreChange(tenant_id=link.tenant_id, link_id=link.link_id, tool=ToolKey.DOCUMENTS,
                              resource_name=adapter.resource_name(link, kind), resource_id=int(procore_id),
                              event_type="create"))
    _pump(env, link)
    return ctx, folder_id, file_ids


def _synced_row(env: Env, link: LinkRow, procore_id: str) -> ItemRow:
    stored = env.repos.items.get(link.link_id, item_key("documents", procore_id))
    assert stored is not None and stored.row.state is ItemState.SYNCED and stored.row.sp_item_id, stored
    return stored.row  # type: ignore[no-any-return]


def _deleted_in_sharepoint(link: LinkRow, row: ItemRow) -> SpChange:
    return SpChange(tenant_id=link.tenant_id, link_id=link.link_id, sp_item_id=row.sp_item_id or "",
                    deleted=True, is_folder=row.kind is ItemKind.FOLDER)


@pytest.mark.parametrize("first", ["files", "folder"])
def test_a_folder_deleted_in_sharepoint_is_logged_once_and_comes_back_in_any_order(
        env: Env, tmp_path: Path, first: str) -> None:
    """A person deletes a mirrored folder in SharePoint under a one-way link; the delta reports the folder and
    each file deleted, every report delivered twice, the files' first or the folder's first. A file's restore
    mirrors its missing parent anew before the folder's own report is seen: the folder's delete is still
    logged exactly once, the folder comes back with both files, and Procore keeps everything."""
    ctx, folder_id, file_ids = _one_way_folder_mirrored(env, tmp_path)
    link = ctx.link

    def twin(procore_id: str) -> ItemRow:
        return _synced_row(env, link, procore_id)

    folder, files = twin(folder_id), [twin(f) for f in file_ids]
    with env.graph_session("user") as person:
        sp_items.delete_item(person, link.drive_id, folder.sp_item_id or "")

    def gone(row: ItemRow) -> SpChange:
        return _deleted_in_sharepoint(link, row)

    reports = [gone(f) for f in files] + [gone(folder)]
    for report in reports if first == "files" else reversed(reports):
        env.run(report)
        env.run(report)
        _pump(env, link)                  # each restore lands before the next report is seen

    assert _not_synced(env, link).count(folder_id) == 1
    back = twin(folder_id)
    assert back.sp_item_id != folder.sp_item_id
    children = {c.name: c for c in sp_items.iter_children(ctx.graph, link.drive_id, back.sp_item_id or "")}
    assert sorted(children) == ["doc0.txt", "doc1.txt"]
    assert {twin(f).sp_item_id for f in file_ids} == {c.id for c in children.values()}
    person_procore = env.procore_client("user")
    try:
        scope = link_scope(link)
        assert not any(person_procore.documents.file(scope, int(f)).is_deleted for f in file_ids)
    finally:
        person_procore.close()


def test_a_folder_report_overlapping_a_restore_below_it_is_not_logged_twice(
        env: Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The overlapping order (issue 13's race): the folder's own delete report finds the folder's twin through
    the reverse index, and before it reads the items row, a file's restore below it finds the folder gone,
    logs the folder's delete and mirrors it anew (a new SharePoint id on the same row). The report then reads
    a synced row of a live twin: its delete is still logged once, and the new twin is left in place."""
    ctx, folder_id, file_ids = _one_way_folder_mirrored(env, tmp_path)
    link = ctx.link

    def row_of(procore_id: str) -> ItemRow:
        return _synced_row(env, link, procore_id)

    folder, files = row_of(folder_id), [row_of(f) for f in file_ids]
    with env.graph_session("user") as person:
        sp_items.delete_item(person, link.drive_id, folder.sp_item_id or "")

    def gone(row: ItemRow) -> SpChange:
        return _deleted_in_sharepoint(link, row)

    index = env.repos.items_by_sp
    real_get = index.get
    overlapped: list[str] = []

    def get_then_overlap(partition_key: str, row_key: str) -> Any:
        found = real_get(partition_key, row_key)
        if row_key == folder.sp_item_id and found is not None and not overlapped:
            overlapped.append(row_key)             # once: the folder report's own lookup, before its row read
            for report in [gone(f) for f in files]:
                env.run(report)
                env.run(report)
                _pump(env, link)                   # a file's restore mirrors the folder anew meanwhile
        return found

    monkeypatch.setattr(index, "get", get_then_overlap)
    env.run(gone(folder))
    monkeypatch.setattr(index, "get", real_get)
    assert overlapped, "the folder's report never looked its twin up"
    renewed = row_of(folder_id)
    assert renewed.sp_item_id != folder.sp_item_id, "the files' restore did not mirror the folder anew first"
    env.run(gone(folder))                          # redelivered, after everything
    _pump(env, link)

    assert _not_synced(env, link).count(folder_id) == 1
    back = row_of(folder_id)
    assert back.sp_item_id == renewed.sp_item_id   # the new twin stays (the old report did not forget it)
    children = {c.name: c for c in sp_items.iter_children(ctx.graph, link.drive_id, back.sp_item_id or "")}
    assert sorted(children) == ["doc0.txt", "doc1.txt"]
    assert {row_of(f).sp_item_id for f in file_ids} == {c.id for c in children.values()}
