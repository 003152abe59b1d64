"""The engine's derived-items path on Azurite: a tool whose record gives a PDF, an attachments folder and
each attachment (the in-memory tool of tests/support/records_tool.py, a real ToolAdapter) planned by the
real detect and initial-enumeration steps, part by part: rows keyed under the record, one step message
per part, a reply replacing only the PDF, a deleted record's parts all sent to the recycle bin; privacy
read again on every change (a private record skipped, copied once included, withdrawn once excluded)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.fernet import Fernet

from shared.config import load_settings
from shared.models.api import InitialSync, Mode, TenantSettings, ToolKey
from shared.models.messages import Lane, ProcoreChange, ReconcileLink
from shared.models.rows import (
    ItemKey,
    ItemRow,
    ItemState,
    LinkRow,
    MicrosoftConnection,
    ProcoreConnection,
    Stage,
    TenantRow,
)
from shared.runtime import Services
from shared.store.items import parts_of
from shared.sync.decide import ActionKind
from shared.sync.privacy import PRIVATE_REASON
from shared.sync.runners import reconcile
from shared.sync.runners.detect import procore_change
from tests.support.queues import drain
from tests.support.records_tool import RESOURCE, Attachment, OneWayRecords, Record, RecordsContext

NOW = datetime(2026, 3, 1, tzinfo=UTC)
RFI = Record(12, 12, "Slab edge detail", "2026-03-01T09:00:00+00:00",
             (Attachment(345, "sketch.pdf", "2026-03-01T08:00:00+00:00"),
              Attachment(346, "photo.jpg", "2026-03-01T08:30:00+00:00")))
SOURCE = ItemKey(tool=ToolKey.RFIS, source_id="12")


@pytest.fixture(scope="module")
def services(azurite_conn: str) -> Services:
    suffix = uuid.uuid4().hex[:8]
    return Services(load_settings({
        "AzureWebJobsStorage": azurite_conn, "PCSYNC_LOCAL_SECRET_KEY": Fernet.generate_key().decode(),
        **{name: f"{queue}-{suffix}" for name, queue in (
            ("PCSYNC_QUEUE_LIVE", "derived-live"), ("PCSYNC_QUEUE_INITIAL_SYNC", "derived-initial"),
            ("PCSYNC_QUEUE_TRANSFER", "derived-transfer"), ("PCSYNC_QUEUE_TRANSFER_INITIAL", "derived-transfer-i"),
            ("PCSYNC_QUEUE_METADATA", "derived-metadata"), ("PCSYNC_QUEUE_METADATA_INITIAL", "derived-metadata-i"),
            ("PCSYNC_QUEUE_NOTIFY", "derived-notify"))}}))


@pytest.fixture
def ctx(services: Services) -> Iterator[RecordsContext]:
    tenant = TenantRow(tenant_id="t" + uuid.uuid4().hex[:8], name="Records Builders",
                       procore=ProcoreConnection(company_id=1, client_id="app", secret_ref="unused",
                                                 base_url="http://127.0.0.1:9", login_url="http://127.0.0.1:9"),
                       microsoft=MicrosoftConnection(tenant_id="m", client_id="app", secret_ref="unused",
                                                     graph_url="http://127.0.0.1:9/v1.0"),
                       notify=[], settings=TenantSettings(), api_key_hash="x", created_at=NOW)
    link = LinkRow(tenant_id=tenant.tenant_id, link_id="l" + uuid.uuid4().hex[:10], procore_company_id=1,
                   procore_project_id=101, project_name="P", site_id="s", drive_id="d", folder_path="f",
                   initial_sync=InitialSync.STANDARD, tools={ToolKey.RFIS: Mode.ONE_WAY}, stage=Stage.REGULAR,
                   created_at=NOW, updated_at=NOW)
    services.repos.tenants.upsert(tenant)
    services.repos.links.upsert(link)
    context = RecordsContext(services, tenant, link, Lane.LIVE, tool=OneWayRecords(RFI))
    context.__dict__["procore"] = None      # the in-memory tool never calls Procore
    _take(services, *_queues(services))     # each test reads only its own messages
    yield context


def _queues(services: Services) -> tuple[str, str]:
    s = services.settings
    return s.queue_transfer, s.queue_metadata


def _take(services: Services, *queues: str) -> list[dict[str, Any]]:
    return [m for name in queues for m in drain(services.settings.storage.connection_string or "", name)]


def _hint(ctx: RecordsContext) -> list[ActionKind]:
    return procore_change(ctx, ProcoreChange(tenant_id=ctx.link.tenant_id, link_id=ctx.link.link_id,
                                             lane=Lane.LIVE, tool=ToolKey.RFIS, resource_name=RESOURCE,
                                             resource_id=12, event_type="update"))


def _rows(ctx: RecordsContext) -> dict[str, ItemRow]:
    return {s.row.procore_id: s.row for s in parts_of(ctx.services.repos, ctx.link.link_id, SOURCE)}


def _mark_synced(ctx: RecordsContext) -> None:
    """What the transfer and metadata steps would record once each part is in SharePoint."""
    for row in _rows(ctx).values():
        current = ctx.tool.get(None, ctx.link, row.procore_id, row.kind)  # type: ignore[arg-type]
        assert current is not None
        ctx.services.repos.items.upsert(row.model_copy(update={
            "state": ItemState.SYNCED, "procore_version": current.version, "sp_item_id": f"SP-{row.procore_id}",
            "sp_name": row.procore_name, "sp_parent_id": "SP-RFIS"}))


def _by_kind(messages: list[dict[str, Any]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for message in messages:
        found.setdefault(message["kind"], []).append(message["procore_id"])
    return {kind: sorted(ids) for kind, ids in found.items()}


def test_a_webhook_for_a_record_plans_each_of_its_parts(ctx: RecordsContext) -> None:
    assert _hint(ctx) == [ActionKind.COPY_TO_SP, ActionKind.MIRROR_FOLDER_SP, ActionKind.COPY_TO_SP,
                          ActionKind.COPY_TO_SP]
    rows = _rows(ctx)
    assert sorted(rows) == ["12:attachment:345", "12:attachment:346", "12:attachments", "12:pdf"]
    assert rows["12:pdf"].procore_name == "RFI 012 - Slab edge detail.pdf"
    assert rows["12:attachment:345"].procore_parent_id == "12:attachments"
    assert all(row.state is ItemState.PENDING for row in rows.values())
    sent = _take(ctx.services, *_queues(ctx.services))
    assert _by_kind(sent) == {"fetch_file": ["12:attachment:345", "12:attachment:346", "12:pdf"],
                              "mirror_folder": ["12:attachments"]}
    pdf = next(m for m in sent if m["procore_id"] == "12:pdf")
    assert pdf["version"] == RFI.updated_at and pdf["tool"] == "rfis"


def test_a_reply_replaces_only_the_pdf_and_a_deleted_record_recycles_every_part(ctx: RecordsContext) -> None:
    _hint(ctx)
    _mark_synced(ctx)
    _take(ctx.services, *_queues(ctx.services))
    assert set(_hint(ctx)) == {ActionKind.NOOP}                       # a duplicate webhook: nothing to do
    assert _take(ctx.services, *_queues(ctx.services)) == []
    ctx.tool.put(replace(RFI, updated_at="2026-03-02T09:00:00+00:00"))  # a reply: the record's time moves
    assert _hint(ctx).count(ActionKind.COPY_TO_SP) == 1
    assert _by_kind(_take(ctx.services, *_queues(ctx.services))) == {"fetch_file": ["12:pdf"]}
    _mark_synced(ctx)
    ctx.tool.remove(12)
    assert _hint(ctx) == [ActionKind.RECYCLE_SP] * 4
    held = {d.row.item_key for d in ctx.services.repos.deletes.query(ctx.link.link_id)}
    assert held == {"rfis:12:pdf", "rfis:12:attachments", "rfis:12:attachment:345", "rfis:12:attachment:346"}


def _with_settings(ctx: RecordsContext, **settings: Any) -> None:
    """The tenant's settings as the next step loads them."""
    ctx.tenant = ctx.tenant.model_copy(update={"settings": TenantSettings(**settings)})
    ctx.services.repos.tenants.upsert(ctx.tenant)


def _live_hints(ctx: RecordsContext) -> list[dict[str, Any]]:
    return [m for m in _take(ctx.services, ctx.services.settings.queue_live) if m["kind"] == "procore_change"]


def test_privacy_is_read_again_on_every_change_and_a_privacy_pass_hints_each_private_record(
        ctx: RecordsContext) -> None:
    private = replace(RFI, private=True)
    ctx.tool.put(private)
    _take(ctx.services, ctx.services.settings.queue_live)
    assert set(_hint(ctx)) == {ActionKind.COPY_TO_SP, ActionKind.MIRROR_FOLDER_SP}   # planned, then skipped
    rows = _rows(ctx)
    assert {(r.state, r.reason) for r in rows.values()} == {(ItemState.SKIPPED, PRIVATE_REASON)}
    assert _take(ctx.services, *_queues(ctx.services)) == []                        # nothing copied
    assert reconcile.hint_released(ctx, ReconcileLink(tenant_id=ctx.link.tenant_id, link_id=ctx.link.link_id)) == 0

    _with_settings(ctx, include_private=True)        # included now: each pass hints what is still skipped as private
    assert reconcile.hint_released(ctx, ReconcileLink(tenant_id=ctx.link.tenant_id, link_id=ctx.link.link_id)) == 1
    (hint,) = _live_hints(ctx)
    assert (hint["tool"], hint["resource_id"], hint["event_type"]) == ("rfis", 12, "update")
    assert _hint(ctx) == [ActionKind.COPY_TO_SP, ActionKind.MIRROR_FOLDER_SP, ActionKind.COPY_TO_SP,
                          ActionKind.COPY_TO_SP]                                     # released: every part copied
    assert _by_kind(_take(ctx.services, *_queues(ctx.services)))["fetch_file"] == [
        "12:attachment:345", "12:attachment:346", "12:pdf"]
    _mark_synced(ctx)

    _with_settings(ctx)                               # excluded again: the pass the PATCH queues hints it
    privacy = ReconcileLink(tenant_id=ctx.link.tenant_id, link_id=ctx.link.link_id, graph=False,
                            privacy=(ToolKey.RFIS,))
    assert reconcile.reconcile_link(ctx, privacy) == 1
    assert [h["resource_id"] for h in _live_hints(ctx)] == [12]
    assert _hint(ctx) == [ActionKind.RECYCLE_SP] * 4                                # withdrawn, every part
    held = {d.row.item_key for d in ctx.services.repos.deletes.query(ctx.link.link_id)}
    assert held == {"rfis:12:pdf", "rfis:12:attachments", "rfis:12:attachment:345", "rfis:12:attachment:346"}

    ctx.tool.put(replace(RFI, private=False))         # a public record is not hinted by a privacy pass
    assert reconcile.reconcile_link(ctx, privacy) == 0 and _live_hints(ctx) == []
