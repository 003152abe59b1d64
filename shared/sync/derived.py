"""A source item that gives several SharePoint items (a record: its PDF, its attachments' folder, each
attachment), planned part by part: each part is an item of its own, keyed `<source>:<part>`, with its
own version and agreed row. Parts the source no longer has, or all of them once the source is gone,
are planned as deleted. Pure but for `synced_items`, which asks the adapter for the parts (style R3).
Never imports azure.functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from shared.models.rows import ItemKey, ItemRow, LinkRow
from shared.procore.client import ProcoreClient
from shared.sync.decide import Action, decide_procore_to_sp
from shared.tools.base import CompareVersions, SourceItem, ToolAdapter


def synced_items(adapter: ToolAdapter, client: ProcoreClient, link: LinkRow, item: SourceItem) -> list[SourceItem]:
    """The items one listed source item gives SharePoint: its parts for a tool with derived items, else
    the item itself (the adapter's only call here is `parts`, which may read Procore)."""
    return adapter.parts(client, link, item) if adapter.capabilities.derived_items else [item]


@dataclass(frozen=True)
class PartPlan:
    """What to do for one derived item."""

    key: ItemKey
    actions: list[Action]


def plan_parts(source: ItemKey, parts: Sequence[SourceItem], rows: Mapping[str, ItemRow],
               compare: CompareVersions) -> list[PartPlan]:
    """Plans for the `parts` a source item has now (the adapter's `parts()`; [] when the source is deleted)
    against `rows`, the recorded parts of that source by Procore id (shared.store.items.parts_of): the
    current parts in the adapter's order (containers before their contents), then the recorded parts
    that are gone, in key order."""
    plans: list[PartPlan] = []
    seen: set[str] = set()
    for part in parts:
        key = part.key
        if key.tool is not source.tool or key.source_id != source.source_id or key.part is None:
            raise ValueError(f"{key.row_key} is not a part of {source.row_key}")
        if key.procore_id in seen:
            raise ValueError(f"part {key.row_key} listed twice")
        seen.add(key.procore_id)
        plans.append(PartPlan(key, decide_procore_to_sp(part, rows.get(key.procore_id), compare)))
    for procore_id in sorted(set(rows) - seen):
        row = rows[procore_id]
        plans.append(PartPlan(row.key, decide_procore_to_sp(None, row, compare)))
    return plans
