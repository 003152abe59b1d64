"""Versions are opaque tokens: each adapter orders its own, and the engine asks it instead of parsing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.models.api import ToolKey
from shared.models.rows import ItemKind, ItemRow, ItemState
from shared.sync.decide import ActionKind, decide_procore_to_sp, procore_changes, version_already_synced
from shared.tools import TOOLS
from shared.tools.base import (
    SourceItem,
    VersionOrder,
    compare_increasing_ids,
    compare_timestamps,
    compare_tokens,
    newer_or_same,
    version_changed,
)

OLDER, SAME, NEWER = VersionOrder.OLDER, VersionOrder.SAME, VersionOrder.NEWER


@pytest.mark.parametrize(("candidate", "recorded", "order"), [
    ("10", "10", SAME),
    ("9", "10", OLDER),        # as text "9" > "10": the ids are numbers, not strings
    ("10", "9", NEWER),
    ("v1", "v9", NEWER),       # not numbers: only equality means anything, a different one is taken
    ("v9", "v9", SAME),
])
def test_increasing_ids(candidate: str, recorded: str, order: VersionOrder) -> None:
    assert compare_increasing_ids(candidate, recorded) is order


@pytest.mark.parametrize(("candidate", "recorded", "order"), [
    ("2026-01-02T10:00:00+00:00", "2026-01-02T11:00:00+01:00", SAME),   # one instant written two ways
    ("2026-01-02T10:00:00Z", "2026-01-02T10:00:01Z", OLDER),
    ("2026-01-02T10:00:00.5Z", "2026-01-02T10:00:00Z", NEWER),
    ("2026-01-10T00:00:00Z", "2026-01-09T23:59:59Z", NEWER),
    ("soon", "2026-01-09T23:59:59Z", NEWER),                            # unreadable: a different token
    ("2026-01-02T10:00:00", "2026-01-02T10:00:00Z", NEWER),             # naive vs aware: not comparable
])
def test_timestamps(candidate: str, recorded: str, order: VersionOrder) -> None:
    assert compare_timestamps(candidate, recorded) is order


def test_tokens_only_know_equality() -> None:
    assert compare_tokens("a", "a") is SAME
    assert compare_tokens("a", "b") is NEWER


def test_changed_and_newer_or_same_ask_the_comparator() -> None:
    assert version_changed(compare_timestamps, "2026-01-02T10:00:00Z", "2026-01-02T10:00:00+00:00") is False
    assert version_changed(compare_timestamps, "2026-01-02T10:00:01Z", "2026-01-02T10:00:00+00:00") is True
    assert version_changed(compare_timestamps, None, None) is False
    assert version_changed(compare_timestamps, "2026-01-02T10:00:00Z", None) is True
    assert version_changed(compare_timestamps, None, "2026-01-02T10:00:00Z") is True
    assert newer_or_same(compare_increasing_ids, "10", "9") is True
    assert newer_or_same(compare_increasing_ids, "9", "10") is False
    assert newer_or_same(compare_increasing_ids, None, "10") is True
    assert newer_or_same(compare_increasing_ids, "9", None) is True


def test_every_registered_adapter_compares_versions() -> None:
    documents = TOOLS[ToolKey.DOCUMENTS]
    assert documents.compare_versions("9", "10") is OLDER
    assert documents.compare_versions("11", "10") is NEWER
    for adapter in TOOLS.values():
        assert adapter.compare_versions("x", "x") is SAME


def _row(tool: ToolKey, version: str) -> ItemRow:
    return ItemRow(link_id="l1", tool=tool, procore_id="7", kind=ItemKind.FILE, state=ItemState.SYNCED,
                   procore_name="a.pdf", procore_parent_id="1", procore_version=version, sp_item_id="SP7",
                   sp_parent_id="SP1", sp_name="a.pdf", updated_at=datetime(2026, 1, 1, tzinfo=UTC))


def _item(tool: ToolKey, version: str) -> SourceItem:
    return SourceItem(tool=tool, procore_id="7", kind=ItemKind.FILE, name="a.pdf", parent_id="1", version=version)


def test_the_engine_orders_documents_versions_through_the_registered_adapter() -> None:
    row = _row(ToolKey.DOCUMENTS, "10")
    assert version_already_synced(row, "9") is True       # late and older: never over the newer one
    assert version_already_synced(row, "10") is True
    assert version_already_synced(row, "11") is False


def test_the_engine_orders_timestamp_versions_through_the_given_comparator() -> None:
    """Tokens an integer parse knows nothing about: the engine takes the adapter's word for them."""
    row = _row(ToolKey.RFIS, "2026-01-02T11:00:00+01:00")
    same_instant = "2026-01-02T10:00:00Z"
    assert version_already_synced(row, same_instant, compare_timestamps) is True
    assert version_already_synced(row, "2026-01-02T09:00:00Z", compare_timestamps) is True
    assert version_already_synced(row, "2026-01-02T10:00:01Z", compare_timestamps) is False
    assert [a.kind for a in decide_procore_to_sp(_item(ToolKey.RFIS, same_instant), row, compare_timestamps)] \
        == [ActionKind.NOOP]
    assert [a.kind for a in decide_procore_to_sp(_item(ToolKey.RFIS, "2026-01-03T00:00:00Z"), row,
                                                 compare_timestamps)] == [ActionKind.COPY_TO_SP]
    assert "content" not in procore_changes(_item(ToolKey.RFIS, same_instant), row, compare_timestamps)
