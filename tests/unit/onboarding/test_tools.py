"""Tools the product cannot sync yet: refused when asked for, off by default, and shown as
`not_available`; mode changes the engine cannot carry out now are refused with a 422 that says so;
each tool's state follows the link and its counts (never `syncing`/`idle` for a tool that does nothing)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.models.api import CreateLinkRequest, Mode, ToolKey
from shared.models.rows import LinkRow, Stage
from shared.onboarding.schemas import StateCounts, ToolState
from shared.onboarding.tools import changed_tools, creation_tools, link_tool_status, tool_status
from shared.onboarding.web import ApiProblem
from shared.tools import available_tools, is_available

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SP = {"site_id": "s", "drive_id": "d", "folder_path": "P"}
UNAVAILABLE = [t for t in ToolKey if not is_available(t)]


def _link(stage: Stage = Stage.REGULAR, company: bool = False, **tools: Mode) -> LinkRow:
    return LinkRow(tenant_id="t", link_id="l", procore_company_id=1, procore_project_id=None if company else 101,
                   project_name="P", site_id="s", drive_id="d", folder_path="P", initial_sync="standard",
                   tools={ToolKey(k): v for k, v in (tools or {"documents": Mode.TWO_WAY}).items()}, stage=stage,
                   created_at=NOW, updated_at=NOW)


def test_defaults_hold_only_tools_that_sync() -> None:
    tools = creation_tools(CreateLinkRequest.model_validate({"procore_project_id": 1, "sharepoint": SP}))
    assert set(tools) == set(ToolKey)
    assert {t for t, m in tools.items() if m is not Mode.OFF} == set(available_tools())
    assert all(tools[t] is Mode.OFF for t in UNAVAILABLE)


@pytest.mark.parametrize("tool", list(ToolKey))
def test_every_contract_tool_can_be_asked_for_one_way_or_off(tool: ToolKey) -> None:
    """Every tool syncs today (issues 13 and 14): none is refused as `tool_not_available` at creation."""
    request = CreateLinkRequest.model_validate({"procore_project_id": 1, "sharepoint": SP,
                                                "tools": {tool.value: "one_way"}})
    assert creation_tools(request)[tool] is Mode.ONE_WAY
    off = CreateLinkRequest.model_validate({"procore_project_id": 1, "sharepoint": SP, "tools": {tool.value: "off"}})
    assert creation_tools(off)[tool] is Mode.OFF


@pytest.mark.parametrize(("before", "after"), [(Mode.TWO_WAY, Mode.ONE_WAY), (Mode.ONE_WAY, Mode.TWO_WAY),
                                               (Mode.TWO_WAY, Mode.OFF), (Mode.ONE_WAY, Mode.OFF)])
def test_supported_changes_are_applied(before: Mode, after: Mode) -> None:
    assert changed_tools(_link(documents=before), {ToolKey.DOCUMENTS: after})[ToolKey.DOCUMENTS] is after


@pytest.mark.parametrize(("link", "wanted", "status", "code"), [
    (_link(documents=Mode.OFF), {ToolKey.DOCUMENTS: Mode.TWO_WAY}, 422, "transition_not_supported"),
    (_link(), {ToolKey.PHOTOS: Mode.TWO_WAY}, 422, "transition_not_supported"),    # off before, as RFIs
    (_link(), {ToolKey.RFIS: Mode.ONE_WAY}, 422, "transition_not_supported"),      # off before: needs its own copy
    (_link(), {ToolKey.RFIS: Mode.TWO_WAY}, 422, "invalid_request"),
    (_link(company=True), {ToolKey.PHOTOS: Mode.OFF}, 422, "invalid_request"),
    (_link(Stage.INITIAL_SYNC), {ToolKey.DOCUMENTS: Mode.ONE_WAY}, 409, "initial_sync_running"),
    (_link(Stage.DELETED), {ToolKey.DOCUMENTS: Mode.ONE_WAY}, 409, "link_stopped"),
])
def test_unsupported_changes_are_refused(link: LinkRow, wanted: dict[ToolKey, Mode], status: int, code: str) -> None:
    with pytest.raises(ApiProblem) as raised:
        changed_tools(link, wanted)
    assert (raised.value.status, raised.value.code) == (status, code)


def test_tool_states_follow_the_link_and_the_counts() -> None:
    idle, busy, bad = StateCounts(synced=3), StateCounts(synced=1, pending=2), StateCounts(synced=1, failed=1)
    assert tool_status(_link(), ToolKey.DOCUMENTS, idle).state is ToolState.IDLE
    assert tool_status(_link(), ToolKey.DOCUMENTS, busy).state is ToolState.SYNCING
    assert tool_status(_link(Stage.INITIAL_SYNC), ToolKey.DOCUMENTS, idle).state is ToolState.SYNCING
    failed = tool_status(_link(), ToolKey.DOCUMENTS, bad)
    assert failed.state is ToolState.ERROR and failed.reason and "1 item(s) failed" in failed.reason
    paused = _link(Stage.PAUSED).model_copy(update={"stage_reason": "folder gone"})
    assert tool_status(paused, ToolKey.DOCUMENTS, idle).model_dump(include={"state", "reason"}) == \
        {"state": ToolState.PAUSED, "reason": "folder gone"}
    assert tool_status(_link(documents=Mode.OFF), ToolKey.DOCUMENTS, idle).state is ToolState.OFF
    for tool in UNAVAILABLE:
        assert tool_status(_link(), tool, StateCounts()).state is ToolState.NOT_AVAILABLE
        assert not is_available(tool)


def test_every_tool_key_is_listed_for_a_project_link_and_documents_for_a_company_link() -> None:
    assert set(link_tool_status(_link(), {})) == set(ToolKey)
    assert set(link_tool_status(_link(company=True), {})) == {ToolKey.DOCUMENTS}
    counts = link_tool_status(_link(), {"documents": StateCounts(synced=4)})[ToolKey.DOCUMENTS].counts
    assert counts.synced == 4
