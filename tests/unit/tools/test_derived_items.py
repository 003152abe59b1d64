"""Derived items: a tool whose source item (a record) gives a PDF, an attachments folder and each attachment,
shown with a tiny in-memory adapter (a real subclass of the ToolAdapter interface, no mock): every part is
keyed under its record, planned with its own version, and dropped parts or a deleted record are recycled."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pytest

from shared.models.api import Mode, ToolKey
from shared.models.rows import ItemKey, ItemKind, ItemRow, ItemState, LinkRow
from shared.procore.client import ProcoreClient
from shared.procore.scope import Scope
from shared.safety.watermark import Changed
from shared.sync.decide import ActionKind
from shared.sync.derived import plan_parts
from shared.tools import TOOLS
from shared.tools.base import (
    Capabilities,
    SourceItem,
    SourcePage,
    ToolAdapter,
    ToolRoot,
    VersionOrder,
    compare_timestamps,
    part_of,
)

ROOT_ID = "900"
CLIENT: ProcoreClient = None  # type: ignore[assignment]  # the in-memory tool never calls Procore
LINK: LinkRow = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Attachment:
    id: int
    name: str
    uploaded: str                  # attachments never change in place: a new one has a new id


@dataclass(frozen=True)
class Record:
    id: int
    number: int
    title: str
    updated_at: str
    attachments: tuple[Attachment, ...] = field(default=())


class OneWayRecords(ToolAdapter):
    """A records tool over an in-memory project: one PDF per record named from its number and title, its
    attachments in a folder of the same stem; versions are the record's `updated_at`."""

    key = ToolKey.RFIS
    title = "RFIs"
    allowed_modes = frozenset({Mode.ONE_WAY, Mode.OFF})
    capabilities = Capabilities(available=True, two_way=False, tree=False, derived_items=True)

    def __init__(self, *records: Record) -> None:
        self.records = {r.id: r for r in records}

    def _source(self, record: Record) -> SourceItem:
        return SourceItem(tool=self.key, procore_id=str(record.id), kind=ItemKind.FILE, name=record.title,
                          parent_id=ROOT_ID, version=record.updated_at,
                          updated_at=datetime.fromisoformat(record.updated_at))

    def root(self, client: ProcoreClient, link: LinkRow) -> ToolRoot:
        return ToolRoot(procore_id=ROOT_ID, sp_folder_name="RFIs")

    def list_page(self, client: ProcoreClient, link: LinkRow, page: int) -> SourcePage:
        return SourcePage(items=[self._source(r) for _, r in sorted(self.records.items())], next_page=None)

    def get(self, client: ProcoreClient, link: LinkRow, procore_id: str, kind: ItemKind) -> SourceItem | None:
        key = ItemKey.parse_id(self.key, procore_id)
        record = self.records.get(int(key.source_id))
        if record is None:
            return None
        source = self._source(record)
        if key.part is None:
            return source
        return next((p for p in self.parts(client, link, source) if p.procore_id == procore_id), None)

    def children(self, client: ProcoreClient, link: LinkRow, container_id: str) -> list[SourceItem]:
        if container_id == ROOT_ID:
            return [p for s in self.list_page(client, link, 1).items for p in self.parts(client, link, s)
                    if p.parent_id == ROOT_ID]
        folder = self.get(client, link, container_id, ItemKind.FOLDER)
        parts = self.parts(client, link, self._source(self.records[int(folder.key.source_id)])) if folder else []
        return [p for p in parts if p.parent_id == container_id]

    def parts(self, client: ProcoreClient, link: LinkRow, item: SourceItem) -> list[SourceItem]:
        record = self.records[int(item.key.source_id)]
        stem = f"RFI {record.number:03d} - {record.title}"
        pdf = part_of(item, "pdf", kind=ItemKind.FILE, name=f"{stem}.pdf", parent_id=ROOT_ID, version=item.version)
        if not record.attachments:
            return [pdf]
        folder = part_of(item, "attachments", kind=ItemKind.FOLDER, name=stem, parent_id=ROOT_ID)
        return [pdf, folder, *(part_of(item, f"attachment:{a.id}", kind=ItemKind.FILE, name=a.name,
                                       parent_id=folder.procore_id, version=a.uploaded)
                               for a in record.attachments)]

    def compare_versions(self, candidate: str, recorded: str) -> VersionOrder:
        return compare_timestamps(candidate, recorded)

    # The rest is I/O a one-way record tool's planning never reaches.
    def fetch(self, client: ProcoreClient, link: LinkRow, item: SourceItem) -> Iterator[bytes]:
        raise NotImplementedError("bytes are not part of planning")

    def changes(self, client: ProcoreClient, link: LinkRow, since: datetime, until: datetime) -> Iterator[Changed]:
        raise NotImplementedError("no change feed")

    def check_access(self, client: ProcoreClient, scope: Scope) -> None:
        return None

    def webhook_resources(self, *, company: bool) -> tuple[str, ...]:
        return ("RFIs",)

    def owns_resource(self, resource_name: str) -> bool:
        return resource_name == "RFIs"

    def kind_of_resource(self, resource_name: str) -> ItemKind | None:
        return ItemKind.FILE if self.owns_resource(resource_name) else None

    def resource_name(self, link: LinkRow, kind: ItemKind) -> str:
        return "RFIs"

    def create_container(self, client: ProcoreClient, link: LinkRow, parent_id: str, name: str) -> SourceItem:
        raise NotImplementedError("one-way: never written")

    def create_content(self, client: ProcoreClient, link: LinkRow, parent_id: str, name: str,
                       upload_uuid: str) -> SourceItem:
        raise NotImplementedError("one-way: never written")

    def replace_content(self, client: ProcoreClient, link: LinkRow, procore_id: str, upload_uuid: str) -> SourceItem:
        raise NotImplementedError("one-way: never written")

    def move(self, client: ProcoreClient, link: LinkRow, procore_id: str, kind: ItemKind, *,
             name: str | None = None, parent_id: str | None = None) -> None:
        raise NotImplementedError("one-way: never written")

    def delete(self, client: ProcoreClient, link: LinkRow, procore_id: str, kind: ItemKind) -> None:
        raise NotImplementedError("one-way: never written")

    def sp_columns(self, item: SourceItem) -> dict[str, str]:
        return {}


RFI = Record(12, 12, "Slab edge detail", "2026-03-01T09:00:00+00:00",
             (Attachment(345, "sketch.pdf", "2026-03-01T08:00:00+00:00"),
              Attachment(346, "photo.jpg", "2026-03-01T08:30:00+00:00")))
SOURCE = ItemKey(tool=ToolKey.RFIS, source_id="12")


def _plan(adapter: OneWayRecords, rows: dict[str, ItemRow]) -> dict[str, list[ActionKind]]:
    source = adapter.get(CLIENT, LINK, SOURCE.procore_id, ItemKind.FILE)
    parts = adapter.parts(CLIENT, LINK, source) if source is not None else []
    plans = plan_parts(SOURCE, parts, rows, adapter.compare_versions)
    return {plan.key.row_key: [a.kind for a in plan.actions] for plan in plans}


def _synced(adapter: OneWayRecords) -> dict[str, ItemRow]:
    """The rows the record's parts would have once synced as they are now."""
    source = adapter.get(CLIENT, LINK, SOURCE.procore_id, ItemKind.FILE)
    assert source is not None
    return {p.procore_id: ItemRow(link_id="l1", tool=p.tool, procore_id=p.procore_id, kind=p.kind,
                                  state=ItemState.SYNCED, procore_name=p.name, procore_parent_id=p.parent_id,
                                  procore_version=p.version, sp_item_id=f"SP-{p.procore_id}", sp_name=p.name,
                                  updated_at=datetime(2026, 3, 1, tzinfo=UTC))
            for p in adapter.parts(CLIENT, LINK, source)}


def test_a_new_record_gives_its_pdf_folder_and_attachments_each_keyed_under_it() -> None:
    adapter = OneWayRecords(RFI)
    assert _plan(adapter, {}) == {
        "rfis:12:pdf": [ActionKind.COPY_TO_SP],
        "rfis:12:attachments": [ActionKind.MIRROR_FOLDER_SP],
        "rfis:12:attachment:345": [ActionKind.COPY_TO_SP],
        "rfis:12:attachment:346": [ActionKind.COPY_TO_SP],
    }
    pdf = adapter.get(CLIENT, LINK, "12:pdf", ItemKind.FILE)
    assert pdf is not None and pdf.name == "RFI 012 - Slab edge detail.pdf" and pdf.version == RFI.updated_at
    assert [c.procore_id for c in adapter.children(CLIENT, LINK, "12:attachments")] == \
        ["12:attachment:345", "12:attachment:346"]


def test_an_unchanged_record_plans_nothing_even_with_its_time_written_another_way() -> None:
    rows = _synced(OneWayRecords(RFI))
    plan = _plan(OneWayRecords(RFI), rows)
    assert len(plan) == 4 and all(kinds == [ActionKind.NOOP] for kinds in plan.values())
    same_instant = replace(RFI, updated_at="2026-03-01T10:00:00+01:00")
    assert all(kinds == [ActionKind.NOOP] for kinds in _plan(OneWayRecords(same_instant), rows).values())


def test_a_reply_replaces_only_the_pdf() -> None:
    rows = _synced(OneWayRecords(RFI))
    replied = replace(RFI, updated_at="2026-03-02T09:00:00+00:00")
    plan = _plan(OneWayRecords(replied), rows)
    assert plan.pop("rfis:12:pdf") == [ActionKind.COPY_TO_SP]
    assert all(kinds == [ActionKind.NOOP] for kinds in plan.values())


def test_a_new_title_renames_the_pdf_and_its_folder_in_place() -> None:
    rows = _synced(OneWayRecords(RFI))
    renamed = replace(RFI, title="Slab edge detail rev", updated_at="2026-03-02T09:00:00+00:00")
    plan = _plan(OneWayRecords(renamed), rows)
    assert plan["rfis:12:pdf"] == [ActionKind.MOVE_SP, ActionKind.COPY_TO_SP]
    assert plan["rfis:12:attachments"] == [ActionKind.MOVE_SP]
    assert plan["rfis:12:attachment:345"] == [ActionKind.NOOP]


def test_an_attachment_taken_off_the_record_is_recycled_alone() -> None:
    rows = _synced(OneWayRecords(RFI))
    fewer = replace(RFI, updated_at="2026-03-02T09:00:00+00:00", attachments=RFI.attachments[:1])
    plan = _plan(OneWayRecords(fewer), rows)
    assert plan["rfis:12:attachment:346"] == [ActionKind.RECYCLE_SP]
    assert plan["rfis:12:attachment:345"] == [ActionKind.NOOP]
    assert list(plan)[-1] == "rfis:12:attachment:346"        # gone parts come after the current ones


def test_a_deleted_record_recycles_every_part() -> None:
    rows = _synced(OneWayRecords(RFI))
    assert _plan(OneWayRecords(), rows) == {key: [ActionKind.RECYCLE_SP] for key in
                                            sorted(f"rfis:{procore_id}" for procore_id in rows)}


def test_a_part_of_another_record_is_refused() -> None:
    adapter = OneWayRecords(RFI, replace(RFI, id=13, number=13))
    other = adapter.get(CLIENT, LINK, "13:pdf", ItemKind.FILE)
    assert other is not None
    with pytest.raises(ValueError, match="not a part of rfis:12"):
        plan_parts(SOURCE, [other], {}, adapter.compare_versions)


def test_documents_have_no_derived_items() -> None:
    documents = TOOLS[ToolKey.DOCUMENTS]
    assert documents.capabilities.derived_items is False
    file = SourceItem(tool=ToolKey.DOCUMENTS, procore_id="42", kind=ItemKind.FILE, name="a.pdf", parent_id="1")
    assert documents.parts(CLIENT, LINK, file) == []
    assert OneWayRecords.capabilities.derived_items is True
