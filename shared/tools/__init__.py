"""Tool adapters, one per tool key of contract §4, in one explicit registry (style R8).

Every key has an entry; a tool the product cannot sync yet is registered with `available=False`
(shared/tools/pending.py), refused at onboarding and shown "not available" in the link status. The
questions asked across tools (which tool a webhook delivery belongs to, which triggers a link needs,
which tools are fed or two-way) are answered here from the adapters. Never imports azure.functions.
"""

from __future__ import annotations

from shared.models.api import Mode, ToolKey
from shared.tools.base import ToolAdapter
from shared.tools.documents import DocumentsAdapter
from shared.tools.drawings import DrawingsAdapter
from shared.tools.pending import RESOURCES, PendingTool
from shared.tools.photos import PhotosAdapter
from shared.tools.record_kinds import RECORD_TOOLS
from shared.tools.records import RecordsAdapter

EVENTS: tuple[str, ...] = ("create", "update", "delete")

_SYNCING: list[ToolAdapter] = [DocumentsAdapter(), PhotosAdapter(), *(RecordsAdapter(tool) for tool in RECORD_TOOLS),
                               DrawingsAdapter()]
_ADAPTERS: list[ToolAdapter] = [*_SYNCING, *(PendingTool(key, names) for key, names in RESOURCES.items()
                                             if key not in {adapter.key for adapter in _SYNCING})]
TOOLS: dict[ToolKey, ToolAdapter] = {adapter.key: adapter for adapter in _ADAPTERS}


def is_available(tool: ToolKey) -> bool:
    return TOOLS[tool].capabilities.available


def available_tools() -> list[ToolKey]:
    """The tools that sync today, in contract order."""
    return [tool for tool in ToolKey if is_available(tool)]


def tool_of(resource_name: str) -> ToolKey | None:
    """The tool a webhook delivery's resource_name belongs to, or None for a resource we do not sync."""
    return next((tool for tool, adapter in TOOLS.items() if adapter.owns_resource(resource_name)), None)


def triggers_for(tools: dict[ToolKey, Mode], *, company: bool) -> list[tuple[str, str]]:
    """(resource_name, event_type) for every enabled tool that syncs, in a stable order."""
    return [(name, event) for tool in ToolKey if is_available(tool) and tools.get(tool, Mode.OFF) is not Mode.OFF
            for name in TOOLS[tool].webhook_resources(company=company) for event in EVENTS]


def private_tools(tools: dict[ToolKey, Mode]) -> list[ToolKey]:
    """The tools that are on and whose items may be private in Procore (include_private applies)."""
    return [tool for tool, mode in tools.items() if mode is not Mode.OFF and is_available(tool)
            and TOOLS[tool].capabilities.private_items]


def fed_tools(tools: dict[ToolKey, Mode]) -> list[ToolKey]:
    """The tools that are on and have a Procore change feed (reconciliation), in the link's order."""
    return [tool for tool, mode in tools.items() if mode is not Mode.OFF and is_available(tool)
            and TOOLS[tool].capabilities.change_feed]
