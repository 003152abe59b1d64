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

import contextvars
import logging
from concurrent.futures import ThreadPoolExecutor

from pydantic import TypeAdapter, ValidationError
from typing_extensions import NotRequired, TypedDict

from shared.models.api import Mode
from shared.models.messages import GraphNotice, GraphNotices, ProcoreChange
from shared.models.rows import Stage, SubscriptionKind
from shared.onboarding.auth import ID_PATTERN
from shared.onboarding.web import ApiProblem, ApiRequest, ApiResponse, check_body_size
from shared.procore.webhooks import WebhookPayload
from shared.runtime import Services
from shared.sync.hooks import hook_key, secret_hash, secret_matches
from shared.tools import tool_of

_log = logging.getLogger("pcsync.webhooks")
# A Procore delivery is one event of about 1 KB; a Graph batch is at most a few hundred KB (a few
# thousand notifications of ~300 bytes fit). Larger bodies are refused before they are parsed.
MAX_PROCORE_BODY_BYTES = 64 * 1024
MAX_GRAPH_BODY_BYTES = 4 * 1024 * 1024
MAX_SUBSCRIPTION_ID_CHARS = 128   # Graph subscription ids are GUIDs (36)
MAX_CLIENT_STATE_CHARS = 128      # Graph's own limit for clientState
MAX_LIFECYCLE_CHARS = 64
NOTICES_MESSAGE_BYTES = 40_000    # raw JSON per GraphNotices message: base64 keeps it under the 64 KB limit
MAX_DISTINCT_NOTICES = 10_000     # distinct (subscription, clientState) pairs kept per batch; Graph sends a few
SEND_THREADS = 8                  # a capped batch of tiny made-up notifications is ~100 messages: sent in parallel


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


class GraphNotification(TypedDict):
    """One entry of a batch, as Graph sends it (other keys ignored). A TypedDict, not a model: a 4 MB
    batch of tiny made-up entries must parse in a fraction of the 1 s the receiver has (3x faster)."""

    subscriptionId: str
    clientState: NotRequired[str | None]
    lifecycleEvent: NotRequired[str | None]


class GraphNotifications(TypedDict):
    value: list[GraphNotification]


GRAPH_BATCH: TypeAdapter[GraphNotifications] = TypeAdapter(GraphNotifications)


def receive_graph(services: Services, request: ApiRequest) -> ApiResponse:
    token = request.params.get("validationToken")
    if token is not None:
        return ApiResponse.text(200, token)      # the host hands us the decoded value, as Graph requires
    check_body_size(request, MAX_GRAPH_BODY_BYTES)
    try:
        batch = GRAPH_BATCH.validate_json(request.body)["value"]
    except ValidationError:
        raise ApiProblem(400, "invalid_payload", "Expected a Graph change-notification batch.") from None
    notices, ignored = reduce_batch(batch)
    _send_all(services, [GraphNotices(notices=chunk) for chunk in split_notices(notices)])
    if ignored:
        _log.warning("graph notifications ignored: %d malformed or past %d distinct in one batch", ignored,
                     MAX_DISTINCT_NOTICES)
    return ApiResponse.json(202, {"received": len(batch), "queued": len(notices), "ignored": ignored})


def _send_all(services: Services, messages: list[GraphNotices]) -> None:
    """Enqueue every message (in parallel when there are several); any failure fails the request, so
    Graph delivers the batch again (a duplicate is harmless: the delta step coalesces)."""
    queue = services.settings.queue_live
    if len(messages) <= 1:
        for message in messages:
            services.queues.send(queue, message)
        return
    context = contextvars.copy_context()   # the request's span: each message carries its trace
    with ThreadPoolExecutor(max_workers=min(SEND_THREADS, len(messages))) as pool:
        list(pool.map(lambda message: context.copy().run(services.queues.send, queue, message), messages))


def reduce_batch(batch: list[GraphNotification]) -> tuple[list[GraphNotice], int]:
    """The batch's distinct notices (clientState as its SHA-256, so no secret goes on a queue), at most
    MAX_DISTINCT_NOTICES of them, and how many notifications were not kept: malformed ones (no or an
    oversized id or clientState: no subscription of ours sends them) and those past the cap."""
    seen: dict[tuple[str, str, str | None], None] = {}
    malformed = 0
    for index, note in enumerate(batch):
        if len(seen) == MAX_DISTINCT_NOTICES:
            malformed += len(batch) - index
            break
        sid, state, life = note["subscriptionId"], note.get("clientState"), note.get("lifecycleEvent")
        if (not sid or len(sid) > MAX_SUBSCRIPTION_ID_CHARS or not state or len(state) > MAX_CLIENT_STATE_CHARS
                or (life is not None and len(life) > MAX_LIFECYCLE_CHARS)):
            malformed += 1
            continue
        seen.setdefault((sid, secret_hash(state), life or None), None)
    return [GraphNotice(sid=sid, state_hash=hashed, lifecycle=life) for sid, hashed, life in seen], malformed


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
