"""The record tools' pure parts: file names from number and title, the PDF's version token and its order,
the Procore web link, and the SharePoint column names the engine derives from the adapter's titles."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from shared.models.api import TenantSettings, ToolKey
from shared.models.rows import ItemKind
from shared.procore.records import ToolRecord
from shared.sync.columns import column_name
from shared.sync.privacy import PRIVATE_REASON, private_skip
from shared.tools.base import SourceItem, VersionOrder
from shared.tools.record_kinds import (
    RFIS,
    SUBMITTALS,
    compare_record_versions,
    record_stem,
    record_version,
    web_url,
)
from shared.tools.render import RecordSheet, render_pdf

T = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _rfi(**fields: object) -> ToolRecord:
    return ToolRecord.model_validate({"id": 12, "number": "12", "subject": "Slab edge detail", "status": "open",
                                      "updated_at": T.isoformat(), **fields})


def test_a_record_is_named_from_its_number_and_title() -> None:
    assert record_stem(RFIS, _rfi().raw()) == "RFI 012 - Slab edge detail"
    assert record_stem(RFIS, _rfi(number="A-7").raw()) == "RFI A-7 - Slab edge detail"
    assert record_stem(RFIS, _rfi(number=None, subject="").raw()) == "RFI 12"      # the id when it has no number
    raw = {"id": 3, "number": "1", "formatted_number": "03 30 00-1", "title": "Mix design"}
    assert record_stem(SUBMITTALS, raw) == "Submittal 03 30 00-1 - Mix design"


def test_the_pdf_version_changes_with_what_it_shows_even_within_one_second() -> None:
    base = record_version(RFIS, _rfi())
    assert base is not None and base == record_version(RFIS, _rfi())                    # same record, same token
    replied = record_version(RFIS, _rfi(questions=[{"answers": [{"id": 5, "body": "B"}], "attachments": []}]))
    retitled = record_version(RFIS, _rfi(subject="Slab edge detail, rev"))
    attached = record_version(RFIS, _rfi(attachments=[{"id": 9, "url": "http://x/9"}]))
    assert len({base, replied, retitled, attached}) == 4
    assert compare_record_versions(replied or "", base) is VersionOrder.NEWER
    later = record_version(RFIS, _rfi(updated_at="2026-03-01T09:00:01+00:00"))
    assert compare_record_versions(base, later or "") is VersionOrder.OLDER
    assert compare_record_versions(later or "", base) is VersionOrder.NEWER
    assert compare_record_versions("345", "345") is VersionOrder.SAME                  # attachment ids
    # A presigned attachment URL that changes between reads is no change of the PDF.
    assert record_version(RFIS, _rfi(attachments=[{"id": 9, "url": "http://x/9?sig=a"}])) == attached


def test_the_procore_link_opens_the_web_app() -> None:
    assert web_url("https://api.procore.com", "/101/project/rfi/show/12") == \
        "https://app.procore.com/101/project/rfi/show/12"
    assert web_url("http://127.0.0.1:8080", "/101/x") == "http://127.0.0.1:8080/101/x"


@pytest.mark.parametrize(("title", "name"), [("Procore Tool", "ProcoreTool"), ("Number", "ProcoreNumber"),
                                             ("Title", "Title"), ("Created", "ProcoreCreated"),
                                             ("Procore Link", "ProcoreLink")])
def test_column_titles_map_to_names_that_take_no_builtin_column_but_title(title: str, name: str) -> None:
    assert column_name(title) == name


def test_a_private_item_is_skipped_unless_the_tenant_includes_private_items() -> None:
    item = SourceItem(tool=ToolKey.RFIS, procore_id="12:pdf", kind=ItemKind.FILE, name="a.pdf", parent_id="root",
                      private=True)
    assert private_skip(item, TenantSettings()) == PRIVATE_REASON == "private in Procore"
    assert private_skip(item, TenantSettings(include_private=True)) is None
    assert private_skip(item.model_copy(update={"private": False}), TenantSettings()) is None


def test_a_rendered_record_is_the_same_bytes_every_time_and_other_bytes_when_it_changes() -> None:
    sheet = RecordSheet(tool="Incidents", number="004", title="Near miss at hoist – east", status="open",
                        dates=[("Created", "2026-03-01T09:00:00+00:00")], people=[("Created by", "Zoë Builder")],
                        fields=[("Recordable", "False")], items=["Hoist gate - Response: closed"],
                        attachments=["photo.jpg"], updated_at=T)
    first = render_pdf(sheet)
    assert first == render_pdf(sheet) and first.startswith(b"%PDF-")
    assert render_pdf(replace(sheet, status="closed")) != first
    assert render_pdf(replace(sheet, updated_at=T.replace(second=1))) != first      # its date is the record's
