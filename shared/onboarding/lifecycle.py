"""A link's life after creation, through the API: list, change tool modes, pause, resume, the
re-check of paused links after the tenant's credentials changed, and the privacy pass of each link
after the tenant's include_private changed.

Pause and resume go through shared/sync/runners/pause.py, the same code as the automatic pause and
resume. A resume call is refused (409) while a check still finds the cause, so the link does not
pause again at once with a second email. Never imports azure.functions.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from shared import errors
from shared.models.api import Mode, ToolKey
from shared.models.messages import Lane, ReconcileLink, RenewLink
from shared.models.rows import LinkRow, Stage, TenantRow
from shared.onboarding.schemas import LinkList, LinkSummary, SharePointInfo
from shared.onboarding.tools import changed_tools
from shared.onboarding.web import ApiProblem
from shared.runtime import Services
from shared.store.repositories import Repositories
from shared.sync import pausing
from shared.sync.context import LinkContext, load_context
from shared.sync.hooks import needs_graph
from shared.sync.privacy import privacy_changed
from shared.sync.runners import pause
from shared.tools import private_tools

_log = logging.getLogger("pcsync.onboarding")


def list_links(repos: Repositories, tenant: TenantRow) -> LinkList:
    rows = sorted((s.row for s in repos.links.query(tenant.tenant_id) if s.row.stage is not Stage.DELETED),
                  key=lambda r: r.created_at)
    return LinkList(items=[LinkSummary(
        link_id=r.link_id, stage=r.stage, stage_reason=r.stage_reason, project_name=r.project_name,
        procore_project_id=r.procore_project_id,
        sharepoint=SharePointInfo(site_id=r.site_id, drive_id=r.drive_id, folder_path=r.folder_path,
                                  root_item_id=r.root_item_id),
        tools=r.tools, created_at=r.created_at, updated_at=r.updated_at) for r in rows])


def _context(services: Services, link: LinkRow) -> LinkContext:
    ctx = load_context(services, link.tenant_id, link.link_id, Lane.LIVE)
    if ctx is None:
        raise ApiProblem(409, "link_stopped", f"The link is {link.stage.value}; it cannot be paused or resumed.")
    return ctx


def _describe(before: dict[ToolKey, Mode], after: dict[ToolKey, Mode]) -> str:
    return ", ".join(f"{t.value}: {before.get(t, Mode.OFF).value} -> {m.value}"
                     for t, m in after.items() if before.get(t, Mode.OFF) is not m)


def change_tools(services: Services, link: LinkRow, wanted: dict[ToolKey, Mode]) -> LinkRow:
    """Apply new tool modes (refused with a 4xx when the engine cannot carry them out now).

    Off: the receivers, the reconcile pass and the initial sync skip the tool. two_way -> one_way:
    SharePoint changes are no longer applied to Procore. one_way -> two_way: a renewal step creates the
    Graph subscription the link now needs and reads the drive's changes from then on."""
    new = changed_tools(link, wanted)
    if new == link.tools:
        return link
    now = datetime.now(UTC)

    def change(current: LinkRow | None) -> LinkRow | None:
        if current is None or current.tools != link.tools or current.stage is not link.stage:
            raise errors.Conflict("the link changed meanwhile")
        return current.model_copy(update={"tools": new, "updated_at": now})

    stored = services.repos.links.mutate(link.tenant_id, link.link_id, change)
    assert stored is not None
    repos = services.repos
    repos.record_activity(repos.new_activity(link.link_id, "tools_changed", detail=_describe(link.tools, new)))
    if needs_graph(new) and not needs_graph(link.tools):
        services.queues.send(services.settings.queue_live, RenewLink(tenant_id=link.tenant_id, link_id=link.link_id))
    _log.info("link tools changed: %s", _describe(link.tools, new),
              extra={"tenant_id": link.tenant_id, "link_id": link.link_id})
    return stored.row


def pause_by_request(services: Services, link: LinkRow) -> LinkRow:
    ctx = _context(services, link)
    pause.pause_link(ctx, pausing.by_request())
    return ctx.reload_link()


def resume_by_request(services: Services, link: LinkRow) -> LinkRow:
    ctx = _context(services, link)
    if ctx.link.stage is not Stage.PAUSED:
        raise ApiProblem(409, "not_paused", f"The link is not paused (it is {ctx.link.stage.value}).")
    found = pause.diagnose(ctx)
    if found is not None:
        raise ApiProblem(409, "cause_not_fixed", f"The link cannot resume yet: {found.reason}")
    pause.resume_link(ctx, how="through the API")
    return ctx.reload_link()


def recheck_privacy(services: Services, before: TenantRow, after: TenantRow) -> list[str]:
    """After the tenant's include_private changed: queue a privacy pass of each link in regular sync
    (private records copied, or withdrawn from SharePoint). Returns the ids of the links queued."""
    if not privacy_changed(before.settings, after.settings):
        return []
    queued: list[str] = []
    for stored in services.repos.links.query(after.tenant_id):
        row = stored.row
        tools = tuple(private_tools(row.tools))
        if row.stage is not Stage.REGULAR or not tools:
            continue
        services.queues.send(services.settings.queue_live, ReconcileLink(
            tenant_id=row.tenant_id, link_id=row.link_id, graph=False, privacy=tools))
        queued.append(row.link_id)
    _log.info("include_private is now %s: privacy pass queued for %d link(s)", after.settings.include_private,
              len(queued), extra={"tenant_id": after.tenant_id})
    return queued


def recheck_paused(services: Services, tenant: TenantRow) -> list[str]:
    """After the tenant's credentials changed: check every link paused for a cause that resumes by
    itself, and resume those whose check now passes. Returns the ids of the links resumed."""
    resumed: list[str] = []
    for stored in services.repos.links.query(tenant.tenant_id):
        row = stored.row
        if row.stage is not Stage.PAUSED or not pausing.resumes_by_itself(row.pause_cause):
            continue
        ctx = load_context(services, row.tenant_id, row.link_id, Lane.LIVE)
        try:
            if ctx is not None and pause.check_paused(ctx):
                resumed.append(row.link_id)
        except errors.TransientError:   # the periodic check comes back to it
            _log.info("could not re-check paused link %s now", row.link_id, extra={"tenant_id": row.tenant_id})
    return resumed
