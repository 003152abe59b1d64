"""Row model <-> table entity conversion (pure)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from azure.data.tables import EdmType, EntityProperty
from pydantic import BaseModel

from shared.models.rows import Row
from shared.store.entity import from_entity, to_entity
from shared.store.tables import check_key


class Inner(BaseModel):
    a: int
    b: list[str]


class Sample(Row):
    name: str
    size: int
    ratio: float = 0.5
    flag: bool = False
    when: datetime | None = None
    tags: dict[str, str] = {}
    inner: Inner | None = None
    missing: str | None = None


def test_round_trip_keeps_every_field_including_nested_and_large_ints() -> None:
    row = Sample(name="a.pdf", size=5 * 2**31, when=datetime(2026, 1, 2, tzinfo=timezone.utc),
                 tags={"k": "v"}, inner=Inner(a=1, b=["x"]))
    entity = to_entity(row, "pk", "rk")
    assert entity["PartitionKey"] == "pk" and entity["RowKey"] == "rk"
    assert entity["size"] == EntityProperty(5 * 2**31, EdmType.INT64)
    assert "inner__json" in entity and "tags__json" in entity
    assert "missing" not in entity
    assert from_entity(Sample, entity) == row


def test_reserved_names_are_refused() -> None:
    class Bad(Row):
        Timestamp: str

    with pytest.raises(ValueError, match="Timestamp"):
        to_entity(Bad(Timestamp="x"), "pk", "rk")


@pytest.mark.parametrize("key", ["a/b", "a\\b", "a#b", "a?b", "a\tb"])
def test_forbidden_key_characters_are_refused(key: str) -> None:
    with pytest.raises(ValueError, match="forbids"):
        check_key(key)


def test_ordinary_keys_pass() -> None:
    assert check_key("documents:123") == "documents:123"
