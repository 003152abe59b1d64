"""Pausing and resuming a link, the one place that does it (the dispatcher's automatic pause, the
drive's delta run, the API and the periodic check all come here; the decisions are in shared/sync/pausing.py).

A pause records the stage to go back to, its cause and an id; only the writer that flipped the row
(mutate_won) records the activity event and queues the one email (its notification id is the pause
id, so duplicate deliveries send it once). A resume restores the stage and queues a reconciliation
of the link, so nothing done while it was paused is missed. Never imports azure.functions.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from shared import errors
from shared.graph import items as sp_items
from shared.graph import sites
from shared.models.messages import CheckCompletion, ReconcileLink, SendNotification
from shared.models.rows import LinkRow, Stage
from shared.sync import pausing
from shared.sync.context import LinkContext, Step
from shared.sync.pausing import Diagnosis, PauseCause

log = logging.getLogger("pcsync.sync")
_RUNNING = (Stage.INITIAL_SYNC, Stage.REGULAR)


def _dims(link: LinkRow) -> dict[str, str]:
    return {"tenant_id": link.tenant_id, "link_id": link.link_id}


def pause_link(ctx: LinkContext, diagnosis: Diagnosis) -> bool:
    """Pause a running link for `diagnosis`; True if this call paused it (and so sent its email).

    A link already paused keeps its first cause, except that a pause by request takes over an automatic
    one (so it no longer resumes by itself), without a second email."""
    pause_id, now = uuid.uuid4().hex[:16], datetime.now(UTC)
    reason = diagnosis.reason[:pausing.MAX_REASON]

    def change(current: LinkRow | None) -> LinkRow | None:
        if current is None:
            return None
        if current.stage is Stage.PAUSED and diagnosis.cause is PauseCause.BY_REQUEST \
                and current.pause_cause != PauseCause.BY_REQUEST.value:
            return current.model_copy(update={"pause_cause": diagnosis.cause.value, "stage_reason": reason,
                                              "updated_at": now})
        if current.stage not in _RUNNING:
            return None
        return current.model_copy(update={"stage": Stage.PAUSED, "stage_reason": reason, "paused_from": current.stage,
                                          "pause_cause": diagnosis.cause.value, "pause_id": pause_id,
                                          "paused_at": now, "updated_at": now})

    repos = ctx.services.repos
    if not repos.links.mutate_won(ctx.link.tenant_id, ctx.link.link_id, change):
        ctx.reload_link()
        return False
    link = ctx.reload_link()
    if link.pause_id != pause_id:      # a pause by request took over an existing pause: no new email
        repos.record_activity(repos.new_activity(link.link_id, "paused", detail=reason))
        return False
    log.warning("link paused (%s): %s", diagnosis.cause.value, reason, extra=_dims(link))
    repos.record_activity(repos.new_activity(link.link_id, "paused", detail=reason))
    if diagnosis.cause is not PauseCause.BY_REQUEST:     # the one email of an automatic pause
        subject, body = pausing.pause_mail(link.project_name, link.folder_path, reason)
        ctx.send(Step.NOTIFY, SendNotification(tenant_id=link.tenant_id, link_id=link.link_id,
                                               notification_id=f"paused-{pause_id}", subject=subject, body=body))
    return True


def resume_link(ctx: LinkContext, *, only_cause: PauseCause | None = None, how: str = "through the API") -> bool:
    """Back to the stage the link paused from, then a reconciliation; True if this call resumed it.
    `only_cause`: resume only a link paused for that cause (the automatic resume)."""
    now = datetime.now(UTC)

    def change(current: LinkRow | None) -> LinkRow | None:
        if current is None or current.stage is not Stage.PAUSED:
            return None
        if only_cause is not None and current.pause_cause != only_cause.value:
            return None
        back = current.paused_from if current.paused_from in _RUNNING else Stage.REGULAR
        return current.model_copy(update={"stage": back, "stage_reason": None, "paused_from": None,
                                          "pause_cause": None, "pause_id": None, "paused_at": None,
                                          "updated_at": now})

    repos = ctx.services.repos
    before = ctx.link
    if not repos.links.mutate_won(ctx.link.tenant_id, ctx.link.link_id, change):
        ctx.reload_link()
        return False
    link = ctx.reload_link()
    detail = f"resumed {how}" + (f" (was: {before.pause_cause})" if before.pause_cause else "")
    repos.record_activity(repos.new_activity(link.link_id, "resumed", detail=detail))
    log.info("link %s", detail, extra=_dims(link))
    if link.stage is Stage.REGULAR:    # what happened meanwhile on either side
        ctx.send(Step.DETECT, ReconcileLink(tenant_id=link.tenant_id, link_id=link.link_id))
    else:
        ctx.send(Step.DETECT, CheckCompletion(tenant_id=link.tenant_id, link_id=link.link_id))
    return True


# ---- checks -------------------------------------------------------------------------------------------
def _own_folders(link: LinkRow) -> list[tuple[str, str]]:
    """(item id, path) of the link's folder and of its tools' folders below it, by id."""
    folders = [(link.root_item_id, link.folder_path)] if link.root_item_id else []
    for root in link.tool_roots.values():
        if root.sp_item_id != link.root_item_id and root.sp_folder_name:
            folders.append((root.sp_item_id, "/".join(p for p in (link.folder_path, root.sp_folder_name) if p)))
    return folders


def _diagnose_sharepoint(ctx: LinkContext) -> Diagnosis | None:
    link = ctx.link
    try:
        if not link.root_item_id:
            sites.get_drive(ctx.graph, link.drive_id)
        for item_id, path in _own_folders(link):
            try:
                if sp_items.get_item(ctx.graph, link.drive_id, item_id).is_deleted:
                    return pausing.folder_gone(path)
            except (errors.NotFound, errors.TargetNotFound):
                if item_id == link.root_item_id:
                    raise
                return pausing.folder_gone(path)
        return None
    except errors.BadCredentials:
        return pausing.credentials("microsoft")
    except errors.PermissionDenied:
        return pausing.sharepoint_access(link.site_id)
    except (errors.NotFound, errors.TargetNotFound):
        pass
    except errors.ConfigError:          # the token endpoint refused the app's configuration
        return pausing.credentials("microsoft")
    try:
        sites.get_drive(ctx.graph, link.drive_id)
    except (errors.NotFound, errors.TargetNotFound):
        return pausing.drive_gone(link.drive_id)
    except errors.PermissionDenied:
        return pausing.sharepoint_access(link.site_id)
    return pausing.folder_gone(link.folder_path)


def _diagnose_procore(ctx: LinkContext) -> Diagnosis | None:
    link = ctx.link
    try:
        if link.procore_project_id is not None:
            ctx.procore.directory.project(link.procore_project_id)
        elif not any(c.id == link.procore_company_id for c in ctx.procore.directory.companies()):
            return pausing.procore_unreachable(None, link.procore_company_id)
        return None
    except errors.BadCredentials:
        return pausing.credentials("procore")
    except (errors.NotFound, errors.TargetNotFound, errors.PermissionDenied):
        return pausing.procore_unreachable(link.procore_project_id, link.procore_company_id)


def diagnose(ctx: LinkContext) -> Diagnosis | None:
    """What keeps the link from syncing, checked on both sides (None: nothing we can see). Transient
    errors propagate: an unavailable service is no reason to pause or to resume."""
    return _diagnose_sharepoint(ctx) or _diagnose_procore(ctx)


def pause_for(ctx: LinkContext, exc: errors.SyncError) -> bool:
    """The dispatcher's automatic pause: the cause a check finds, else the error's own text for a
    ConfigError. A NotFound that no check explains is an ordinary item's 404: False, nothing paused."""
    found = diagnose(ctx)
    if found is None:
        if not isinstance(exc, errors.ConfigError):
            return False
        found = pausing.unexplained(exc)
    pause_link(ctx, found)
    return True


def check_paused(ctx: LinkContext) -> bool:
    """The periodic check of a paused link: resume it if its cause is one we can re-check and the check
    now passes (a different problem found meanwhile is recorded as the new reason). True if resumed."""
    link = ctx.link
    if link.stage is not Stage.PAUSED or not pausing.resumes_by_itself(link.pause_cause):
        return False
    assert link.pause_cause is not None
    found = diagnose(ctx)
    if found is None:
        return resume_link(ctx, only_cause=PauseCause(link.pause_cause), how="by itself (the cause is fixed)")
    if found.cause.value != link.pause_cause:
        reason = found.reason[:pausing.MAX_REASON]
        ctx.services.repos.links.mutate(link.tenant_id, link.link_id, lambda r: None if r is None or
                                        r.stage is not Stage.PAUSED else r.model_copy(
                                            update={"pause_cause": found.cause.value, "stage_reason": reason}))
        ctx.reload_link()
    return False
