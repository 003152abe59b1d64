"""Conflict policy, pure: both sides changed since the last agreed state, with different content.

`newest_wins` (the default) keeps the most recently modified side; the loser is not lost, because
the winner is written as a new version on top of it and both systems keep version history. Both
directions apply the same rule to the same timestamps, so they agree on the winner whichever change
is processed first. Never imports azure.functions.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class Side(enum.StrEnum):
    PROCORE = "Procore"
    SHAREPOINT = "SharePoint"


@dataclass(frozen=True)
class Verdict:
    incoming_wins: bool
    reason: str


def newest_wins(incoming: Side, incoming_modified: datetime | None, other_modified: datetime | None) -> Verdict:
    """Does the incoming change overwrite the other side? Ties and unknown times favour the incoming
    change (it is the latest event we saw)."""
    other = Side.SHAREPOINT if incoming is Side.PROCORE else Side.PROCORE
    if incoming_modified is None or other_modified is None or incoming_modified >= other_modified:
        return Verdict(True, f"conflict: {incoming.value} is newer; {other.value}'s edit kept as a prior version")
    return Verdict(False, f"conflict: {other.value} is newer; {incoming.value}'s edit kept as a prior version")


def conflict_name(name: str, loser: Side, day: str) -> str:
    """`Plan.pdf` -> `Plan (Procore conflict 2026-11-28).pdf` (for the keep_both policy)."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return f"{name} ({loser.value} conflict {day})"
    return f"{stem} ({loser.value} conflict {day}).{ext}"
