"""Conversion between pydantic row models and Table Storage entities.

Scalars map to typed properties; every int is written as Int64 (file sizes pass 2**31); nested
values (dicts, lists, sub-models) are stored as JSON under `<field>__json`, because Table Storage has
no nested types. Never imports azure.functions.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, TypeVar

from azure.data.tables import EdmType, EntityProperty
from pydantic import BaseModel

JSON_SUFFIX = "__json"
RESERVED = frozenset({"PartitionKey", "RowKey", "Timestamp", "etag"})

RowT = TypeVar("RowT", bound=BaseModel)


def to_entity(row: BaseModel, partition_key: str, row_key: str) -> dict[str, object]:
    entity: dict[str, object] = {"PartitionKey": partition_key, "RowKey": row_key}
    for name, value in row.model_dump(mode="python").items():
        if name in RESERVED:
            raise ValueError(f"row field {name!r} collides with a Table Storage system property")
        if value is None:
            continue
        if isinstance(value, bool | str | float | datetime):
            entity[name] = value
        elif isinstance(value, int):
            entity[name] = EntityProperty(value, EdmType.INT64)
        else:
            entity[name + JSON_SUFFIX] = json.dumps(_jsonable(row, name), separators=(",", ":"))
    return entity


def _jsonable(row: BaseModel, name: str) -> Any:
    return row.model_dump(mode="json", include={name})[name]


def from_entity(model: type[RowT], entity: dict[str, Any]) -> RowT:
    data: dict[str, Any] = {}
    for key, value in entity.items():
        if key in RESERVED:
            continue
        if isinstance(value, EntityProperty):
            value = value.value
        if key.endswith(JSON_SUFFIX):
            data[key[: -len(JSON_SUFFIX)]] = json.loads(value)
        else:
            data[key] = value
    return model.model_validate(data)
