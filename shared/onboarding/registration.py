"""A link's change feeds, taken before any enumeration: the Procore hook and its triggers, the Graph
subscription on the drive root, and the Graph delta cursor (token=latest).

Each webhook gets a random secret (the hook's Authorization header, the subscription's clientState)
that is stored only as a SHA-256 in its SubscriptionRow and compared in constant time. Every
registration pushes its own undo onto an `Undo`, so a failure half-way removes what was made.
Never imports azure.functions.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from shared import errors
from shared.graph import delta, subscriptions
from shared.graph.models import Subscription
from shared.graph.session import GraphSession
from shared.models.api import Mode, ToolKey
from shared.models.rows import CursorRow, SubscriptionKind, SubscriptionRow
from shared.onboarding.web import ApiProblem
from shared.procore.client import ProcoreClient
from shared.procore.scope import Scope
from shared.store.repositories import Repositories
from shared.sync.hooks import (
    GRAPH_DELTA_CURSOR,
    HOOK_NAMESPACE,
    graph_receiver_url,
    hook_key,
    needs_graph,
    procore_receiver_url,
    secret_hash,
)
from shared.tools import triggers_for

_log = logging.getLogger("pcsync.onboarding")


class Undo:
    """Compensating actions, run newest first; each failure is logged and the others still run."""

    def __init__(self) -> None:
        self._steps: list[tuple[str, Callable[[], None]]] = []

    def push(self, what: str, action: Callable[[], None]) -> None:
        self._steps.append((what, action))

    def run(self) -> None:
        while self._steps:
            what, action = self._steps.pop()
            try:
                action()
            except Exception as exc:  # keep undoing the rest
                _log.warning("cleanup of %s failed: %s", what, type(exc).__name__)


@dataclass(frozen=True)
class Registration:
    hook_id: int
    subscription_id: str | None


def register(repos: Repositories, procore: ProcoreClient, graph: GraphSession, undo: Undo, *, tenant_id: str,
             link_id: str, scope: Scope, drive_id: str, base_url: str, tools: dict[ToolKey, Mode]) -> Registration:
    now = datetime.now(UTC)
    authorization = f"Bearer {secrets.token_urlsafe(32)}"
    hook = procore.webhooks.create_hook(scope, namespace=HOOK_NAMESPACE, authorization=authorization,
                                        destination_url=procore_receiver_url(base_url, tenant_id, link_id))
    undo.push("procore hook", lambda: procore.webhooks.delete_hook(scope, hook.id))
    pairs = triggers_for(tools, company=scope.kind == "company")
    triggers = procore.webhooks.create_triggers(scope, hook.id, pairs) if pairs else []
    hook_row = SubscriptionRow(kind=SubscriptionKind.PROCORE, subscription_id=hook_key(tenant_id, hook.id),
                               tenant_id=tenant_id,
                               link_id=link_id, resource=f"{scope.kind}:{scope.id}",
                               secret_hash=secret_hash(authorization), trigger_ids=[str(t.id) for t in triggers],
                               notification_url=hook.destination_url, created_at=now)
    _create_row(repos, hook_row, undo)
    if not needs_graph(tools):
        return Registration(hook.id, None)
    client_state = secrets.token_urlsafe(48)          # 64 characters; Graph allows 128
    sub = _subscribe(graph, drive_id, graph_receiver_url(base_url), client_state)
    undo.push("graph subscription", lambda: subscriptions.delete_subscription(graph, sub.id))
    _create_row(repos, SubscriptionRow(kind=SubscriptionKind.GRAPH, subscription_id=sub.id, tenant_id=tenant_id,
                                       link_id=link_id, resource=sub.resource, secret_hash=secret_hash(client_state),
                                       expires_at=sub.expiration, notification_url=sub.notification_url,
                                       created_at=now), undo)
    cursor = CursorRow(scope=link_id, kind=GRAPH_DELTA_CURSOR, value=delta.latest_cursor(graph, drive_id),
                       updated_at=datetime.now(UTC))
    repos.cursors.upsert(cursor)
    undo.push("delta cursor", lambda: repos.cursors.delete(*repos.cursors.keys_of(cursor)))
    _log.info("link feeds registered (hook %s, %d triggers, subscription %s)", hook.id, len(triggers), sub.id,
              extra={"tenant_id": tenant_id, "link_id": link_id})
    return Registration(hook.id, sub.id)


def _subscribe(graph: GraphSession, drive_id: str, url: str, client_state: str) -> Subscription:
    try:
        return subscriptions.create_subscription(graph, drive_id, url, client_state)
    except errors.Unavailable as exc:
        if "validation" not in str(exc).lower():
            raise
        raise ApiProblem(503, "graph_validation_failed",
                         f"Microsoft Graph could not validate our notification URL {url}. It must be reachable "
                         "from Microsoft over HTTPS: set PCSYNC_PUBLIC_BASE_URL to the app's public address (or "
                         "call this API on it), then try again. Nothing was registered.",
                         headers={"Retry-After": "30"}) from None


def _create_row(repos: Repositories, row: SubscriptionRow, undo: Undo) -> None:
    repos.subscriptions.create(row)
    keys = repos.subscriptions.keys_of(row)
    undo.push(f"{row.kind.value} subscription row", lambda: repos.subscriptions.delete(*keys))


def unregister(repos: Repositories, procore: ProcoreClient, graph: GraphSession, *, tenant_id: str, link_id: str,
               hook_id: int | None, subscription_id: str | None) -> None:
    """Remove the link's hook (triggers first), subscription and delta cursor. Each row goes only
    after its remote twin is gone, so a retry after a failure finishes the job."""
    if hook_id is not None:
        stored = repos.subscriptions.get(SubscriptionKind.PROCORE.value, hook_key(tenant_id, hook_id))
        if stored is not None:
            scope = _scope_of(stored.row.resource)
            for trigger_id in stored.row.trigger_ids:
                procore.webhooks.delete_trigger(scope, hook_id, int(trigger_id))
            procore.webhooks.delete_hook(scope, hook_id)
            repos.subscriptions.delete(SubscriptionKind.PROCORE.value, hook_key(tenant_id, hook_id))
    if subscription_id is not None:
        if repos.subscriptions.get(SubscriptionKind.GRAPH.value, subscription_id) is not None:
            subscriptions.delete_subscription(graph, subscription_id)
            repos.subscriptions.delete(SubscriptionKind.GRAPH.value, subscription_id)
    repos.cursors.delete(link_id, GRAPH_DELTA_CURSOR)


def _scope_of(resource: str) -> Scope:
    kind, _, raw_id = resource.partition(":")
    if kind == "project":
        return Scope.project(int(raw_id))
    if kind == "company":
        return Scope.company(int(raw_id))
    raise errors.InvariantBroken(f"procore subscription row with resource {resource!r}")
