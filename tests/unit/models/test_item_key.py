"""ItemKey: a source item or a part derived from it; Documents' row keys stay what they were on disk."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from shared.models.api import ToolKey
from shared.models.rows import ItemKey, ItemKind, ItemRow
from shared.store.repositories import item_key
from shared.store.tables import check_key


def test_a_documents_item_keeps_its_row_key() -> None:
    key = ItemKey.parse_id(ToolKey.DOCUMENTS, "42")
    assert (key.source_id, key.part) == ("42", None)
    assert key.procore_id == "42"
    assert key.row_key == "documents:42" == item_key("documents", "42")
    assert ItemKey.parse("documents:42") == key


@pytest.mark.parametrize(("part", "procore_id", "row_key"), [
    ("pdf", "12:pdf", "rfis:12:pdf"),
    ("attachments", "12:attachments", "rfis:12:attachments"),
    ("attachment:345", "12:attachment:345", "rfis:12:attachment:345"),
])
def test_a_derived_part_is_keyed_under_its_source(part: str, procore_id: str, row_key: str) -> None:
    key = ItemKey(tool=ToolKey.RFIS, source_id="12", part=part)
    assert key.procore_id == procore_id
    assert key.row_key == row_key == item_key("rfis", procore_id)
    assert check_key(key.row_key) == row_key                  # Table Storage takes it as a RowKey
    assert ItemKey.parse(row_key) == key
    assert ItemKey.parse_id(ToolKey.RFIS, procore_id) == key
    assert key.row_key.startswith(key.source_prefix)
    assert not ItemKey(tool=ToolKey.RFIS, source_id="12").row_key.startswith(key.source_prefix)
    assert not ItemKey(tool=ToolKey.RFIS, source_id="123", part="pdf").row_key.startswith(key.source_prefix)


def test_a_source_id_cannot_hold_the_part_separator() -> None:
    with pytest.raises(ValidationError):
        ItemKey(tool=ToolKey.RFIS, source_id="12:pdf")
    with pytest.raises(ValidationError):
        ItemKey(tool=ToolKey.RFIS, source_id="12", part="")
    with pytest.raises(ValueError):
        ItemKey.parse("no-separator")


def test_a_row_written_before_the_item_model_reads_the_same() -> None:
    """The fields an items row had before (no previous_ids) still validate; its key is its Procore id."""
    stored = {"schema_version": 1, "link_id": "l1", "tool": "documents", "procore_id": "42", "kind": "file",
              "state": "synced", "procore_name": "a.pdf", "procore_version": "501", "sp_item_id": "SP1",
              "size": 3, "updated_at": datetime(2026, 1, 2, tzinfo=UTC).isoformat()}
    row = ItemRow.model_validate(stored)
    assert row.previous_ids == []
    assert row.key == ItemKey(tool=ToolKey.DOCUMENTS, source_id="42")
    assert row.kind is ItemKind.FILE
