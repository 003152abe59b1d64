"""When is a link's initial sync complete, and what does its email say? Pure (style R3, R10).

Completion depends on every tool enabled on the link finishing its initial part, never on one tool by
name: a tool with nothing to copy (no adapter yet, or an empty source) finishes at once, so a link
without Documents completes too. Never imports azure.functions; no I/O, no clock.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from shared.models.api import InitialSync, Mode, ToolKey


class Completion(enum.StrEnum):
    WAITING = "waiting"                  # a tool is still enumerating, or items are still pending
    START_SP_PHASE = "start_sp_phase"    # from SharePoint: copy what exists only in SharePoint first
    COMPLETE = "complete"                # switch to regular sync and send the email (once)


@dataclass(frozen=True)
class InitialProgress:
    tools: Mapping[ToolKey, Mode]        # the link's tools and their modes
    finished: Collection[ToolKey]        # tools whose initial part is done (enumerated, or nothing to copy)
    pending: bool                        # any item still waiting for its initial copy
    initial_sync: InitialSync = InitialSync.STANDARD
    sp_enumeration: str | None = None    # from_sharepoint: None | "started" | "done"


@dataclass(frozen=True)
class Email:
    subject: str
    body: str


def enabled_tools(tools: Mapping[ToolKey, Mode]) -> set[ToolKey]:
    return {tool for tool, mode in tools.items() if mode is not Mode.OFF}


def decide_completion(progress: InitialProgress) -> Completion:
    """Complete once every enabled tool finished and nothing is pending (a link with no enabled tool
    has nothing to copy: complete at once); from SharePoint adds the SharePoint-only phase first."""
    if not enabled_tools(progress.tools) <= set(progress.finished) or progress.pending:
        return Completion.WAITING
    if progress.initial_sync is InitialSync.FROM_SHAREPOINT and progress.sp_enumeration != "done":
        return Completion.START_SP_PHASE if progress.sp_enumeration is None else Completion.WAITING
    return Completion.COMPLETE


def is_one_way(tools: Mapping[ToolKey, Mode]) -> bool:
    """Every enabled tool copies Procore -> SharePoint only (a link with none enabled is not one-way)."""
    enabled = enabled_tools(tools)
    return bool(enabled) and all(tools[tool] is Mode.ONE_WAY for tool in enabled)


def initial_sync_email(name: str, tools: Mapping[ToolKey, Mode], *, company: bool) -> Email:
    """The email sent when the initial sync completes (the wording is the README's published policy).

    `name` is the Procore project's name, or the company's for a company Documents link."""
    direction = "One way" if is_one_way(tools) else "Two way"
    what = f"the company documents of {name}" if company else f"project {name}"
    source = f"the company documents of Procore company {name}" if company else f"Procore project {name}"
    flow = ("Changes in Procore now reach SharePoint within seconds." if direction == "One way"
            else "Changes on either side now sync within seconds.")
    return Email(subject=f"{direction} sync initiated for {what}",
                 body=f"The initial sync of {source} to SharePoint is complete. {flow}")
