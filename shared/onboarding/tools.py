"""Which tools a link may use and what each is doing: pure decisions over the TOOLS registry.

A tool whose adapter in shared.tools.TOOLS says `available=False` is "not available yet": refused
with a 422 when asked for anything but `off`, and off by default. A change of mode on an existing
link is accepted only when the engine can carry it out now (on <-> one/two-way within a tool that
syncs, anything -> off); a tool turned on later would need its own initial copy, which is refused
with a 422 that says so. Never imports azure.functions.
"""

from __future__ import annotations

from shared.models.api import CreateLinkRequest, Mode, ToolKey
from shared.models.rows import LinkRow, Stage
from shared.onboarding.schemas import StateCounts, ToolState, ToolStatus
from shared.onboarding.web import ApiProblem
from shared.tools import TOOLS, available_tools, is_available


def _not_available(tool: ToolKey) -> ApiProblem:
    return ApiProblem.on_field(
        422, "tool_not_available", f"tools.{tool.value}",
        f"The {tool.value} tool cannot be synced yet by this product; set it to \"off\" or leave it out. "
        f"Tools that sync today: {', '.join(sorted(t.value for t in available_tools()))}.")


def creation_tools(request: CreateLinkRequest) -> dict[ToolKey, Mode]:
    """The modes a new link stores: the request's, over the product defaults; a tool that cannot sync
    yet is off (and asking for it is a 422)."""
    for tool, mode in request.tools.items():
        if mode is not Mode.OFF and not is_available(tool):
            raise _not_available(tool)
    return {tool: (mode if is_available(tool) else Mode.OFF) for tool, mode in request.effective_tools.items()}


def changed_tools(link: LinkRow, wanted: dict[ToolKey, Mode]) -> dict[ToolKey, Mode]:
    """The link's modes after a PATCH of `wanted`, or an ApiProblem naming the first refused tool."""
    company = link.procore_project_id is None
    if link.stage is Stage.INITIAL_SYNC:
        raise ApiProblem(409, "initial_sync_running", "The link's initial sync is still running; change its "
                         "tools once it is in regular sync (or pause it first).")
    if link.stage not in (Stage.REGULAR, Stage.PAUSED):
        raise ApiProblem(409, "link_stopped", f"The link is {link.stage.value}; its tools cannot change.")
    result = dict(link.tools)
    for tool, mode in wanted.items():
        field = f"tools.{tool.value}"
        if company and not TOOLS[tool].capabilities.company:
            raise ApiProblem.on_field(422, "invalid_request", field, "a company link syncs only documents")
        if mode is Mode.TWO_WAY and not TOOLS[tool].capabilities.two_way:
            raise ApiProblem.on_field(422, "invalid_request", field, "two_way is only for documents and photos")
        if mode is not Mode.OFF and not is_available(tool):
            raise _not_available(tool)
        current = link.tools.get(tool, Mode.OFF)
        if current is Mode.OFF and mode is not Mode.OFF:
            raise ApiProblem.on_field(
                422, "transition_not_supported", field,
                f"Turning {tool.value} on for an existing link is not supported yet (it needs its own initial "
                "copy). Create a new link for it, or delete and re-create this one.")
        result[tool] = mode
    return result


def tool_status(link: LinkRow, tool: ToolKey, counts: StateCounts) -> ToolStatus:
    """What one tool of the link is doing: never `syncing` or `idle` for a tool that does nothing."""
    mode = link.tools.get(tool, Mode.OFF)
    state, reason = _state(link, tool, mode, counts)
    return ToolStatus(mode=mode, state=state, reason=reason, counts=counts)


def _state(link: LinkRow, tool: ToolKey, mode: Mode, counts: StateCounts) -> tuple[ToolState, str | None]:
    if not is_available(tool):
        return ToolState.NOT_AVAILABLE, "this product cannot sync this tool yet"
    if mode is Mode.OFF:
        return ToolState.OFF, None
    if link.stage is Stage.PAUSED:
        return ToolState.PAUSED, link.stage_reason
    if link.stage is Stage.FAILED:
        return ToolState.ERROR, link.stage_reason or "the link failed"
    if link.stage is Stage.DELETED:
        return ToolState.OFF, "the link was stopped"
    if counts.failed:
        return ToolState.ERROR, f"{counts.failed} item(s) failed; see the link's activity for each reason"
    if link.stage is Stage.INITIAL_SYNC or counts.pending:
        return ToolState.SYNCING, None
    return ToolState.IDLE, None


def link_tool_status(link: LinkRow, by_tool: dict[str, StateCounts]) -> dict[ToolKey, ToolStatus]:
    """Every tool key of contract §4 (a company link: documents), with its mode, state and counts."""
    company = link.procore_project_id is None
    keys = [tool for tool in ToolKey if TOOLS[tool].capabilities.company or not company]
    return {tool: tool_status(link, tool, by_tool.get(tool.value, StateCounts())) for tool in keys}
