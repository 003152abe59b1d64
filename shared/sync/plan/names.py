"""The name an item takes on the side it is written to, or why it cannot go there. Pure.

SharePoint gets the legal look-alike of a Procore name (shared.sync.naming); Procore takes
SharePoint names as they are. Temporary, lock and system files go nowhere. Never imports azure.functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from shared import errors
from shared.sync.naming import check_path_length, sharepoint_name, unsupported_reason
from shared.sync.plan.state import SideState
from shared.sync.plan.vocabulary import Kind, Side


@dataclass(frozen=True)
class Target:
    name: str | None    # None: the item cannot go there
    reason: str | None  # why not


def name_for(target: Side, state: SideState, sp_parent_path: str | None = None) -> Target:
    """The name `state`'s item gets on `target`, checking what the target side refuses."""
    folder = state.kind is Kind.FOLDER
    if not folder:
        reason = unsupported_reason(state.name)
        if reason:
            return Target(None, reason)
    if target is Side.PROCORE:
        return Target(state.name, None)
    try:
        legal = sharepoint_name(state.name, is_folder=folder)
        if sp_parent_path is not None:
            check_path_length(PurePosixPath("/", sp_parent_path, legal))
    except errors.ItemSkipped as exc:
        return Target(None, exc.reason)
    return Target(legal, None)


def same_name(procore_name: str, sp_name: str) -> bool:
    """Do the two sides' names say the same thing (the SharePoint one being the legal look-alike)?"""
    try:  # folders' rules: a file's unsupported type does not make its name differ
        return sharepoint_name(procore_name, is_folder=True) == sp_name
    except errors.ItemSkipped:
        return procore_name == sp_name
