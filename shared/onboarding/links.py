"""Creating and stopping links (contract §4).

Create: refuse tools that cannot sync yet (tools.py), check access on both sides (access.py), refuse
a second live link into the same SharePoint folder, take the change feeds before any enumeration
(registration.py), write the LinkRow (stage initial_sync) and enqueue StartInitialSync on the
initial-sync queue. Any failure after the first registration undoes everything registered so far;
the target folder, if we created it, stays (it is empty, and a retry reuses it). Delete: stage
`deleted` first (receivers stop enqueuing), then remove the hook, triggers, subscription and cursor;
items rows stay, and nothing synced is ever deleted. Never imports azure.functions.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from shared.models.api import CreateLinkRequest
from shared.models.messages import StartInitialSync
from shared.models.rows import LinkRow, Stage, TenantRow, drive_scope
from shared.onboarding.access import check_procore, check_sharepoint
from shared.onboarding.registration import Undo, register, unregister
from shared.onboarding.tools import creation_tools
from shared.onboarding.web import ApiProblem, not_found
from shared.runtime import Services
from shared.store.repositories import Repositories

_log = logging.getLogger("pcsync.onboarding")


def create_link(services: Services, tenant: TenantRow, request: CreateLinkRequest, base_url: str) -> str:
    """The new link's id, once its feeds are registered and its initial sync is queued."""
    repos = services.repos
    tools = creation_tools(request)      # a tool that cannot sync yet is refused before anything is called
    procore, graph = services.procore(tenant), services.graph(tenant)
    target = check_procore(procore, tenant, request)
    folder = check_sharepoint(graph, request.sharepoint, request.initial_sync)
    _refuse_second_link(repos, tenant.tenant_id, request.sharepoint.drive_id, folder.id)
    link_id = uuid.uuid4().hex
    undo = Undo()
    try:
        reg = register(repos, procore, graph, undo, tenant_id=tenant.tenant_id, link_id=link_id, scope=target.scope,
                       drive_id=request.sharepoint.drive_id, base_url=base_url, tools=tools)
        now = datetime.now(UTC)
        row = LinkRow(
            tenant_id=tenant.tenant_id, link_id=link_id, procore_company_id=tenant.procore.company_id,
            procore_project_id=request.procore_project_id, project_name=target.name,
            site_id=request.sharepoint.site_id, drive_id=request.sharepoint.drive_id,
            folder_path=request.sharepoint.folder_path, root_item_id=folder.id, initial_sync=request.initial_sync,
            tools=tools, stage=Stage.INITIAL_SYNC, procore_hook_id=reg.hook_id,
            graph_subscription_id=reg.subscription_id, created_at=now, updated_at=now,
        )
        repos.links.create(row)
        undo.push("link row", lambda: repos.links.delete(tenant.tenant_id, link_id))
        services.queues.send(services.settings.queue_initial_sync,
                             StartInitialSync(tenant_id=tenant.tenant_id, link_id=link_id))
    except BaseException:
        undo.run()
        raise
    repos.record_activity(repos.new_activity(
        link_id, "link_created", detail=f"{target.name} -> {request.sharepoint.folder_path or '/'} "
        f"({request.initial_sync.value})"))
    _log.info("link created", extra={"tenant_id": tenant.tenant_id, "link_id": link_id})
    return link_id


def _refuse_second_link(repos: Repositories, tenant_id: str, drive_id: str, folder_id: str) -> None:
    for stored in repos.links.query(tenant_id):
        row = stored.row
        if row.stage is not Stage.DELETED and row.drive_id == drive_id and row.root_item_id == folder_id:
            raise ApiProblem.on_field(
                409, "link_exists", "sharepoint.folder_path",
                f"Link {row.link_id} already syncs into this SharePoint folder. Delete it first, or choose "
                "another folder_path.")


def _forget_drive_feed(repos: Repositories, tenant_id: str, drive_id: str, gone: str) -> None:
    """The last link on a drive is gone: drop the drive's delta cursor and lease, so a link made there
    later starts from its own cursor instead of a stale one (which Graph would answer with a resync)."""
    live = (Stage.INITIAL_SYNC, Stage.REGULAR, Stage.PAUSED)  # a failed link is served by no delta run
    if any(row.row.link_id != gone and row.row.stage in live and row.row.drive_id == drive_id
           for row in repos.links.query(tenant_id)):
        return
    scope = drive_scope(tenant_id, drive_id)
    for stored in list(repos.cursors.query(scope)):
        repos.cursors.delete(scope, stored.row.kind)
    for lease in list(repos.leases.query(scope)):
        repos.leases.delete(scope, lease.row.name)


def delete_link(services: Services, tenant: TenantRow, link_id: str) -> None:
    """Stop the link (idempotent: deleting a deleted link finishes any removal left over)."""
    repos = services.repos
    current = repos.links.get(tenant.tenant_id, link_id)
    if current is None:
        raise not_found("link")
    was_live = current.row.stage is not Stage.DELETED
    if was_live:
        now = datetime.now(UTC)
        repos.links.mutate(tenant.tenant_id, link_id, lambda row: None if row is None else row.model_copy(
            update={"stage": Stage.DELETED, "stage_reason": "stopped through the API", "updated_at": now}))
        repos.record_activity(repos.new_activity(link_id, "link_deleted", detail="stopped through the API"))
    unregister(repos, services.procore(tenant), services.graph(tenant), tenant_id=tenant.tenant_id, link_id=link_id,
               hook_id=current.row.procore_hook_id, subscription_id=current.row.graph_subscription_id)
    _forget_drive_feed(repos, tenant.tenant_id, current.row.drive_id, link_id)
    _log.info("link deleted", extra={"tenant_id": tenant.tenant_id, "link_id": link_id})
