"""The tool registry: capabilities agree with the contract (two-way and company tools), which tools sync
today, and a tool that cannot sync fails loudly if the engine ever reached it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared import errors
from shared.models.api import COMPANY_TOOLS, TWO_WAY_TOOLS, InitialSync, Mode, ToolKey
from shared.models.rows import ItemKind, LinkRow
from shared.tools import TOOLS, available_tools, fed_tools, is_available, tool_of, triggers_for

NOW = datetime(2026, 1, 1, tzinfo=UTC)
RECORD_TOOLS = [ToolKey.RFIS, ToolKey.SUBMITTALS, ToolKey.DRAWINGS, ToolKey.FORMS, ToolKey.OBSERVATIONS,
                ToolKey.INSPECTIONS, ToolKey.INCIDENTS, ToolKey.COMMITMENTS]   # all eight, in contract order
LINK = LinkRow(tenant_id="t", link_id="l", procore_company_id=1, procore_project_id=101, project_name="P",
               site_id="s", drive_id="d", folder_path="f", initial_sync=InitialSync.STANDARD,
               tools={ToolKey.PHOTOS: Mode.TWO_WAY}, created_at=NOW, updated_at=NOW)


def test_capabilities_agree_with_the_contract() -> None:
    assert {k for k, a in TOOLS.items() if a.capabilities.two_way} == TWO_WAY_TOOLS
    assert {k for k, a in TOOLS.items() if a.capabilities.company} == COMPANY_TOOLS
    for key, adapter in TOOLS.items():
        assert (Mode.TWO_WAY in adapter.allowed_modes) is adapter.capabilities.two_way, key


def test_documents_and_the_record_tools_built_so_far_sync_today() -> None:
    assert available_tools() == [ToolKey.DOCUMENTS, *RECORD_TOOLS]
    assert TOOLS[ToolKey.DOCUMENTS].capabilities.change_feed and TOOLS[ToolKey.DOCUMENTS].capabilities.tree


@pytest.mark.parametrize("tool", RECORD_TOOLS)
def test_a_record_tool_is_one_way_derived_fed_and_triggered_by_its_own_resource(tool: ToolKey) -> None:
    adapter = TOOLS[tool]
    assert adapter.allowed_modes == {Mode.ONE_WAY, Mode.OFF}
    assert adapter.capabilities.derived_items and adapter.capabilities.change_feed and not adapter.capabilities.two_way
    assert fed_tools({tool: Mode.ONE_WAY}) == [tool] and fed_tools({tool: Mode.OFF}) == []
    triggers = triggers_for({tool: Mode.ONE_WAY}, company=False)
    assert {event for _, event in triggers} == {"create", "update", "delete"}
    assert all(tool_of(name) is tool and adapter.kind_of_resource(name) is ItemKind.FILE for name, _ in triggers)
    assert adapter.webhook_resources(company=True) == ()
    with pytest.raises(errors.InvariantBroken):    # one-way: nothing is ever written to Procore
        adapter.delete(None, LINK, "1", ItemKind.FILE)  # type: ignore[arg-type]


@pytest.mark.parametrize("tool", [t for t in ToolKey if not is_available(t)])
def test_a_tool_that_cannot_sync_is_never_fed_or_triggered_and_refuses_work(tool: ToolKey) -> None:
    adapter = TOOLS[tool]
    assert fed_tools({tool: Mode.ONE_WAY}) == [] and triggers_for({tool: Mode.ONE_WAY}, company=False) == []
    assert all(tool_of(name) is tool for name in adapter.webhook_resources(company=False))
    assert adapter.kind_of_resource(adapter.webhook_resources(company=False)[0]) is None
    with pytest.raises(errors.InvariantBroken):
        adapter.get(None, LINK, "1", ItemKind.FILE)  # type: ignore[arg-type]
    with pytest.raises(errors.InvariantBroken):
        adapter.delete(None, LINK, "1", ItemKind.FILE)  # type: ignore[arg-type]
