"""A send step toward SharePoint against the Graph emulator: done again after a crash (the session
already holds part of its range) it goes on from nextExpectedRanges and commits the exact bytes; a
session that expired makes it restart the upload instead of failing."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from shared.graph import upload as sp_upload
from shared.graph.paths import child_path
from shared.graph.quickxor import QuickXorHash
from shared.models.api import ToolKey
from shared.models.messages import Lane
from shared.models.transfers import Direction, Phase, TransferRow
from shared.sync.context import LinkContext, load_context
from shared.sync.transfer import budget, progress, send_sp
from shared.sync.transfer.progress import Claim
from tests.integration.safety.conftest import Env

MiB = 1024 * 1024
SIZE = 25 * MiB + 12345


def _sending(env: Env, name: str) -> tuple[LinkContext, TransferRow, bytes]:
    link = env.new_link()
    env.take()
    ctx = load_context(env.services, link.tenant_id, link.link_id, Lane.LIVE)
    assert ctx is not None
    data = os.urandom(SIZE)
    blob = f"{link.link_id}/test/{name}"
    ctx.services.staging.put(blob, iter([data[i:i + MiB] for i in range(0, SIZE, MiB)]))
    path = child_path(ctx.drive_id, link.root_item_id, name, "/createUploadSession")
    info = sp_upload.create_session(ctx.graph, path,
                                    {"item": {"@microsoft.graph.conflictBehavior": "fail", "name": name}}, None)
    assert info.upload_url
    key = budget.transfer_key(Direction.TO_SP, ToolKey.DOCUMENTS, name, "1")
    env.repos.transfers.upsert(TransferRow(
        link_id=link.link_id, key=key, direction=Direction.TO_SP, tool=ToolKey.DOCUMENTS, item=name,
        source_version="1", size=SIZE, staged_blob=blob, phase=Phase.SEND, offset=0, session_url=info.upload_url,
        updated_at=datetime.now(UTC)))
    outcome, row = progress.claim(ctx, key, Phase.SEND, 0)
    assert outcome is Claim.WON and row is not None
    return ctx, row, data


def test_a_step_done_again_goes_on_from_next_expected_ranges(env: Env) -> None:
    ctx, row, data = _sending(env, "resumed.bin")
    assert row.session_url is not None
    first = sp_upload.DEFAULT_FRAGMENT   # what the crashed first attempt got in before dying
    resp = ctx.graph.request("PUT", row.session_url, content=data[:first], route=sp_upload.UPLOAD_ROUTE,
                             headers={"Content-Range": f"bytes 0-{first - 1}/{SIZE}"}, authenticated=False,
                             idempotent=False)
    assert resp.status_code == 202
    item = send_sp.send_step(ctx, row)
    assert not isinstance(item, TransferRow)
    assert item.size == SIZE and item.quick_xor_hash == QuickXorHash(data).b64digest()


def test_an_expired_session_restarts_the_upload(env: Env) -> None:
    ctx, row, _ = _sending(env, "expired.bin")
    assert row.session_url is not None
    sp_upload.cancel_session(ctx.graph, row.session_url)
    with pytest.raises(send_sp.Restart):
        send_sp.send_step(ctx, row)
