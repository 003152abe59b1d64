"""Link health against Azurite and both emulators: a link whose SharePoint folder is deleted pauses
with its reason (one email, one event, nothing handed on to Procore, even under duplicate delivery)
and resumes by itself once the folder is restored from the recycle bin, then reconciles; an ordinary
item's 404 pauses nothing; revoked credentials pause it and updated ones resume it; a pause by request
waits for the resume call, which is refused while the cause is still there.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from shared import errors
from shared.graph import content as sp_content
from shared.graph import items as sp_items
from shared.models.messages import NOTIFY, DriveDelta, Lane, ReconcileLink, SendNotification, StartInitialSync
from shared.models.rows import LinkRow, Stage
from shared.onboarding import lifecycle, tenants
from shared.onboarding.schemas import UpdateTenantRequest
from shared.onboarding.web import ApiProblem
from shared.sync import dispatch
from shared.sync.context import load_context
from shared.sync.pausing import PauseCause
from shared.sync.runners import pause
from tests.integration.safety.conftest import Env


def _linked(env: Env) -> tuple[LinkRow, str]:
    """A link in regular sync with its Documents folder made: (link, Documents folder id)."""
    link = env.new_link()
    env.run(StartInitialSync(tenant_id=link.tenant_id, link_id=link.link_id))
    env.take(env.services.settings.queue_initial_sync)
    env.repos.links.mutate(link.tenant_id, link.link_id, lambda r: r.model_copy(update={"stage": Stage.REGULAR}))
    env.take()
    link = env.link(link.link_id)
    return link, link.tool_roots["documents"].sp_item_id


def _events(env: Env, link: LinkRow, event: str) -> list[str]:
    rows = env.repos.recent_activity(link.link_id, since=link.created_at.date(), until=link.created_at.date())
    return [r.detail or "" for r in rows if r.event == event]


def _delta(env: Env, link: LinkRow) -> list[dict[str, Any]]:
    env.run(DriveDelta(tenant_id=link.tenant_id, link_id=link.link_id))
    return env.take()


def _restore(env: Env, item_id: str) -> None:
    """A person restores the folder from the recycle bin (Graph's driveItem restore)."""
    drive = env.site["drive_id"]
    with env.graph_session("user") as graph:
        graph.request("POST", f"/drives/{drive}/items/{item_id}/restore", json={},
                      route="/drives/{drive-id}/items/{item-id}/restore")


def _mail(env: Env, subject: str) -> list[dict[str, Any]]:
    return [m for m in env.graph_emulator("/_emulator/mail")["value"] if m.get("subject") == subject]


def _deliver_notifications(env: Env) -> list[dict[str, Any]]:
    """Every queued notification, delivered twice each (as a duplicate delivery would) through dispatch."""
    queue = env.services.settings.queue_notify
    taken = env.take(queue)
    for message in taken:
        body = SendNotification.model_validate(message).model_dump_json()
        for _ in range(2):
            dispatch.handle(env.services, queue, body, NOTIFY, delivery_id=uuid.uuid4().hex)
    return taken


def _send_mail_from_the_mailbox(env: Env) -> None:
    """The tenant's settings name the emulator's mailbox as the sender (a settings-only update)."""
    mailbox = env.graph_emu.descriptor()["mailbox"]
    row, changed = tenants.update_tenant(env.services, env.tenant, UpdateTenantRequest.model_validate(
        {"settings": {"mail_from": mailbox}}))
    assert changed == [] and row.settings.mail_from == mailbox
    assert row.settings.conflict_policy == env.tenant.settings.conflict_policy      # the others are kept
    env.tenant = row


def test_a_deleted_link_folder_pauses_once_and_its_restore_resumes_the_link(env: Env) -> None:
    _send_mail_from_the_mailbox(env)
    link, docs = _linked(env)
    with env.graph_session("user") as graph:
        sp_content.put_new_small(graph, env.site["drive_id"], docs, "Plan.txt", b"plan", "fail")
    assert "Plan.txt" in {m.get("name") for m in _delta(env, link)}      # served while healthy
    assert link.root_item_id is not None
    with env.graph_session("user") as graph:
        sp_items.delete_item(graph, env.site["drive_id"], link.root_item_id)

    sent = _delta(env, link) + _delta(env, link)                          # and a duplicate notification
    assert [m for m in sent if m["kind"] == "sp_change"] == []            # no delete goes to Procore
    paused = env.link(link.link_id)
    assert paused.stage is Stage.PAUSED and paused.pause_cause == PauseCause.FOLDER_GONE.value
    assert paused.paused_from is Stage.REGULAR
    assert paused.stage_reason and f"'{link.folder_path}'" in paused.stage_reason
    assert "recycle bin" in paused.stage_reason and "Graph" not in paused.stage_reason
    assert len(_events(env, link, "paused")) == 1
    notes = _deliver_notifications(env)
    assert len(notes) == 1
    subject = f"Sync paused for project {link.project_name}"
    assert notes[0]["subject"] == subject and len(_mail(env, subject)) == 1   # sent once, delivered twice

    _restore(env, link.root_item_id)
    _delta(env, link)                                                      # the restore's notification
    resumed = env.link(link.link_id)
    assert resumed.stage is Stage.REGULAR and resumed.pause_cause is None and resumed.stage_reason is None
    assert len(_events(env, link, "resumed")) == 1
    # The resume queued a reconciliation, whose delta run catches up from where the link stopped.
    env.run(ReconcileLink(tenant_id=link.tenant_id, link_id=link.link_id))
    caught_up = env.take_until(lambda taken: any(m["kind"] == "drive_delta" for m in taken))
    for message in caught_up:
        if message["kind"] == "drive_delta":
            env.run(DriveDelta.model_validate(message))
    after = env.take()
    assert not [m for m in after if m["kind"] == "sp_change" and m.get("deleted")]
    assert env.link(link.link_id).stage is Stage.REGULAR and len(_mail(env, subject)) == 1


def test_an_ordinary_items_404_pauses_nothing_but_a_gone_root_does(env: Env) -> None:
    link, _ = _linked(env)
    ctx = load_context(env.services, link.tenant_id, link.link_id, Lane.LIVE)
    assert ctx is not None
    assert not pause.pause_for(ctx, errors.NotFound("GET /drives/{drive-id}/items/{item-id} -> 404 itemNotFound"))
    assert env.link(link.link_id).stage is Stage.REGULAR and not _events(env, link, "paused")
    assert link.root_item_id is not None
    with env.graph_session("user") as graph:
        sp_items.delete_item(graph, env.site["drive_id"], link.root_item_id)
    assert pause.pause_for(ctx, errors.NotFound("PUT /drives/{drive-id}/items/{parent-id}:/{name}:/content -> 404"))
    assert env.link(link.link_id).pause_cause == PauseCause.FOLDER_GONE.value
    assert not pause.check_paused(ctx)                                       # still gone: stays paused
    _restore(env, link.root_item_id)
    env.run(ReconcileLink(tenant_id=link.tenant_id, link_id=link.link_id))   # the periodic check
    assert env.link(link.link_id).stage is Stage.REGULAR
    assert [m["kind"] for m in env.take()].count("reconcile_link") == 1      # the resume's reconciliation
    env.take(env.services.settings.queue_notify)


def _drop_clients(env: Env) -> None:
    """This process's cached clients of the tenant, closed: the next step builds them with the secret as
    it now stands (as a new process would)."""
    for cache in (env.services._procore, env.services._graph):
        for key in [k for k in cache if k.startswith(env.tenant.tenant_id + ":")]:
            cache.pop(key).close()


@pytest.fixture
def fresh_tenant(env: Env) -> Iterator[Env]:
    """The module's tenant row read again after a test changed its credentials."""
    yield env
    stored = env.repos.get_tenant(env.tenant.tenant_id)
    assert stored is not None
    env.tenant = stored.row


@pytest.mark.parametrize("system", ["procore", "microsoft"])
def test_revoked_credentials_pause_and_updated_ones_resume(fresh_tenant: Env, system: str) -> None:
    env = fresh_tenant
    link, _ = _linked(env)
    secrets, tenant = env.services.secrets, env.tenant
    ref = getattr(tenant, system).secret_ref
    right = secrets.get(ref)
    secrets.put(ref.split(":", 1)[-1], "revoked-" + uuid.uuid4().hex)       # what the provider now refuses
    _drop_clients(env)
    ctx = load_context(env.services, link.tenant_id, link.link_id, Lane.LIVE)
    assert ctx is not None
    assert pause.pause_for(ctx, errors.BadCredentials("token refused"))
    paused = env.link(link.link_id)
    wanted = PauseCause.PROCORE_CREDENTIALS if system == "procore" else PauseCause.MICROSOFT_CREDENTIALS
    assert paused.pause_cause == wanted.value and f"{system}.client_secret" in (paused.stage_reason or "")
    with pytest.raises(ApiProblem) as refused:                               # the resume call: not yet
        lifecycle.resume_by_request(env.services, paused)
    assert refused.value.status == 409 and "client id/secret" in refused.value.message

    wrong = UpdateTenantRequest.model_validate({system: {"client_secret": "still-wrong"}})
    with pytest.raises(ApiProblem) as bad:
        tenants.update_tenant(env.services, tenant, wrong)
    assert (bad.value.status, bad.value.problems[0].field) == (422, f"{system}.client_secret")
    assert env.link(link.link_id).stage is Stage.PAUSED

    fixed, changed = tenants.update_tenant(env.services, tenant,
                                           UpdateTenantRequest.model_validate({system: {"client_secret": right}}))
    assert changed == [system] and getattr(fixed, system).secret_ref != ref
    with pytest.raises(errors.NotFound):
        secrets.get(ref)                                                      # the old secret is gone
    assert link.link_id in lifecycle.recheck_paused(env.services, fixed)
    assert env.link(link.link_id).stage is Stage.REGULAR
    env.take()
    env.take(env.services.settings.queue_notify)


def test_a_pause_by_request_waits_for_the_resume_call(env: Env) -> None:
    link, _ = _linked(env)
    paused = lifecycle.pause_by_request(env.services, link)
    assert paused.stage is Stage.PAUSED and paused.pause_cause == PauseCause.BY_REQUEST.value
    assert env.take(env.services.settings.queue_notify) == []                 # the caller knows: no email
    env.run(ReconcileLink(tenant_id=link.tenant_id, link_id=link.link_id))   # the periodic check
    assert env.link(link.link_id).stage is Stage.PAUSED
    resumed = lifecycle.resume_by_request(env.services, paused)
    assert resumed.stage is Stage.REGULAR and _events(env, link, "resumed")
    assert "reconcile_link" in [m["kind"] for m in env.take()]
    with pytest.raises(ApiProblem) as again:
        lifecycle.resume_by_request(env.services, resumed)
    assert (again.value.status, again.value.code) == (409, "not_paused")


def test_a_step_that_meets_the_gone_folder_pauses_the_link_instead_of_failing(env: Env) -> None:
    """The dispatcher's path: a Graph 404 under the deleted folder pauses the link with the folder's
    reason (not a failed item with a raw Graph error), the message waits, and the resume goes back to
    the stage the link paused from."""
    link = env.new_link()                                       # in its initial sync, no tool folder yet
    env.take(env.services.settings.queue_initial_sync)
    assert link.root_item_id is not None
    with env.graph_session("user") as graph:
        sp_items.delete_item(graph, env.site["drive_id"], link.root_item_id)
    env.run(StartInitialSync(tenant_id=link.tenant_id, link_id=link.link_id))   # creates Documents under it
    paused = env.link(link.link_id)
    assert paused.stage is Stage.PAUSED and paused.pause_cause == PauseCause.FOLDER_GONE.value
    assert paused.paused_from is Stage.INITIAL_SYNC and "itemNotFound" not in (paused.stage_reason or "")
    assert env.take() == [] and env.invisible() >= 1            # the step waits (deferred), nothing failed
    _restore(env, link.root_item_id)
    env.run(ReconcileLink(tenant_id=link.tenant_id, link_id=link.link_id))
    assert env.link(link.link_id).stage is Stage.INITIAL_SYNC
    assert "check_completion" in [m["kind"] for m in env.take()]
    env.take(env.services.settings.queue_notify)


def test_a_deleted_tool_folder_pauses_the_link_too_and_its_restore_resumes_it(env: Env) -> None:
    link, docs = _linked(env)
    _delta(env, link)
    with env.graph_session("user") as graph:
        sp_content.put_new_small(graph, env.site["drive_id"], docs, "Spec.txt", b"spec", "fail")
        sp_items.delete_item(graph, env.site["drive_id"], docs)              # the Documents folder only
    sent = _delta(env, link)
    assert [m for m in sent if m["kind"] == "sp_change"] == []
    paused = env.link(link.link_id)
    assert paused.pause_cause == PauseCause.FOLDER_GONE.value
    assert f"'{link.folder_path}/Documents'" in (paused.stage_reason or "")
    ctx = load_context(env.services, link.tenant_id, link.link_id, Lane.LIVE)
    assert ctx is not None and not pause.check_paused(ctx)                   # the link's own folder is fine
    _restore(env, docs)
    _delta(env, link)
    assert env.link(link.link_id).stage is Stage.REGULAR
    env.take()
    env.take(env.services.settings.queue_notify)


def test_a_procore_project_the_app_can_no_longer_reach_pauses_the_link_until_it_can(env: Env) -> None:
    link, _ = _linked(env)
    hidden = 199                         # the emulator's project outside the app's permitted projects (404)

    def point_at(project_id: int) -> None:
        env.repos.links.mutate(link.tenant_id, link.link_id,
                               lambda r: r.model_copy(update={"procore_project_id": project_id}))

    point_at(hidden)                     # as if the app's access to the project had been removed
    ctx = load_context(env.services, link.tenant_id, link.link_id, Lane.LIVE)
    assert ctx is not None
    assert pause.pause_for(ctx, errors.NotFound("GET /rest/v1.0/projects/{id}/documents -> 404"))
    paused = env.link(link.link_id)
    assert paused.pause_cause == PauseCause.PROCORE_PROJECT.value and f"project {hidden}" in (paused.stage_reason or "")
    env.run(ReconcileLink(tenant_id=link.tenant_id, link_id=link.link_id))
    assert env.link(link.link_id).stage is Stage.PAUSED                      # still unreachable
    point_at(link.procore_project_id or 0)                                   # access given back
    env.run(ReconcileLink(tenant_id=link.tenant_id, link_id=link.link_id))
    assert env.link(link.link_id).stage is Stage.REGULAR
    env.take()
    env.take(env.services.settings.queue_notify)
