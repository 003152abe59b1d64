"""The tool registry: capabilities agree with the contract (two-way and company tools), which tools sync
today, and a tool that cannot sync fails loudly if the engine ever reached it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared import errors
from shared.models.api import COMPANY_TOOLS, TWO_WAY_TOOLS, InitialSync, Mode, ToolKey
from shared.models.rows import ItemKind, LinkRow
from shared.tools import TOOLS, available_tools, fed_tools, tool_of, triggers_for
from shared.tools.pending import PendingTool

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


def test_every_tool_of_the_contract_syncs_today() -> None:
    assert available_tools() == [ToolKey.DOCUMENTS, ToolKey.PHOTOS, *RECORD_TOOLS]
    assert TOOLS[ToolKey.PHOTOS].capabilities.change_feed and not TOOLS[ToolKey.PHOTOS].capabilities.tree
    assert not TOOLS[ToolKey.PHOTOS].capabilities.versioned
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


def test_a_tool_that_cannot_sync_refuses_work() -> None:
    """Every contract tool syncs today; a tool registered as pending (the next one the contract adds) is
    known by its webhook resources but never fed or triggered, and fails loudly if the engine reached it."""
    adapter = PendingTool(ToolKey.RFIS, ("A Resource Not Synced Yet",))
    assert not adapter.capabilities.available
    assert adapter.kind_of_resource("A Resource Not Synced Yet") is None
    with pytest.raises(errors.InvariantBroken):
        adapter.get(None, LINK, "1", ItemKind.FILE)  # type: ignore[arg-type]
    with pytest.raises(errors.InvariantBroken):
        adapter.delete(None, LINK, "1", ItemKind.FILE)  # type: ignore[arg-type]
