"""Privacy re-read on every change (shared/sync/privacy.py) with the derived-items planner: a part skipped
as private is copied once it may be (made public, or the tenant includes private items), a synced part
that must now be skipped is withdrawn (recycled), and a skip for another reason stays."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.models.api import TenantSettings, ToolKey
from shared.models.rows import ItemKey, ItemKind, ItemRow, ItemState
from shared.sync.decide import ActionKind
from shared.sync.derived import plan_parts
from shared.sync.privacy import (
    PRIVATE_REASON,
    WITHDRAWN_REASON,
    privacy_changed,
    released,
    skipped_as_private,
    withdraw,
)
from shared.tools.base import SourceItem, compare_timestamps

EXCLUDED, INCLUDED = TenantSettings(), TenantSettings(include_private=True)
SOURCE = ItemKey(tool=ToolKey.RFIS, source_id="12")
T1, T2 = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC)


def _pdf(private: bool, when: datetime = T2) -> SourceItem:
    return SourceItem(tool=ToolKey.RFIS, procore_id="12:pdf", kind=ItemKind.FILE, name="RFI 012 - Edge.pdf",
                      parent_id="root", version=when.isoformat(), updated_at=when, private=private)


def _row(state: ItemState, reason: str | None = None, sp_item_id: str | None = None) -> ItemRow:
    return ItemRow(link_id="L", tool=ToolKey.RFIS, procore_id="12:pdf", kind=ItemKind.FILE, state=state,
                   reason=reason, procore_name="RFI 012 - Edge.pdf", procore_parent_id="root",
                   procore_version=T1.isoformat() if sp_item_id else None, sp_item_id=sp_item_id,
                   sp_name="RFI 012 - Edge.pdf" if sp_item_id else None, size=10, updated_at=T1)


def _plan(part: SourceItem, row: ItemRow, settings: TenantSettings) -> list[ActionKind]:
    """What detect plans for the part: the rows the privacy rules leave held, then a withdrawal if due."""
    rows = {"12:pdf": row}
    held = {pid: r for pid, r in rows.items() if not released(part, r, settings)}
    (plan,) = plan_parts(SOURCE, [part], held, lambda a, b: compare_timestamps(a, b))
    return [a.kind for a in (withdraw(part, row, settings) or plan.actions)]


def test_a_record_made_public_is_copied_and_one_still_private_stays_skipped() -> None:
    skipped = _row(ItemState.SKIPPED, PRIVATE_REASON)
    assert skipped_as_private(skipped)
    assert _plan(_pdf(private=False), skipped, EXCLUDED) == [ActionKind.COPY_TO_SP]      # made public
    assert _plan(_pdf(private=True), skipped, EXCLUDED) == [ActionKind.NOOP]             # still private


def test_include_private_turned_on_copies_what_was_skipped_as_private() -> None:
    skipped = _row(ItemState.SKIPPED, PRIVATE_REASON)
    assert _plan(_pdf(private=True, when=T1), skipped, INCLUDED) == [ActionKind.COPY_TO_SP]


def test_a_skip_for_another_reason_is_not_lifted_by_privacy() -> None:
    other = _row(ItemState.SKIPPED, "illegal name")
    assert not skipped_as_private(other) and not released(_pdf(private=False), other, INCLUDED)
    assert _plan(_pdf(private=False), other, INCLUDED) == [ActionKind.NOOP]


def test_a_synced_record_made_private_or_excluded_again_is_withdrawn_from_sharepoint() -> None:
    synced = _row(ItemState.SYNCED, sp_item_id="SP1")
    actions = withdraw(_pdf(private=True), synced, EXCLUDED)
    assert actions is not None and [(a.kind, a.reason) for a in actions] == [(ActionKind.RECYCLE_SP,
                                                                              WITHDRAWN_REASON)]
    assert _plan(_pdf(private=True, when=T1), synced, EXCLUDED) == [ActionKind.RECYCLE_SP]   # unchanged content too
    assert _plan(_pdf(private=True), synced, INCLUDED) == [ActionKind.COPY_TO_SP]      # included: just an edit
    assert withdraw(_pdf(private=True), _row(ItemState.PENDING), EXCLUDED) is None     # nothing in SharePoint yet
    assert withdraw(None, synced, EXCLUDED) is None                                    # gone: the delete path


def test_only_an_include_private_change_asks_for_a_privacy_pass() -> None:
    assert privacy_changed(EXCLUDED, INCLUDED) and privacy_changed(INCLUDED, EXCLUDED)
    assert not privacy_changed(EXCLUDED, EXCLUDED.model_copy(update={"delete_sync": False}))
