"""What a runner hands the planner besides the two sides (the link's mode for the tool, the tenant's
settings and today's date for keep-both names), and the parts of a plan both directions carry out the same
way (its conflict, keep_both's copy). The runners read the clock here, the planner never does.
Never imports azure.functions.
"""

from __future__ import annotations

from datetime import UTC, datetime

from shared import errors
from shared.graph import upload as sp_upload
from shared.models.api import ToolKey
from shared.models.messages import Lane, SpToProcore
from shared.sync.conflict import Side
from shared.sync.context import LinkContext, Step
from shared.sync.decide import policy_of
from shared.sync.plan.state import Policy
from shared.sync.plan.vocabulary import Action, ActionKind, Plan


def policy_for(ctx: LinkContext, tool: ToolKey) -> Policy:
    """The planner's policy for one of the link's tools, in regular sync (its mode as the tenant's direction
    leaves it: a one-way tenant makes a two-way tool one-way)."""
    return policy_of(ctx.tenant.settings, ctx.modes.get(tool), datetime.now(UTC).date().isoformat())


def conflict_of(planned: Plan) -> Action | None:
    """The plan's conflict resolution, if it resolves one (its reason is the `conflict` activity's detail)."""
    return next((a for a in planned.actions if a.conflict), None)


def copy_beside(planned: Plan) -> tuple[Action | None, bool]:
    """keep_both's copy of the loser to write beside the winner in SharePoint (None: the plan keeps none),
    and whether the plan writes it in Procore too."""
    copies = [a for a in planned.actions if a.kind is ActionKind.KEEP_BOTH_COPY]
    return next((a for a in copies if a.target is Side.SHAREPOINT), None), any(a.target is Side.PROCORE for a in copies)


def write_beside(ctx: LinkContext, tool: ToolKey, lane: Lane, parent_id: str | None, copy: Action,
                 content: sp_upload.Content, to_procore: bool) -> None:
    """Write keep_both's copy (the loser's `content`) beside the winner in SharePoint under the planned name;
    when the plan writes it in Procore too, hand the new file to SharePoint -> Procore like any new file."""
    if parent_id is None or copy.name is None:
        raise errors.InvariantBroken("a keep-both copy without a SharePoint parent or a name")
    written = sp_upload.upload_new(ctx.graph, ctx.drive_id, parent_id, copy.name, content, conflict="replace")
    if written.item is not None and to_procore:
        ctx.send(Step.TRANSFER, SpToProcore(tenant_id=ctx.link.tenant_id, link_id=ctx.link.link_id, lane=lane,
                                            tool=tool, sp_item_id=written.item.id))
