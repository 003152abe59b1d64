"""Procore webhook `resource_name`s per tool (reference procore-api.md §8.2), both directions.

`triggers_for` says which (resource_name, event_type) pairs a link registers; `tool_of` maps a
delivery back to its ToolKey. Names are case- and space-sensitive. Only the tools in LIVE_TOOLS get
triggers today (the live pipeline handles Documents); adding a tool there is all registration
needs. Never imports azure.functions.
"""

from __future__ import annotations

from shared.models.api import Mode, ToolKey

EVENTS: tuple[str, ...] = ("create", "update", "delete")
# "Project File Versions" is left out on purpose: a new version also fires "Project Files" update,
# and one event per change is enough (the detect step re-reads the file anyway).
PROJECT_RESOURCES: dict[ToolKey, tuple[str, ...]] = {
    ToolKey.DOCUMENTS: ("Project Folders", "Project Files"),
    ToolKey.PHOTOS: ("Images", "Image Categories"),
    ToolKey.RFIS: ("RFIs", "RFI Replies"),
    ToolKey.SUBMITTALS: ("Submittals", "Submittal Packages"),
    ToolKey.DRAWINGS: ("Drawings", "Drawing Sets", "Drawing Areas", "Drawing Uploads"),
    ToolKey.FORMS: ("Forms",),
    ToolKey.OBSERVATIONS: ("Observation Items", "Observation Item Response Logs"),
    ToolKey.INSPECTIONS: ("Inspection Checklists", "Inspection Logs"),
    ToolKey.INCIDENTS: ("Incidents",),
    ToolKey.COMMITMENTS: ("Work Order Contracts", "Work Order Contract Line Items", "Purchase Order Contracts",
                          "Purchase Order Contract Line Items"),
}
COMPANY_RESOURCES: dict[ToolKey, tuple[str, ...]] = {
    ToolKey.DOCUMENTS: ("Company Folders", "Company Files"),
}
# Names that also belong to a tool when they arrive (a version event, if a hook was set up with it).
_ALSO: dict[str, ToolKey] = {
    "Project File Versions": ToolKey.DOCUMENTS,
    "Company File Versions": ToolKey.DOCUMENTS,
}
LIVE_TOOLS: frozenset[ToolKey] = frozenset({ToolKey.DOCUMENTS})

_TOOL_OF: dict[str, ToolKey] = {
    **{name: tool for table in (PROJECT_RESOURCES, COMPANY_RESOURCES) for tool, names in table.items()
       for name in names},
    **_ALSO,
}


def tool_of(resource_name: str) -> ToolKey | None:
    """The tool a delivery's resource_name belongs to, or None for a resource we do not sync."""
    return _TOOL_OF.get(resource_name)


def triggers_for(tools: dict[ToolKey, Mode], *, company: bool) -> list[tuple[str, str]]:
    """(resource_name, event_type) for every enabled live tool, in a stable order."""
    table = COMPANY_RESOURCES if company else PROJECT_RESOURCES
    return [(name, event) for tool in ToolKey if tool in LIVE_TOOLS and tools.get(tool, Mode.OFF) is not Mode.OFF
            for name in table.get(tool, ()) for event in EVENTS]
