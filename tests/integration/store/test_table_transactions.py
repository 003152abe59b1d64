"""Many rows a call (table transactions) against Azurite: a row's own race (exists, changed) leaves out
that row only, the others are written; partitions and the 100-operation limit are split on their own."""

from __future__ import annotations

import uuid

import pytest

from shared import errors
from shared.models.rows import Row
from shared.store.clients import StorageClients
from shared.store.tables import MAX_TRANSACTION, TableRepository


class Counter(Row):
    group: str
    name: str
    value: int = 0


def _repo(storage: StorageClients) -> TableRepository[Counter]:
    return TableRepository(storage.tables, "x" + uuid.uuid4().hex[:12], Counter, lambda r: (r.group, r.name))


def test_create_many_writes_new_rows_and_leaves_out_existing_ones(storage: StorageClients) -> None:
    repo = _repo(storage)
    repo.create(Counter(group="g", name="n03", value=7))
    rows = [Counter(group="g", name=f"n{i:02d}", value=i) for i in range(6)] + [Counter(group="h", name="a")]
    answers = repo.create_many(rows)
    assert [a is None for a in answers] == [False, False, False, True, False, False, False]
    assert {s.row.name: s.row.value for s in repo.query("g")} == {f"n{i:02d}": (7 if i == 3 else i) for i in range(6)}
    assert [s.row.name for s in repo.query("h")] == ["a"]
    for answer in answers:   # each ETag guards the next write of its row
        if answer is not None:
            repo.replace(answer.row.model_copy(update={"value": 100}), answer.etag)


def test_create_many_splits_past_the_transaction_limit(storage: StorageClients) -> None:
    repo = _repo(storage)
    count = MAX_TRANSACTION + 5
    answers = repo.create_many([Counter(group="g", name=f"n{i:04d}") for i in range(count)])
    assert all(a is not None for a in answers)
    assert len(list(repo.query("g"))) == count
    assert all(a is None for a in repo.create_many([Counter(group="g", name=f"n{i:04d}") for i in range(3)]))


def test_replace_many_writes_only_rows_whose_etag_still_holds(storage: StorageClients) -> None:
    repo = _repo(storage)
    stored = [s for s in repo.create_many([Counter(group="g", name=f"n{i}") for i in range(5)]) if s is not None]
    assert len(stored) == 5
    moved = repo.replace(stored[1].row.model_copy(update={"value": 50}), stored[1].etag)   # another writer
    repo.delete("g", "n4")
    answers = repo.replace_many([(s.row.model_copy(update={"value": 1}), s.etag) for s in stored])
    assert [a is not None for a in answers] == [True, False, True, True, False]
    values = {s.row.name: s.row.value for s in repo.query("g")}
    assert values == {"n0": 1, "n1": 50, "n2": 1, "n3": 1}
    repo.replace(moved.row, moved.etag)   # n1 untouched by the transaction: the other writer's ETag still holds
    assert (got := repo.get("g", "n0")) is not None and answers[0] is not None and got.etag == answers[0].etag


def test_upsert_many_writes_whatever_is_there(storage: StorageClients) -> None:
    repo = _repo(storage)
    repo.create(Counter(group="g", name="a", value=1))
    answers = repo.upsert_many([Counter(group="g", name="a", value=2), Counter(group="g", name="b", value=3)])
    assert all(a is not None for a in answers)
    assert {s.row.name: s.row.value for s in repo.query("g")} == {"a": 2, "b": 3}


def test_one_row_twice_is_refused_before_any_write(storage: StorageClients) -> None:
    repo = _repo(storage)
    with pytest.raises(errors.InvariantBroken):
        repo.create_many([Counter(group="g", name="a"), Counter(group="g", name="a")])
    assert list(repo.query("g")) == []
