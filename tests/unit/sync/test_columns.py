"""The column values a twin needs rewritten (shared/sync/columns.stale_columns): only those that differ,
a value the item no longer has cleared, nothing when the twin already shows them."""

from __future__ import annotations

from shared.sync.columns import stale_columns

NAMES = ["ProcorePhotoDescription", "ProcorePhotoTaken"]
TAKEN = "2026-12-01T09:00:00Z"


def test_nothing_to_write_when_the_twin_shows_the_values() -> None:
    wanted = {"ProcorePhotoDescription": "slab", "ProcorePhotoTaken": TAKEN}
    present = {"ProcorePhotoDescription": "slab", "ProcorePhotoTaken": TAKEN, "Title": "other"}
    assert stale_columns(wanted, NAMES, present) == {}


def test_only_the_changed_value_is_written() -> None:
    wanted = {"ProcorePhotoDescription": "after the pour", "ProcorePhotoTaken": TAKEN}
    present = {"ProcorePhotoDescription": "before the pour", "ProcorePhotoTaken": TAKEN}
    assert stale_columns(wanted, NAMES, present) == {"ProcorePhotoDescription": "after the pour"}


def test_a_value_the_item_lost_is_cleared_and_an_absent_one_stays_absent() -> None:
    assert stale_columns({"ProcorePhotoTaken": TAKEN}, NAMES,
                         {"ProcorePhotoDescription": "old", "ProcorePhotoTaken": TAKEN}) == {
        "ProcorePhotoDescription": None}
    assert stale_columns({}, NAMES, {"ProcorePhotoDescription": ""}) == {}


def test_a_value_missing_on_the_twin_is_written() -> None:
    assert stale_columns({"ProcorePhotoTaken": TAKEN}, NAMES, {}) == {"ProcorePhotoTaken": TAKEN}
