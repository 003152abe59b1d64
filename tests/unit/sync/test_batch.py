"""Which planned files go in a CopyBatch, and how they are cut into messages (runners/batch.py), no I/O."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.graph.content import SIMPLE_UPLOAD_MAX
from shared.models.api import InitialSync, Mode, TenantSettings, ToolKey
from shared.models.messages import TRANSFER, BatchedFile, FetchFile, Lane
from shared.models.rows import LinkRow, MicrosoftConnection, ProcoreConnection, TenantRow
from shared.store.queues import MAX_MESSAGE_BYTES, encode_message
from shared.sync.context import LinkContext
from shared.sync.runners.batch import MAX_BATCH_FILES, batch_messages, batchable

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _ctx(lane: Lane = Lane.INITIAL, initial: InitialSync = InitialSync.STANDARD) -> LinkContext:
    tenant = TenantRow(tenant_id="t", name="T", notify=[],
                       procore=ProcoreConnection(company_id=1, client_id="a", secret_ref="x", base_url="http://p",
                                                 login_url="http://p"),
                       microsoft=MicrosoftConnection(tenant_id="m", client_id="a", secret_ref="x",
                                                     graph_url="http://g/v1.0"),
                       settings=TenantSettings(), api_key_hash="x", created_at=T0)
    link = LinkRow(tenant_id="t", link_id="l", procore_company_id=1, procore_project_id=101, project_name="P",
                   site_id="s", drive_id="d", folder_path="P", initial_sync=initial,
                   tools={ToolKey.DOCUMENTS: Mode.TWO_WAY, ToolKey.PHOTOS: Mode.TWO_WAY, ToolKey.RFIS: Mode.ONE_WAY},
                   created_at=T0, updated_at=T0)
    return LinkContext(services=None, tenant=tenant, link=link, lane=lane)  # type: ignore[arg-type]


def _fetch(pid: str = "1", **fields: Any) -> FetchFile:
    base: dict[str, Any] = {"tenant_id": "t", "link_id": "l", "lane": Lane.INITIAL, "tool": ToolKey.DOCUMENTS,
                            "procore_id": pid, "version": "7", "download_url": "https://procore/x", "size": 1000}
    return FetchFile(**(base | fields))


def test_a_small_listed_documents_file_at_a_standard_initial_sync_is_batchable() -> None:
    assert batchable(_ctx(), _fetch())
    assert batchable(_ctx(), _fetch(size=SIMPLE_UPLOAD_MAX))
    assert batchable(_ctx(), _fetch(size=0))
    assert batchable(_ctx(initial=InitialSync.FROM_SHAREPOINT), _fetch())   # the batch meets SharePoint first


@pytest.mark.parametrize(("ctx", "fetch", "why"), [
    (_ctx(), _fetch(size=SIMPLE_UPLOAD_MAX + 1), "more than one simple upload"),
    (_ctx(), _fetch(size=None), "size unknown"),
    (_ctx(), _fetch(download_url=None), "not listed with its download"),
    (_ctx(Lane.LIVE), _fetch(lane=Lane.LIVE), "a live change"),
    (_ctx(), _fetch(columns={"Number": "12"}), "columns written at upload"),
    (_ctx(), _fetch(tool=ToolKey.PHOTOS), "a tool with declared columns"),
])
def test_files_needing_their_own_step_are_not_batchable(ctx: LinkContext, fetch: FetchFile, why: str) -> None:
    assert not batchable(ctx, fetch), why


def _files(count: int, tool: ToolKey = ToolKey.DOCUMENTS, url: str = "https://procore/x") -> list[BatchedFile]:
    return [BatchedFile(fetch=_fetch(f"{tool.value}{i}", tool=tool, download_url=url), sp_parent_id="p",
                        sp_name=f"f{i}.pdf") for i in range(count)]


def test_messages_hold_at_most_the_batch_size_in_order() -> None:
    files = _files(2 * MAX_BATCH_FILES + 3)
    batches = batch_messages(_ctx(), files)
    assert [len(b.files) for b in batches] == [MAX_BATCH_FILES, MAX_BATCH_FILES, 3]
    assert [f for b in batches for f in b.files] == files
    assert all(b.lane is Lane.INITIAL and b.tool is ToolKey.DOCUMENTS for b in batches)


def test_a_message_never_mixes_tools() -> None:
    files = _files(3) + _files(2, ToolKey.RFIS) + _files(1)
    assert [(b.tool, len(b.files)) for b in batch_messages(_ctx(), files)] == [
        (ToolKey.DOCUMENTS, 3), (ToolKey.RFIS, 2), (ToolKey.DOCUMENTS, 1)]


def test_long_download_urls_cut_a_batch_before_it_outgrows_a_queue_message() -> None:
    files = _files(MAX_BATCH_FILES, url="https://procore/" + "q" * 4000)
    batches = batch_messages(_ctx(), files)
    assert len(batches) > 1 and [f for b in batches for f in b.files] == files
    for batch in batches:   # every one fits the queue (base64) and parses back as it was sent
        text = encode_message(batch, "base64")
        assert len(text) <= MAX_MESSAGE_BYTES
        assert TRANSFER.validate_json(batch.model_dump_json()) == batch
