"""Items marked private in Procore: skipped unless the tenant includes them (`include_private`).

A SharePoint site is usually readable by more people than a private record, so the default is to leave
such items out, each recorded as skipped with PRIVATE_REASON. Privacy is re-read on every change: a
record made public (or the setting turned on) is copied then, and a synced record made private (or the
setting turned off) is withdrawn, i.e. recycled from SharePoint like a delete: what a privacy-minded
admin expects, and the record still lives in Procore. Pure. Never imports azure.functions.
"""

from __future__ import annotations

from shared.models.api import TenantSettings
from shared.models.rows import ItemRow, ItemState
from shared.sync.decide import Action, ActionKind
from shared.tools.base import SourceItem

PRIVATE_REASON = "private in Procore"
WITHDRAWN_REASON = "private in Procore: withdrawn from SharePoint"


def private_skip(item: SourceItem, settings: TenantSettings) -> str | None:
    """The reason to skip `item` (None: copy it)."""
    return PRIVATE_REASON if item.private and not settings.include_private else None


def skipped_as_private(row: ItemRow | None) -> bool:
    """Was the item left out for its privacy (not for another reason, which privacy does not lift)?"""
    return row is not None and row.state is ItemState.SKIPPED and row.reason == PRIVATE_REASON


def released(item: SourceItem | None, row: ItemRow | None, settings: TenantSettings) -> bool:
    """An item skipped as private that may be copied now (made public, or the tenant includes private
    items): its row must not hold it back as 'still skipped'."""
    return item is not None and skipped_as_private(row) and private_skip(item, settings) is None


def withdraw(item: SourceItem | None, row: ItemRow | None, settings: TenantSettings) -> list[Action] | None:
    """The actions for a synced item that must now be skipped as private: recycle its SharePoint twin
    (None: privacy does not change what the planner decided)."""
    if item is None or row is None or private_skip(item, settings) is None:
        return None
    if row.state is not ItemState.SYNCED or not row.sp_item_id:
        return None
    return [Action(ActionKind.RECYCLE_SP, WITHDRAWN_REASON)]


def privacy_changed(before: TenantSettings, after: TenantSettings) -> bool:
    """Does a settings change alter which items are private-skipped (a privacy pass is due)?"""
    return before.include_private != after.include_private
