"""Cheap check step (one link in regular sync, every PCSYNC_CHECK_SCHEDULE): the Procore half of the safety
net, run often so a dropped webhook costs minutes. Each tool with a change feed gets one watermark pass
(shared.sync.runners.reconcile.procore_passes: a closed `updated_at` range, de-duplicated by id, the hints
handed to detect before the watermark moves). The SharePoint half is one DriveDelta per drive, sent by
the timer's fan-out (shared.safety.checks), not per link. Never imports azure.functions.
"""

from __future__ import annotations

from shared.models.messages import CheckLink
from shared.models.rows import Stage
from shared.sync.context import LinkContext, Step
from shared.sync.runners.reconcile import procore_passes


def check_link(ctx: LinkContext, msg: CheckLink) -> int:
    """Run one check; returns how many Procore hints were enqueued."""
    if ctx.link.stage is not Stage.REGULAR:
        return 0                        # paused or still in its initial sync: the next check comes back
    hinted, more = procore_passes(ctx, msg, "check")
    if more:
        ctx.send(Step.DETECT, msg)      # over MAX_HINTS_PER_STEP: the rest in a fresh step
    return hinted
