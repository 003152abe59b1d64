"""Webhook receivers: authenticate, reduce to a hint, enqueue, answer fast (architecture §3, §6).

Procore (`/api/webhooks/procore/{tenant}/{link}`): the hook's Authorization header is compared in
constant time with the SHA-256 kept in its SubscriptionRow; a good delivery becomes a ProcoreChange on
the live queue (two table reads and one queue write, well inside Procore's 5 s). Graph
(`/api/webhooks/graph`): the validation handshake echoes the token as text/plain; each notification's
clientState is checked against its SubscriptionRow and unknown or wrong ones are dropped and logged;
each link with valid notifications gets one DriveDelta on the live queue (the delta step coalesces).
Payloads are hints; the detect step re-reads the resource with our own token.
Never imports azure.functions.
"""

from __future__ import annotations

import logging

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.models.api import Mode
from shared.models.messages import DriveDelta, ProcoreChange
from shared.models.rows import Stage, SubscriptionKind, SubscriptionRow
from shared.onboarding.auth import ID_PATTERN
from shared.onboarding.registration import hook_key, secret_matches
from shared.onboarding.resources import tool_of
from shared.onboarding.web import ApiProblem, ApiRequest, ApiResponse
from shared.procore.webhooks import WebhookPayload
from shared.runtime import Services

_log = logging.getLogger("pcsync.webhooks")


def _unauthorized() -> ApiProblem:
    return ApiProblem(401, "unauthorized", "This delivery is not signed by a hook we registered.")


def receive_procore(services: Services, request: ApiRequest) -> ApiResponse:
    tenant_id, link_id = request.route.get("tenant_id", ""), request.route.get("link_id", "")
    if not (ID_PATTERN.fullmatch(tenant_id) and ID_PATTERN.fullmatch(link_id)):
        raise _unauthorized()
    repos = services.repos
    link = repos.links.get(tenant_id, link_id)
    hook = None
    if link is not None and link.row.procore_hook_id is not None:
        hook = repos.subscriptions.get(SubscriptionKind.PROCORE.value, hook_key(tenant_id, link.row.procore_hook_id))
    stored_hash = hook.row.secret_hash if hook is not None and hook.row.link_id == link_id else ""
    if not secret_matches(request.header("authorization"), stored_hash) or link is None:
        _log.warning("procore delivery refused (bad or missing hook secret)",
                     extra={"tenant_id": tenant_id, "link_id": link_id})
        raise _unauthorized()
    try:
        payload = WebhookPayload.model_validate_json(request.body)
    except ValidationError:
        raise ApiProblem(400, "invalid_payload", "Expected a Procore v2.0 webhook payload.") from None
    dims = {"tenant_id": tenant_id, "link_id": link_id}
    tool = tool_of(payload.resource_name)
    row = link.row
    if row.stage is Stage.DELETED or tool is None or row.tools.get(tool, Mode.OFF) is Mode.OFF:
        _log.info("procore delivery ignored (%s %s)", payload.resource_name, payload.event_type, extra=dims)
        return ApiResponse.json(200, {"status": "ignored"})
    if row.procore_project_id is not None and payload.project_id not in (None, row.procore_project_id):
        _log.warning("procore delivery for project %s on a link to project %s ignored", payload.project_id,
                     row.procore_project_id, extra=dims)
        return ApiResponse.json(200, {"status": "ignored"})
    message = ProcoreChange(tenant_id=tenant_id, link_id=link_id, tool=tool, resource_name=payload.resource_name,
                            resource_id=payload.resource_id, event_type=payload.event_type,
                            source_application_id=payload.metadata.source_application_id)
    services.queues.send(services.settings.queue_live, message)
    return ApiResponse.json(200, {"status": "queued"})


class GraphNotification(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    subscription_id: str = Field(alias="subscriptionId")
    client_state: str | None = Field(None, alias="clientState")
    resource: str | None = None
    change_type: str | None = Field(None, alias="changeType")
    lifecycle_event: str | None = Field(None, alias="lifecycleEvent")


class GraphNotifications(BaseModel):
    model_config = ConfigDict(extra="ignore")

    value: list[GraphNotification]


def receive_graph(services: Services, request: ApiRequest) -> ApiResponse:
    token = request.params.get("validationToken")
    if token is not None:
        return ApiResponse.text(200, token)      # the host hands us the decoded value, as Graph requires
    try:
        batch = GraphNotifications.model_validate_json(request.body)
    except ValidationError:
        raise ApiProblem(400, "invalid_payload", "Expected a Graph change-notification batch.") from None
    accepted = ignored = 0
    checked: dict[tuple[str, str | None], SubscriptionRow | None] = {}
    links: set[tuple[str, str]] = set()
    for note in batch.value:
        key = (note.subscription_id, note.client_state)
        if key not in checked:
            checked[key] = _trusted(services, note)
        owner = checked[key]
        if owner is None:
            ignored += 1
            _log.warning("graph notification ignored: unknown subscription or wrong clientState (%s)",
                         note.subscription_id[:64])
            continue
        accepted += 1
        if note.lifecycle_event:
            _log.info("graph lifecycle event %s for subscription %s", note.lifecycle_event, note.subscription_id)
        else:
            links.add((owner.tenant_id, owner.link_id))
    for tenant_id, link_id in sorted(links):
        services.queues.send(services.settings.queue_live, DriveDelta(tenant_id=tenant_id, link_id=link_id))
    return ApiResponse.json(202, {"accepted": accepted, "ignored": ignored})


def _trusted(services: Services, note: GraphNotification) -> SubscriptionRow | None:
    try:
        stored = services.repos.subscriptions.get(SubscriptionKind.GRAPH.value, note.subscription_id)
    except ValueError:                    # not even a legal table key
        return None
    expected = stored.row.secret_hash if stored is not None else ""
    return stored.row if secret_matches(note.client_state, expected) and stored is not None else None
