"""Webhook resource names: the ones we register exist in Procore's catalogue (and so in the emulator),
and every delivery name maps back to its tool."""

from __future__ import annotations

from emulators.procore.webhooks import RESOURCES
from shared.models.api import DEFAULT_PROJECT_TOOLS, Mode, ToolKey
from shared.tools import TOOLS, tool_of, triggers_for


def test_every_tool_has_its_resources_and_they_are_real_names() -> None:
    assert all(TOOLS[tool].webhook_resources(company=False) for tool in ToolKey)
    project = {tool: TOOLS[tool].webhook_resources(company=False) for tool in ToolKey}
    company = {tool: TOOLS[tool].webhook_resources(company=True) for tool in ToolKey}
    assert set(n for names in project.values() for n in names) <= set(RESOURCES["project"])
    assert set(n for names in company.values() for n in names) <= set(RESOURCES["company"])
    for table in (project, company):
        for tool, names in table.items():
            assert all(tool_of(n) is tool for n in names)
    assert tool_of("Project File Versions") is ToolKey.DOCUMENTS and tool_of("Timesheets") is None


RECORDS = ("RFIs", "Submittals", "Drawings", "Forms", "Observation Items", "Inspection Checklists", "Incidents",
           "Work Order Contracts", "Purchase Order Contracts")


def test_triggers_cover_create_update_delete_of_live_tools_only() -> None:
    project = triggers_for(dict(DEFAULT_PROJECT_TOOLS), company=False)
    assert sorted(project) == sorted((n, e) for n in ("Project Folders", "Project Files", "Images", "Image Categories",
                                                      *RECORDS) for e in ("create", "update", "delete"))
    assert {n for n, _ in triggers_for({ToolKey.DOCUMENTS: Mode.ONE_WAY}, company=True)} == {
        "Company Folders", "Company Files"}
    off = {tool: Mode.OFF for tool in ToolKey}
    assert triggers_for(off, company=False) == []
    assert {n for n, _ in triggers_for({**off, ToolKey.RFIS: Mode.ONE_WAY}, company=False)} == {"RFIs"}
    assert {n for n, _ in triggers_for({**off, ToolKey.PHOTOS: Mode.TWO_WAY}, company=False)} == {
        "Images", "Image Categories"}
