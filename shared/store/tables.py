"""Typed repositories over Table Storage with ETag optimistic concurrency.

Every write that follows a read is conditional on the ETag read (If-Match): a lost race raises
errors.Conflict instead of silently overwriting. `mutate()` is the read-modify-write loop most
callers want. Never imports azure.functions.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableClient, TableServiceClient, TableTransactionError, UpdateMode

from shared import errors
from shared.store.entity import RowT, from_entity, to_entity

DEFAULT_MUTATE_ATTEMPTS = 8
MAX_TRANSACTION = 100   # Table Storage: at most 100 operations of one partition (and 4 MiB) per transaction
MAX_COMPARISONS = 15    # Table Storage: at most 15 comparisons in a filter (the partition's is one of them)
_LOST_RACE = frozenset({409, 412, 404})   # exists already / changed / gone: that row's race, not the call's
# Characters Table Storage forbids in PartitionKey/RowKey (plus control characters).
_FORBIDDEN_KEY = re.compile(r"[/\\#?\x00-\x1f\x7f-\x9f]")
_MAX_KEY_BYTES = 1024

_created: set[tuple[str, str]] = set()
_created_lock = threading.Lock()


def _etag(metadata: Mapping[str, object]) -> str:
    etag = metadata.get("etag")
    if not isinstance(etag, str):
        raise errors.InvariantBroken("Table Storage returned an entity without an ETag")
    return etag


@dataclass(frozen=True)
class Stored(Generic[RowT]):
    """A row as read from (or written to) the table, with the ETag that guards the next write."""

    row: RowT
    etag: str


def check_key(key: str) -> str:
    """Return `key` if Table Storage accepts it as PartitionKey/RowKey, else raise ValueError."""
    if _FORBIDDEN_KEY.search(key):
        raise ValueError(f"table key {key!r} contains a character Table Storage forbids (/ \\ # ? or control)")
    if len(key.encode("utf-16-le")) > _MAX_KEY_BYTES:
        raise ValueError("table key is longer than 1 KiB")
    return key


class TableRepository(Generic[RowT]):
    """One table, one row model, one key function. The table is created on first use."""

    def __init__(
        self,
        service: TableServiceClient,
        table_name: str,
        model: type[RowT],
        keys: Callable[[RowT], tuple[str, str]],
    ) -> None:
        self._service = service
        self._table_name = table_name
        self._model = model
        self._keys = keys
        self._client: TableClient | None = None

    @property
    def table(self) -> TableClient:
        if self._client is None:
            marker = (self._service.url, self._table_name)
            if marker not in _created:
                with _created_lock:
                    self._service.create_table_if_not_exists(self._table_name)
                    _created.add(marker)
            self._client = self._service.get_table_client(self._table_name)
        return self._client

    def keys_of(self, row: RowT) -> tuple[str, str]:
        pk, rk = self._keys(row)
        return check_key(pk), check_key(rk)

    def get(self, partition_key: str, row_key: str) -> Stored[RowT] | None:
        try:
            entity = self.table.get_entity(check_key(partition_key), check_key(row_key))
        except ResourceNotFoundError:
            return None
        return Stored(from_entity(self._model, entity), _etag(entity.metadata))

    def create(self, row: RowT) -> Stored[RowT]:
        """Insert; raises errors.Conflict if a row with these keys exists (someone else won)."""
        pk, rk = self.keys_of(row)
        try:
            meta = self.table.create_entity(to_entity(row, pk, rk))
        except ResourceExistsError as exc:
            raise errors.Conflict(f"{self._table_name} row {pk}/{rk} already exists") from exc
        return Stored(row, meta["etag"])

    def replace(self, row: RowT, etag: str) -> Stored[RowT]:
        """Replace only if the stored row still has `etag`; raises errors.Conflict otherwise."""
        pk, rk = self.keys_of(row)
        try:
            meta = self.table.update_entity(
                to_entity(row, pk, rk), mode=UpdateMode.REPLACE, etag=etag,
                match_condition=MatchConditions.IfNotModified,
            )
        except (ResourceModifiedError, ResourceNotFoundError) as exc:
            raise errors.Conflict(f"{self._table_name} row {pk}/{rk} changed since it was read") from exc
        return Stored(row, meta["etag"])

    def upsert(self, row: RowT) -> Stored[RowT]:
        """Unconditional write: only for rows with a single writer (e.g. append-only activity)."""
        pk, rk = self.keys_of(row)
        meta = self.table.upsert_entity(to_entity(row, pk, rk), mode=UpdateMode.REPLACE)
        return Stored(row, meta["etag"])

    def create_many(self, rows: Sequence[RowT]) -> list[Stored[RowT] | None]:
        """Insert rows in transactions (one per partition and MAX_TRANSACTION rows): per row its Stored, or
        None when a row of its keys exists already (that row is left out and the rest sent again)."""
        return self._transact([(row, ("create", self._entity(row))) for row in rows])

    def replace_many(self, rows: Sequence[tuple[RowT, str]]) -> list[Stored[RowT] | None]:
        """`replace` of many rows in transactions: per row its Stored, or None when it no longer has its
        ETag (changed or deleted since it was read: left out, the rest written)."""
        conditional = {"mode": UpdateMode.REPLACE, "match_condition": MatchConditions.IfNotModified}
        return self._transact([(row, ("update", self._entity(row), {**conditional, "etag": etag}))
                               for row, etag in rows])

    def upsert_many(self, rows: Sequence[RowT]) -> list[Stored[RowT] | None]:
        """`upsert` of many rows in transactions (single-writer rows only, as `upsert`)."""
        return self._transact([(row, ("upsert", self._entity(row), {"mode": UpdateMode.REPLACE})) for row in rows])

    def _entity(self, row: RowT) -> dict[str, object]:
        pk, rk = self.keys_of(row)
        return to_entity(row, pk, rk)

    def _transact(self, ops: list[tuple[RowT, tuple[Any, ...]]]) -> list[Stored[RowT] | None]:
        """Run the operations a partition and MAX_TRANSACTION at a time. A transaction is all or nothing: one
        that fails on a row's race (exists, changed, gone) is sent again without the row it names, which is
        then tried on its own (the service's index of the failed operation is only a hint)."""
        out: list[Stored[RowT] | None] = [None] * len(ops)
        by_partition: dict[str, list[int]] = {}
        for index, (row, _) in enumerate(ops):
            by_partition.setdefault(self.keys_of(row)[0], []).append(index)
        for indexes in by_partition.values():
            keys = [self.keys_of(ops[i][0])[1] for i in indexes]
            if len(set(keys)) != len(keys):
                raise errors.InvariantBroken(f"{self._table_name}: one row twice in a transaction")
            for start in range(0, len(indexes), MAX_TRANSACTION):
                todo, alone = indexes[start:start + MAX_TRANSACTION], []
                while todo:
                    failed = self._submit(ops, todo, out)
                    if failed is None:
                        break
                    alone.append(todo[failed])
                    todo = todo[:failed] + todo[failed + 1:]
                for i in alone:
                    self._submit(ops, [i], out)
        return out

    def _submit(self, ops: list[tuple[RowT, tuple[Any, ...]]], todo: list[int],
                out: list[Stored[RowT] | None]) -> int | None:
        """One transaction of `todo`; None when written (into `out`), else the position in `todo` of the row
        whose race failed it (a single operation's race: nothing written, its `out` stays None)."""
        try:
            answers = self.table.submit_transaction([ops[i][1] for i in todo])
        except TableTransactionError as exc:
            failed = exc.index if isinstance(exc.index, int) and 0 <= exc.index < len(todo) else 0
            if exc.status_code not in _LOST_RACE:
                raise
            return None if len(todo) == 1 else failed
        for i, meta in zip(todo, answers, strict=True):
            out[i] = Stored(ops[i][0], _etag(meta))
        return None

    def delete(self, partition_key: str, row_key: str, etag: str | None = None) -> None:
        """Delete (conditionally when `etag` is given); deleting a missing row is not an error."""
        condition = MatchConditions.IfNotModified if etag is not None else MatchConditions.Unconditionally
        try:
            self.table.delete_entity(
                check_key(partition_key), check_key(row_key), etag=etag, match_condition=condition
            )
        except ResourceModifiedError as exc:
            raise errors.Conflict(f"{self._table_name} row {partition_key}/{row_key} changed") from exc
        except ResourceNotFoundError:
            return

    def query(
        self,
        partition_key: str,
        where: str | None = None,
        parameters: Mapping[str, object] | None = None,
        *,
        page_size: int = 1000,
    ) -> Iterator[Stored[RowT]]:
        """Rows of one partition, optionally filtered (OData, with @parameters)."""
        # The SDK substitutes @params by splitting on spaces, so the parentheses need spaces around them.
        flt = "PartitionKey eq @_pk" + (f" and ( {where} )" if where else "")
        params = {"_pk": check_key(partition_key), **(parameters or {})}
        for entity in self.table.query_entities(flt, parameters=params, results_per_page=page_size):
            yield Stored(from_entity(self._model, entity), _etag(entity.metadata))

    def query_any(self, partition_key: str, field: str, values: Sequence[object], *,
                  also: str | None = None, parameters: Mapping[str, object] | None = None) -> Iterator[Stored[RowT]]:
        """Rows of one partition whose `field` (RowKey or a property) is any of `values`: as few queries as
        the filter's comparison limit allows, not a read each. `also` (with its `parameters`) is or-ed into
        the first query. A row that matches two queries comes twice."""
        width = MAX_COMPARISONS - 1
        first = width - (1 if also else 0)
        parts = [list(values[:first])] + [list(values[i:i + width]) for i in range(first, len(values), width)]
        for n, part in enumerate(parts):
            clauses = [f"{field} eq @_v{i}" for i in range(len(part))]
            params: dict[str, object] = {f"_v{i}": value for i, value in enumerate(part)}
            if n == 0 and also:
                clauses.append(f"( {also} )")
                params.update(parameters or {})
            if clauses:
                yield from self.query(partition_key, " or ".join(clauses), params)

    def select(self, partition_key: str, fields: list[str], *, page_size: int = 1000) -> Iterator[dict[str, Any]]:
        """Only `fields` of every row of a partition, raw (a few bytes per row: counting large partitions)."""
        entities = self.table.query_entities("PartitionKey eq @pk", parameters={"pk": check_key(partition_key)},
                                             select=fields, results_per_page=page_size)
        for entity in entities:
            yield {name: entity.get(name) for name in fields}

    def mutate(
        self,
        partition_key: str,
        row_key: str,
        change: Callable[[RowT | None], RowT | None],
        *,
        attempts: int = DEFAULT_MUTATE_ATTEMPTS,
    ) -> Stored[RowT] | None:
        """Read-modify-write with retries on a lost race. `change(current)` returns the new row,
        or None to leave the table untouched. It may run several times, so it must be pure."""
        return self._mutate(partition_key, row_key, change, attempts)[0]

    def mutate_won(
        self,
        partition_key: str,
        row_key: str,
        change: Callable[[RowT | None], RowT | None],
        *,
        attempts: int = DEFAULT_MUTATE_ATTEMPTS,
    ) -> bool:
        """`mutate` for claims, leases and one-way flags: True when this call wrote the row, False when
        `change` declined on the row as it finally stood (another writer got there first)."""
        return self._mutate(partition_key, row_key, change, attempts)[1]

    def _mutate(self, partition_key: str, row_key: str, change: Callable[[RowT | None], RowT | None],
                attempts: int) -> tuple[Stored[RowT] | None, bool]:
        for _ in range(attempts):
            current = self.get(partition_key, row_key)
            new = change(current.row if current else None)
            if new is None:
                return current, False
            if self.keys_of(new) != (partition_key, row_key):
                raise errors.InvariantBroken("mutate() must not change a row's keys")
            try:
                return (self.create(new) if current is None else self.replace(new, current.etag)), True
            except errors.Conflict:
                continue
        raise errors.Conflict(f"{self._table_name} row {partition_key}/{row_key}: too many concurrent writers")
