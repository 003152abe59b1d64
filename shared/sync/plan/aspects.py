"""One aspect of an item's plan, for a runner that acts on that aspect alone (content, or name and place).

A content step (transfer) leaves renames and moves to the metadata step, and a metadata step leaves
content to the transfer step; both still ask the one planner, with the other aspect taken as agreed.
Pure: no I/O, no clock. Never imports azure.functions.
"""

from __future__ import annotations

from dataclasses import replace

from shared.sync.plan.planner import plan
from shared.sync.plan.state import PlanInput
from shared.sync.plan.vocabulary import Plan


def plan_content(inp: PlanInput) -> Plan:
    """The plan for the item's content: each side's current name and place count as agreed (the metadata
    step follows them), so only content, deletes and their conflicts are decided."""
    agreed = inp.agreed
    if agreed is None:
        return plan(inp)
    p, s = inp.procore, inp.sharepoint
    agreed = replace(agreed, procore_name=p.name if p else agreed.procore_name,
                     sp_name=s.name if s else agreed.sp_name)
    return plan(replace(inp, agreed=agreed, procore=None if p is None else replace(p, parent=agreed.parent),
                        sharepoint=None if s is None else replace(s, parent=agreed.parent)))


def plan_metadata(inp: PlanInput) -> Plan:
    """The plan for the item's name and place: content counts as agreed on both sides (the transfer step
    copies it), so only renames, moves and their conflicts are decided."""
    p, s = inp.procore, inp.sharepoint
    return plan(replace(inp, procore=None if p is None else replace(p, content_changed=False),
                        sharepoint=None if s is None else replace(s, content_changed=False)))
