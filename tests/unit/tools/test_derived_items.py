"""Derived items: a tool whose source item (a record) gives a PDF, an attachments folder and each attachment,
shown with a tiny in-memory adapter (tests/support/records_tool.py: a real subclass of the ToolAdapter
interface, no mock): every part is
keyed under its record, planned with its own version, and dropped parts or a deleted record are recycled."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from shared.models.api import ToolKey
from shared.models.rows import ItemKey, ItemKind, ItemRow, ItemState, LinkRow
from shared.procore.client import ProcoreClient
from shared.sync.decide import ActionKind
from shared.sync.derived import plan_parts
from shared.tools import TOOLS
from shared.tools.base import SourceItem
from tests.support.records_tool import Attachment, OneWayRecords, Record

CLIENT: ProcoreClient = None  # type: ignore[assignment]  # the in-memory tool never calls Procore
LINK: LinkRow = None  # type: ignore[assignment]

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
