"""Table repositories against Azurite: ETag-conditional writes detect lost races."""

from __future__ import annotations

import threading
import uuid

import pytest

from shared import errors
from shared.models.rows import Row
from shared.store.clients import StorageClients
from shared.store.tables import TableRepository


class Counter(Row):
    group: str
    name: str
    value: int = 0
    writers: list[str] = []


def _repo(storage: StorageClients) -> TableRepository[Counter]:
    table = "t" + uuid.uuid4().hex[:12]
    return TableRepository(storage.tables, table, Counter, lambda r: (r.group, r.name))


def test_create_get_replace_delete(storage: StorageClients) -> None:
    repo = _repo(storage)
    stored = repo.create(Counter(group="g", name="n", value=1))
    got = repo.get("g", "n")
    assert got is not None and got.row.value == 1 and got.etag == stored.etag
    with pytest.raises(errors.Conflict):
        repo.create(Counter(group="g", name="n"))
    replaced = repo.replace(got.row.model_copy(update={"value": 2}), got.etag)
    assert replaced.etag != got.etag
    assert [s.row.value for s in repo.query("g")] == [2]
    repo.delete("g", "n", replaced.etag)
    assert repo.get("g", "n") is None
    repo.delete("g", "n")  # already gone: fine


def test_stale_etag_is_rejected(storage: StorageClients) -> None:
    repo = _repo(storage)
    first = repo.create(Counter(group="g", name="n"))
    repo.replace(first.row.model_copy(update={"value": 1}), first.etag)
    with pytest.raises(errors.Conflict):
        repo.replace(first.row.model_copy(update={"value": 99}), first.etag)
    with pytest.raises(errors.Conflict):
        repo.delete("g", "n", first.etag)
    current = repo.get("g", "n")
    assert current is not None and current.row.value == 1


def test_two_concurrent_conditional_updates_cannot_both_win(storage: StorageClients) -> None:
    repo = _repo(storage)
    base = repo.create(Counter(group="g", name="race"))
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def write(who: str) -> None:
        barrier.wait()
        try:
            repo.replace(base.row.model_copy(update={"value": 1, "writers": [who]}), base.etag)
            outcomes[who] = "won"
        except errors.Conflict:
            outcomes[who] = "lost"

    threads = [threading.Thread(target=write, args=(w,)) for w in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values()) == ["lost", "won"]
    winner = next(w for w, o in outcomes.items() if o == "won")
    final = repo.get("g", "race")
    assert final is not None and final.row.writers == [winner]


def test_mutate_serialises_many_concurrent_increments(storage: StorageClients) -> None:
    repo = _repo(storage)
    workers, per_worker = 4, 5

    def bump(current: Counter | None) -> Counter:
        row = current or Counter(group="g", name="c")
        return row.model_copy(update={"value": row.value + 1})

    def run() -> None:
        for _ in range(per_worker):
            repo.mutate("g", "c", bump, attempts=100)

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = repo.get("g", "c")
    assert final is not None and final.row.value == workers * per_worker


def test_mutate_won_tells_exactly_one_of_many_claimants(storage: StorageClients) -> None:
    """A claim: the first writer takes an empty row; everyone after declines. One True, the rest False."""
    repo = _repo(storage)
    barrier = threading.Barrier(4)
    results: dict[str, bool] = {}

    def claim(current: Counter | None, who: str) -> Counter | None:
        return None if current is not None else Counter(group="g", name="claim", writers=[who])

    def run(who: str) -> None:
        barrier.wait()
        results[who] = repo.mutate_won("g", "claim", lambda c: claim(c, who), attempts=100)

    threads = [threading.Thread(target=run, args=(w,)) for w in "abcd"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [w for w, won in results.items() if won]
    final = repo.get("g", "claim")
    assert len(winners) == 1 and final is not None and final.row.writers == winners


def test_query_filters_within_a_partition(storage: StorageClients) -> None:
    repo = _repo(storage)
    for i in range(5):
        repo.create(Counter(group="g", name=f"n{i}", value=i))
    repo.create(Counter(group="other", name="n9", value=9))
    rows = [s.row.name for s in repo.query("g", "value ge @v", {"v": 3})]
    assert rows == ["n3", "n4"]


def test_query_any_finds_every_value_past_one_filters_comparison_limit(storage: StorageClients) -> None:
    repo = _repo(storage)
    for i in range(40):
        repo.create(Counter(group="g", name=f"n{i:02d}", value=i))
    repo.create(Counter(group="other", name="n00", value=0))       # another partition: never found
    wanted = [f"n{i:02d}" for i in range(0, 40, 2)] + ["absent"]   # 21 values: two filters' worth
    assert sorted(s.row.name for s in repo.query_any("g", "RowKey", wanted)) == wanted[:-1]
    either = repo.query_any("g", "RowKey", ["n03", "n05"], also="RowKey ge @big", parameters={"big": "n37"})
    assert sorted(s.row.value for s in either) == [3, 5, 37, 38, 39]
    assert [s.row.value for s in repo.query_any("g", "RowKey", [], also="RowKey eq @v", parameters={"v": "n07"})] == [7]
    assert list(repo.query_any("g", "RowKey", [])) == []
