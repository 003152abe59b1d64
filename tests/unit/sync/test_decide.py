"""decide_procore_to_sp over every combination of Procore-side change and agreed state (style R4)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from shared.models.api import ToolKey
from shared.models.rows import ItemKind, ItemRow, ItemState
from shared.sync.decide import (
    ActionKind,
    Change,
    SpView,
    decide_procore_to_sp,
    decide_sp_to_procore,
    procore_changes,
    version_already_synced,
)
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


# --- SharePoint -> Procore -------------------------------------------------------------------------

OUR_APP = "our-app"


def _sp_base(kind: ItemKind, state: ItemState) -> ItemRow:
    return ItemRow(link_id="l", tool=ToolKey.DOCUMENTS, procore_id="7", kind=kind, state=state,
                   procore_name="a.pdf", procore_parent_id="1", sp_item_id="SP7", sp_parent_id="P1",
                   sp_name="a.pdf", sp_etag="e1", sp_quickxor=None if kind is ItemKind.FOLDER else "q1",
                   updated_at=NOW)


def _sp_view(kind: ItemKind, edits: tuple[str, ...] = (), **over: object) -> SpView:
    fields: dict[str, object] = {"sp_item_id": "SP7", "deleted": False, "is_folder": kind is ItemKind.FOLDER,
                                 "name": "a.pdf", "parent_id": "P1", "etag": "e1",
                                 "quickxor": None if kind is ItemKind.FOLDER else "q1", "modified_by_app": None}
    if edits:
        fields["etag"] = "e2"
    if "rename" in edits:
        fields["name"] = "b.pdf"
    if "move" in edits:
        fields["parent_id"] = "P2"
    if "content" in edits and kind is ItemKind.FILE:
        fields["quickxor"] = "q2"
    fields.update(over)
    return SpView(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", list(ItemKind))
@pytest.mark.parametrize("state", list(ItemState))
@pytest.mark.parametrize("edits", ALL_EDIT_SETS)
def test_every_sharepoint_combination_has_a_defined_outcome(kind: ItemKind, state: ItemState,
                                                          edits: tuple[str, ...]) -> None:
    actions = decide_sp_to_procore(_sp_view(kind, edits), _sp_base(kind, state), OUR_APP)
    kinds = [a.kind for a in actions]
    assert actions and all(a.reason for a in actions)
    if state is not ItemState.SYNCED:
        assert kinds == [ActionKind.NOOP]
        return
    assert (ActionKind.MOVE_PROCORE in kinds) == bool({"rename", "move"} & set(edits))
    assert (ActionKind.COPY_TO_PROCORE in kinds) == ("content" in edits and kind is ItemKind.FILE)
    # the same change made by our own app is an echo, whatever it looks like
    own = decide_sp_to_procore(_sp_view(kind, edits, modified_by_app=OUR_APP), _sp_base(kind, state), OUR_APP)
    assert [a.kind for a in own] == [ActionKind.NOOP]


def test_sharepoint_new_items_and_deletes() -> None:
    assert [a.kind for a in decide_sp_to_procore(_sp_view(ItemKind.FILE), None, OUR_APP)] == \
        [ActionKind.COPY_TO_PROCORE]
    assert [a.kind for a in decide_sp_to_procore(_sp_view(ItemKind.FOLDER), None, OUR_APP)] == \
        [ActionKind.MIRROR_FOLDER_PROCORE]
    lock = _sp_view(ItemKind.FILE, name="~$a.docx")
    assert [a.kind for a in decide_sp_to_procore(lock, None, OUR_APP)] == [ActionKind.NOOP]
    gone = _sp_view(ItemKind.FILE, deleted=True)
    assert [a.kind for a in decide_sp_to_procore(gone, _sp_base(ItemKind.FILE, ItemState.SYNCED), OUR_APP)] == \
        [ActionKind.RECYCLE_PROCORE]
    assert [a.kind for a in decide_sp_to_procore(gone, None, OUR_APP)] == [ActionKind.NOOP]
    same_etag = _sp_view(ItemKind.FILE, name="renamed-but-same-etag.pdf")
    assert [a.kind for a in decide_sp_to_procore(same_etag, _sp_base(ItemKind.FILE, ItemState.SYNCED),
                                                 OUR_APP)] == [ActionKind.NOOP]


@pytest.mark.parametrize(
    ("agreed", "state", "synced", "incoming", "done"),
    [
        ("500", ItemState.SYNCED, True, "500", True),     # this version: a duplicate delivery
        ("500", ItemState.SYNCED, True, "499", True),     # an older one arriving late: never over the newer
        ("500", ItemState.SYNCED, True, "501", False),    # a newer one: copy it
        ("500", ItemState.PENDING, True, "499", False),   # not agreed yet: the step decides
        ("500", ItemState.SYNCED, False, "500", False),   # no SharePoint twin yet
        ("v9", ItemState.SYNCED, True, "v1", False),      # ids that are not numbers: only equality counts
    ],
)
def test_a_version_already_synced_or_superseded_is_not_copied_again(agreed: str, state: ItemState, synced: bool,
                                                                    incoming: str, done: bool) -> None:
    row = _base(ItemKind.FILE, state, synced).model_copy(update={"procore_version": agreed})
    assert version_already_synced(row, incoming) is done
    assert version_already_synced(None, incoming) is False
