"""decide_procore_to_sp over every combination of Procore-side change and agreed state (style R4)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from shared.models.api import ToolKey
from shared.models.rows import ItemKind, ItemRow, ItemState
from shared.sync.decide import ActionKind, Change, decide_procore_to_sp, procore_changes
from shared.tools.base import SourceItem

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _base(kind: ItemKind, state: ItemState, synced: bool = True) -> ItemRow:
    return ItemRow(link_id="l", tool=ToolKey.DOCUMENTS, procore_id="7", kind=kind, state=state,
                   procore_name="a.pdf", procore_parent_id="1", procore_version="v1" if kind is ItemKind.FILE else None,
                   sp_item_id="SP7" if synced else None, updated_at=NOW, reason="bad name" if
                   state is ItemState.SKIPPED else None)


def _current(kind: ItemKind, *, name: str = "a.pdf", parent: str = "1", version: str | None = "v1") -> SourceItem:
    return SourceItem(tool=ToolKey.DOCUMENTS, procore_id="7", kind=kind, name=name, parent_id=parent,
                      version=version if kind is ItemKind.FILE else None)


EDITS = {
    "rename": {"name": "b.pdf"},
    "move": {"parent": "2"},
    "content": {"version": "v2"},
}


def _edited(kind: ItemKind, edits: tuple[str, ...]) -> SourceItem:
    kwargs: dict[str, str] = {}
    for e in edits:
        kwargs.update(EDITS[e])
    return _current(kind, **kwargs)  # type: ignore[arg-type]


ALL_EDIT_SETS = [c for n in range(4) for c in itertools.combinations(EDITS, n)]


@pytest.mark.parametrize("kind", list(ItemKind))
@pytest.mark.parametrize("state", list(ItemState))
@pytest.mark.parametrize("edits", ALL_EDIT_SETS)
def test_every_combination_has_a_defined_outcome(kind: ItemKind, state: ItemState, edits: tuple[str, ...]) -> None:
    base = _base(kind, state, synced=state is ItemState.SYNCED)
    actions = decide_procore_to_sp(_edited(kind, edits), base)
    assert actions and all(isinstance(a.kind, ActionKind) and a.reason for a in actions)
    kinds = [a.kind for a in actions]
    if state is ItemState.SYNCED:
        assert (ActionKind.MOVE_SP in kinds) == bool({"rename", "move"} & set(edits))
        assert (ActionKind.COPY_TO_SP in kinds) == ("content" in edits and kind is ItemKind.FILE)
        if not edits or (kind is ItemKind.FOLDER and edits == ("content",)):
            assert kinds == [ActionKind.NOOP]
    elif state is ItemState.SKIPPED and not {"rename", "move"} & set(edits):
        assert kinds == [ActionKind.NOOP]
    else:
        expected = ActionKind.MIRROR_FOLDER_SP if kind is ItemKind.FOLDER else ActionKind.COPY_TO_SP
        assert kinds == [expected]


@pytest.mark.parametrize("kind", list(ItemKind))
def test_new_items_are_created(kind: ItemKind) -> None:
    [action] = decide_procore_to_sp(_current(kind), None)
    assert action.kind is (ActionKind.MIRROR_FOLDER_SP if kind is ItemKind.FOLDER else ActionKind.COPY_TO_SP)


@pytest.mark.parametrize("state", list(ItemState))
def test_deletes(state: ItemState) -> None:
    synced = state is ItemState.SYNCED
    [action] = decide_procore_to_sp(None, _base(ItemKind.FILE, state, synced=synced))
    assert action.kind is (ActionKind.RECYCLE_SP if synced else ActionKind.FORGET)
    assert decide_procore_to_sp(None, None)[0].kind is ActionKind.NOOP


def test_change_vocabulary() -> None:
    assert procore_changes(_current(ItemKind.FILE), None) == {Change.NEW}
    assert procore_changes(None, _base(ItemKind.FILE, ItemState.SYNCED)) == {Change.DELETED}
    assert procore_changes(_current(ItemKind.FILE), _base(ItemKind.FILE, ItemState.SYNCED)) == {Change.UNCHANGED}
    both = procore_changes(_edited(ItemKind.FILE, ("rename", "move", "content")), _base(ItemKind.FILE,
                                                                                         ItemState.SYNCED))
    assert both == {Change.RENAMED, Change.MOVED, Change.CONTENT}
