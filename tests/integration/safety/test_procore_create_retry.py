"""A new Procore file whose record failed after it was created, against Azurite and both emulators: the
retry adopts the file the claim names (no 10-minute stall on the creation claim, no second Procore file),
and a record that fails at the end of a chunked upload is adopted the same way."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from shared import errors
from shared.graph.content import put_new_small
from shared.graph.models import DriveItem
from shared.models.api import ToolKey
from shared.models.messages import Lane, SpToProcore
from shared.models.transfers import Direction, Phase, TransferRow
from shared.procore.uploads import FileSource
from shared.sync.context import LinkContext
from shared.sync.runners import to_procore
from shared.sync.runners.record import twin_of
from shared.sync.runners.tree import tool_root
from shared.sync.transfer import budget
from shared.tools.base import link_scope
from tests.integration.safety.conftest import Env


def _sp_file(env: Env, ctx: LinkContext, name: str, data: bytes) -> DriveItem:
    _, root_sp = tool_root(ctx, ToolKey.DOCUMENTS)
    with env.graph_session("user") as graph:
        return put_new_small(graph, ctx.drive_id, root_sp, name, data, conflict="fail")


def _fail_once(monkeypatch: pytest.MonkeyPatch, target: Any, name: str) -> list[int]:
    """Table Storage refuses the next `target.name` call once (an outage at the worst moment)."""
    real: Callable[..., Any] = getattr(target, name)
    calls: list[int] = []

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise errors.Unavailable("table storage is unavailable")
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, flaky)
    return calls


def _procore_files(ctx: LinkContext, name: str) -> list[str]:
    root_procore, _ = tool_root(ctx, ToolKey.DOCUMENTS)
    children = ctx.adapter(ToolKey.DOCUMENTS).children(ctx.procore, ctx.link, root_procore)
    return [child.procore_id for child in children if child.name == name]


def test_a_record_that_fails_after_the_create_is_retried_without_a_second_file(
        env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """An initial sync's upload is its own message: the upload step fails after the create and is retried."""
    ctx = env.live_context(started=True)
    name = f"retry-{uuid.uuid4().hex[:6]}.txt"
    item = _sp_file(env, ctx, name, b"made in SharePoint\n" * 100)
    to_procore.fetch_from_sp(ctx, SpToProcore(tenant_id=ctx.link.tenant_id, link_id=ctx.link.link_id,
                                              lane=Lane.INITIAL, tool=ToolKey.DOCUMENTS, sp_item_id=item.id))
    [sent] = [m for m in env.take(env.services.settings.queue_transfer) if m["kind"] == "sp_to_procore"]
    upload = SpToProcore.model_validate(sent)
    assert upload.phase == "upload" and upload.staged_blob

    calls = _fail_once(monkeypatch, ctx.services.repos.items, "upsert")
    with pytest.raises(errors.Unavailable):
        to_procore.upload_to_procore(ctx, upload)          # created in Procore, then the record failed
    assert calls and len(_procore_files(ctx, name)) == 1
    assert twin_of(ctx, item.id) is None

    to_procore.upload_to_procore(ctx, upload)              # the retry: no TransientError, no second file
    twin = twin_of(ctx, item.id)
    assert twin is not None and twin.sp_quickxor == item.quick_xor_hash
    assert _procore_files(ctx, name) == [twin.procore_id]
    to_procore.upload_to_procore(ctx, upload)              # a late duplicate changes nothing
    assert _procore_files(ctx, name) == [twin.procore_id]


def test_a_live_change_whose_record_fails_after_the_create_is_fetched_again_without_a_second_file(
        env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """A live change is uploaded in the step that fetched it: that step fails after the create, and its
    retry fetches again and adopts the file the creation claim names."""
    ctx = env.live_context(started=True)
    name = f"retry-live-{uuid.uuid4().hex[:6]}.txt"
    item = _sp_file(env, ctx, name, b"made in SharePoint, live\n" * 100)
    change = SpToProcore(tenant_id=ctx.link.tenant_id, link_id=ctx.link.link_id, lane=Lane.LIVE,
                         tool=ToolKey.DOCUMENTS, sp_item_id=item.id)
    calls = _fail_once(monkeypatch, ctx.services.repos.items, "upsert")
    with pytest.raises(errors.Unavailable):
        to_procore.fetch_from_sp(ctx, change)              # fetched, created in Procore, then the record failed
    assert calls and len(_procore_files(ctx, name)) == 1
    assert twin_of(ctx, item.id) is None
    assert not [m for m in env.take(env.services.settings.queue_transfer) if m["kind"] == "sp_to_procore"]

    to_procore.fetch_from_sp(ctx, change)                  # the host's retry of the same message
    twin = twin_of(ctx, item.id)
    assert twin is not None and twin.sp_quickxor == item.quick_xor_hash
    assert _procore_files(ctx, name) == [twin.procore_id]
    to_procore.fetch_from_sp(ctx, change)                  # a late duplicate changes nothing
    assert _procore_files(ctx, name) == [twin.procore_id]


def test_a_chunked_upload_whose_record_failed_is_attached_once(env: Env, monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    """The last step of a large upload attaches the completed upload as a new file; its record fails, the
    step runs again: the file is adopted, not created twice (a small upload stands in for the segments)."""
    ctx = env.live_context(started=True)
    name = f"chunked-{uuid.uuid4().hex[:6]}.bin"
    item = _sp_file(env, ctx, name, os.urandom(1000))
    root_procore, _ = tool_root(ctx, ToolKey.DOCUMENTS)
    assert to_procore._claim(ctx, item.id)                 # the upload step claimed the creation
    claim = env.repos.items_by_sp.get(ctx.link.link_id, item.id)
    assert claim is not None

    content = tmp_path / "content"
    content.write_bytes(os.urandom(1000))
    key = budget.transfer_key(Direction.TO_PROCORE, ToolKey.DOCUMENTS, item.id, item.quick_xor_hash or "")
    row = TransferRow(link_id=ctx.link.link_id, key=key, direction=Direction.TO_PROCORE, tool=ToolKey.DOCUMENTS,
                      item=item.id, source_version=item.quick_xor_hash or "", size=1000, staged_blob="",
                      phase=Phase.SEND,
                      parent_id=root_procore, name=name, claimed_at=claim.row.claimed_at)
    msg = SpToProcore(tenant_id=ctx.link.tenant_id, link_id=ctx.link.link_id, lane=Lane.LIVE, tool=ToolKey.DOCUMENTS,
                      sp_item_id=item.id, phase="upload", sp_quickxor=item.quick_xor_hash, etag=item.etag, size=1000)
    upload_uuid = ctx.procore.uploads.upload(link_scope(ctx.link), FileSource(content), filename=name).uuid
    _fail_once(monkeypatch, ctx.services.repos.items, "upsert")
    with pytest.raises(errors.Unavailable):
        to_procore.attach_chunked_upload(ctx, msg, row, upload_uuid)
    to_procore.attach_chunked_upload(ctx, msg, row, upload_uuid)   # the step done again
    twin = twin_of(ctx, item.id)
    assert twin is not None
    assert _procore_files(ctx, name) == [twin.procore_id]
