"""Procore change feeds and hints: the resource_name an adapter gives an item kind maps back to that kind
(for project and company links), and only tools that sync and have a feed are reconciled."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.models.api import InitialSync, Mode, ToolKey
from shared.models.messages import DETECT, CheckLink, ReconcileLink, RenewLink
from shared.models.rows import ItemKind, LinkRow
from shared.tools import TOOLS, fed_tools

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _link(project: int | None) -> LinkRow:
    return LinkRow(tenant_id="t", link_id="l", procore_company_id=1, procore_project_id=project, project_name="P",
                   site_id="s", drive_id="d", folder_path="f", initial_sync=InitialSync.STANDARD,
                   tools={ToolKey.DOCUMENTS: Mode.TWO_WAY}, created_at=NOW, updated_at=NOW)


@pytest.mark.parametrize("project", [101, None])
@pytest.mark.parametrize("kind", list(ItemKind))
def test_hint_resource_names_map_back_to_the_item_kind(project: int | None, kind: ItemKind) -> None:
    for adapter in (a for a in TOOLS.values() if a.capabilities.available):
        if (adapter.capabilities.derived_items and kind is ItemKind.FOLDER) or \
                (project is None and not adapter.capabilities.company):
            continue      # a record tool's feed names its records (files); a company link has Documents only
        name = adapter.resource_name(_link(project), kind)
        assert adapter.kind_of_resource(name) is kind
        if adapter.capabilities.company:   # a tool at both levels says which in its names
            assert name.startswith("Project " if project else "Company ")


def test_only_available_tools_with_a_feed_are_fed() -> None:
    every = {tool: Mode.ONE_WAY for tool in ToolKey}
    assert fed_tools(every) == [t for t in ToolKey
                                if TOOLS[t].capabilities.available and TOOLS[t].capabilities.change_feed]
    assert {ToolKey.DOCUMENTS, ToolKey.PHOTOS, ToolKey.RFIS} <= set(fed_tools(every))
    others = [t for t in fed_tools(every) if t is not ToolKey.DOCUMENTS]
    assert fed_tools({**every, ToolKey.DOCUMENTS: Mode.OFF}) == others
    assert fed_tools({tool: Mode.OFF for tool in ToolKey}) == []


def test_the_safety_messages_travel_on_the_detect_queue() -> None:
    for message in (RenewLink(tenant_id="t", link_id="l"), ReconcileLink(tenant_id="t", link_id="l", graph=False),
                    CheckLink(tenant_id="t", link_id="l")):
        assert DETECT.validate_json(message.model_dump_json()) == message
