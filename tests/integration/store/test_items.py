"""Item operations on Azurite: re-keying an item to a new Procore id (its SharePoint twin, reverse index
and history kept; idempotent under duplicate delivery and after a stop half-way), and a source's parts."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import pytest

from shared import errors
from shared.models.api import ToolKey
from shared.models.rows import ActivityRow, ItemKey, ItemKind, ItemRow, ItemState
from shared.store.clients import StorageClients
from shared.store.entity import to_entity
from shared.store.items import REKEYED_EVENT, parts_of, rekey_item
from shared.store.repositories import ItemBySpRow, Repositories

OLD = ItemKey(tool=ToolKey.PHOTOS, source_id="501")
NEW = ItemKey(tool=ToolKey.PHOTOS, source_id="777")


@pytest.fixture
def repos(storage: StorageClients) -> Repositories:
    return Repositories(storage.tables)


@pytest.fixture
def link() -> str:
    return "l" + uuid.uuid4().hex[:10]


def _row(link: str, key: ItemKey, sp_item_id: str = "SP-IMG") -> ItemRow:
    return ItemRow(link_id=link, tool=key.tool, procore_id=key.procore_id, kind=ItemKind.FILE,
                   state=ItemState.SYNCED, procore_name="IMG_0001.jpg", procore_parent_id="40",
                   procore_version=key.procore_id, sp_item_id=sp_item_id, sp_parent_id="SP-ALBUM",
                   sp_name="IMG_0001.jpg", sp_etag='"e1"', sp_ctag='"c1"', sp_quickxor="qx1", size=2048,
                   updated_at=datetime(2026, 3, 1, 12, tzinfo=UTC))


def _seed(repos: Repositories, link: str) -> ItemRow:
    """An item synced before the item model existed: its entity has none of the fields added since."""
    row = _row(link, OLD)
    entity = to_entity(row, link, OLD.row_key)
    del entity["previous_ids__json"]
    repos.items.table.create_entity(entity)
    repos.items_by_sp.create(ItemBySpRow(link_id=link, sp_item_id="SP-IMG", item_key=OLD.row_key))
    return row


def _events(repos: Repositories, link: str) -> list[ActivityRow]:
    today = datetime.now(UTC).date()
    return [e for e in repos.recent_activity(link, today, today) if e.event == REKEYED_EVENT]


def _state(repos: Repositories, link: str) -> tuple[ItemRow | None, ItemRow | None, str | None, list[ActivityRow]]:
    old, new = repos.items.get(link, OLD.row_key), repos.items.get(link, NEW.row_key)
    index = repos.items_by_sp.get(link, "SP-IMG")
    return (old.row if old else None, new.row if new else None, index.row.item_key if index else None,
            _events(repos, link))


def test_a_rekey_moves_the_item_to_its_new_id_with_its_twin_index_and_history(repos: Repositories,
                                                                             link: str) -> None:
    before = _seed(repos, link)
    moved = rekey_item(repos, link, OLD, NEW, procore_version="777")
    old, new, index, events = _state(repos, link)
    assert old is None
    assert new is not None and new == moved.row
    assert new.procore_id == "777" and new.previous_ids == ["501"] and new.procore_version == "777"
    assert new.model_dump(exclude={"procore_id", "previous_ids", "procore_version", "updated_at"}) == \
        before.model_dump(exclude={"procore_id", "previous_ids", "procore_version", "updated_at"})
    assert index == "photos:777"
    assert [(e.item, e.tool, e.path) for e in events] == [("777", ToolKey.PHOTOS, "IMG_0001.jpg")]
    assert events[0].detail is not None and "501" in events[0].detail


def test_a_rekey_delivered_twice_ends_the_same(repos: Repositories, link: str) -> None:
    _seed(repos, link)
    first = rekey_item(repos, link, OLD, NEW, procore_version="777")
    after_first = _state(repos, link)
    again = rekey_item(repos, link, OLD, NEW, procore_version="777")
    assert again.row == first.row
    assert _state(repos, link) == after_first
    assert len(after_first[3]) == 1
    # The item syncs on under its new id; a late duplicate of the re-key changes nothing of it.
    synced_on = first.row.model_copy(update={"sp_etag": '"e2"', "updated_at": datetime.now(UTC)})
    repos.items.replace(synced_on, first.etag)
    assert rekey_item(repos, link, OLD, NEW, procore_version="777").row == synced_on
    assert _state(repos, link) == (None, synced_on, "photos:777", after_first[3])


def test_duplicate_deliveries_at_the_same_time_end_the_same(repos: Repositories, link: str) -> None:
    _seed(repos, link)
    failures: list[BaseException] = []

    def run() -> None:
        try:
            rekey_item(repos, link, OLD, NEW, procore_version="777")
        except BaseException as exc:  # reported below: a thread's exception would be lost
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures and not any(t.is_alive() for t in threads)
    old, new, index, events = _state(repos, link)
    assert old is None and new is not None and new.previous_ids == ["501"]
    assert index == "photos:777" and len(events) == 1


def test_a_rekey_stopped_half_way_is_finished_by_the_next_delivery(repos: Repositories, link: str) -> None:
    """The new row written, then the worker died: the old row and the old index entry are still there."""
    before = _seed(repos, link)
    repos.items.create(before.model_copy(update={"procore_id": "777", "previous_ids": ["501"],
                                                 "updated_at": datetime.now(UTC)}))
    rekey_item(repos, link, OLD, NEW)
    old, new, index, events = _state(repos, link)
    assert old is None and new is not None and new.sp_item_id == "SP-IMG" and new.previous_ids == ["501"]
    assert index == "photos:777" and len(events) == 1


def test_news_on_the_old_row_during_a_rekey_are_carried_over(repos: Repositories, link: str) -> None:
    """A write to the old row after the new one was made (a late record step) reaches the new row."""
    before = _seed(repos, link)
    repos.items.create(before.model_copy(update={"procore_id": "777", "previous_ids": ["501"]}))
    stored = repos.items.get(link, OLD.row_key)
    assert stored is not None
    repos.items.replace(stored.row.model_copy(update={"sp_etag": '"e2"', "sp_quickxor": "qx2"}), stored.etag)
    new = rekey_item(repos, link, OLD, NEW).row
    assert (new.sp_etag, new.sp_quickxor) == ('"e2"', "qx2")
    assert repos.items.get(link, OLD.row_key) is None


def test_a_rekey_onto_another_items_id_changes_nothing(repos: Repositories, link: str) -> None:
    before = _seed(repos, link)
    other = _row(link, NEW, sp_item_id="SP-OTHER")
    repos.items.create(other)
    with pytest.raises(errors.Conflict):
        rekey_item(repos, link, OLD, NEW)
    old, new, index, events = _state(repos, link)
    assert old == before and new == other and index == "photos:501" and events == []


def test_a_rekey_of_an_unknown_item_is_not_found(repos: Repositories, link: str) -> None:
    with pytest.raises(errors.NotFound):
        rekey_item(repos, link, OLD, NEW)
    assert _state(repos, link) == (None, None, None, [])


def test_the_parts_of_a_source_are_listed_without_their_neighbours(repos: Repositories, link: str) -> None:
    keys = ["rfis:12:pdf", "rfis:12:attachments", "rfis:12:attachment:345", "rfis:12", "rfis:123:pdf",
            "rfis:1:pdf", "rfis:11:pdf", "submittals:12:pdf", "documents:12"]
    for key in map(ItemKey.parse, keys):
        repos.items.create(_row(link, key).model_copy(update={"tool": key.tool, "procore_id": key.procore_id}))
    found = [s.row.key.row_key for s in parts_of(repos, link, ItemKey(tool=ToolKey.RFIS, source_id="12"))]
    assert found == ["rfis:12:attachment:345", "rfis:12:attachments", "rfis:12:pdf"]


def test_a_documents_row_stored_before_the_item_model_is_read_and_written_under_its_old_key(
        repos: Repositories, link: str) -> None:
    """No migration: an entity in the old layout (no fields added since) keeps its RowKey and its data."""
    key = ItemKey(tool=ToolKey.DOCUMENTS, source_id="42")
    old = _row(link, key)
    entity = to_entity(old, link, "documents:42")
    del entity["previous_ids__json"]
    repos.items.table.create_entity(entity)
    stored = repos.items.get(link, key.row_key)
    assert stored is not None and stored.row == old and stored.row.key == key
    assert repos.items.keys_of(stored.row) == (link, "documents:42")
    repos.items.replace(stored.row.model_copy(update={"sp_etag": '"e9"'}), stored.etag)
    assert [s.row.sp_etag for s in repos.items.query(link)] == ['"e9"']
