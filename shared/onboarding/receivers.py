"""Webhook receivers: authenticate, reduce to a hint, enqueue, answer fast (architecture §3, §6).

Procore (`/api/webhooks/procore/{tenant}/{link}`): the hook's Authorization header is compared in
constant time with the SHA-256 kept in its SubscriptionRow; a good delivery becomes a ProcoreChange on
the live queue (two table reads and one queue write, well inside Procore's 5 s). Graph
(`/api/webhooks/graph`): the validation handshake echoes the token as text/plain; a batch is parsed,
reduced to its distinct (subscription, clientState hash) pairs and put on the live queue as GraphNotices
(a few queue writes, whatever the batch holds, so made-up ids cost no table reads in the request);
shared.sync.runners.graph_notices checks them there. Both bodies are capped (413).
Payloads are hints; the detect step re-reads the resource with our own token.
Never imports azure.functions.
"""

from __future__ import annotations

import logging

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.models.api import Mode
from shared.models.messages import GraphNotice, GraphNotices, ProcoreChange
from shared.models.rows import Stage, SubscriptionKind
from shared.onboarding.auth import ID_PATTERN
from shared.onboarding.registration import hook_key, secret_hash, secret_matches
from shared.onboarding.resources import tool_of
from shared.onboarding.web import ApiProblem, ApiRequest, ApiResponse, check_body_size
from shared.procore.webhooks import WebhookPayload
from shared.runtime import Services

_log = logging.getLogger("pcsync.webhooks")
# A Procore delivery is one event of about 1 KB; a Graph batch is at most a few hundred KB (a few
# thousand notifications of ~300 bytes fit). Larger bodies are refused before they are parsed.
MAX_PROCORE_BODY_BYTES = 64 * 1024
MAX_GRAPH_BODY_BYTES = 4 * 1024 * 1024
MAX_SUBSCRIPTION_ID_CHARS = 128   # Graph subscription ids are GUIDs (36)
MAX_CLIENT_STATE_CHARS = 128      # Graph's own limit for clientState
MAX_LIFECYCLE_CHARS = 64
NOTICES_MESSAGE_BYTES = 40_000    # raw JSON per GraphNotices message: base64 keeps it under the 64 KB limit


def _unauthorized() -> ApiProblem:
    return ApiProblem(401, "unauthorized", "This delivery is not signed by a hook we registered.")


def receive_procore(services: Services, request: ApiRequest) -> ApiResponse:
    check_body_size(request, MAX_PROCORE_BODY_BYTES)
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
    check_body_size(request, MAX_GRAPH_BODY_BYTES)
    try:
        batch = GraphNotifications.model_validate_json(request.body)
    except ValidationError:
        raise ApiProblem(400, "invalid_payload", "Expected a Graph change-notification batch.") from None
    notices, malformed = reduce_batch(batch)
    for chunk in split_notices(notices):
        services.queues.send(services.settings.queue_live, GraphNotices(notices=chunk))
    if malformed:
        _log.warning("graph notifications ignored: %d malformed (subscription id or clientState)", malformed)
    return ApiResponse.json(202, {"received": len(batch.value), "queued": len(notices), "ignored": malformed})


def reduce_batch(batch: GraphNotifications) -> tuple[list[GraphNotice], int]:
    """The batch's distinct notices (clientState as its SHA-256, so no secret goes on a queue) and the
    number of notifications no subscription of ours could have sent (no or oversized id or clientState)."""
    seen: dict[GraphNotice, None] = {}
    malformed = 0
    for note in batch.value:
        sid, state, life = note.subscription_id, note.client_state, note.lifecycle_event
        if (not sid or len(sid) > MAX_SUBSCRIPTION_ID_CHARS or not state or len(state) > MAX_CLIENT_STATE_CHARS
                or (life is not None and len(life) > MAX_LIFECYCLE_CHARS)):
            malformed += 1
            continue
        seen.setdefault(GraphNotice(sid=sid, state_hash=secret_hash(state), lifecycle=life or None), None)
    return list(seen), malformed


def split_notices(notices: list[GraphNotice], budget: int = NOTICES_MESSAGE_BYTES) -> list[list[GraphNotice]]:
    """Consecutive slices whose messages stay within `budget` bytes of JSON each."""
    chunks: list[list[GraphNotice]] = []
    current: list[GraphNotice] = []
    size = 0
    for note in notices:
        cost = len(note.model_dump_json()) + 1
        if current and size + cost > budget:
            chunks.append(current)
            current, size = [], 0
        current.append(note)
        size += cost
    if current:
        chunks.append(current)
    return chunks
