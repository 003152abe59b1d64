"""What a runner hands the planner besides the two sides: the link's mode for the tool, the tenant's
settings and today's date (keep-both names). The runners read the clock here, the planner never does.
Never imports azure.functions.
"""

from __future__ import annotations

from datetime import UTC, datetime

from shared.models.api import ToolKey
from shared.sync.context import LinkContext
from shared.sync.decide import policy_of
from shared.sync.plan.state import Policy
from shared.sync.plan.vocabulary import Action, Plan


def policy_for(ctx: LinkContext, tool: ToolKey) -> Policy:
    """The planner's policy for one of the link's tools, in regular sync."""
    return policy_of(ctx.tenant.settings, ctx.link.tools.get(tool), datetime.now(UTC).date().isoformat())


def conflict_of(planned: Plan) -> Action | None:
    """The plan's conflict resolution, if it resolves one (its reason is the `conflict` activity's detail)."""
    return next((a for a in planned.actions if a.conflict), None)
