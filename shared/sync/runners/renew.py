"""Renewal step (one link): keep the link's change feeds alive, the safety net behind onboarding's
registration (both share shared/sync/hooks.py).

Procore: the link's hook must exist with every trigger the link needs (missing triggers are added; a
missing hook, or one whose secret we no longer hold, is replaced by a new hook with a fresh secret).
Graph: the drive-root subscription is renewed once less than half its lifetime is left
(shared.safety.renewal), otherwise read to notice a deleted one; a missing one is re-created with a
fresh clientState, followed by a delta run for what it missed. A replacement is swapped into the
LinkRow ETag-conditionally, so two deliveries of one message never leave two live feeds behind.
Never imports azure.functions.
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime, timedelta

from shared import errors
from shared.graph import subscriptions
from shared.models.messages import DriveDelta, ReconcileLink, RenewLink
from shared.models.rows import LinkRow, Stage, SubscriptionKind, SubscriptionRow
from shared.procore.webhooks import Hook
from shared.safety.renewal import missing_triggers, needs_renewal, receiver_base
from shared.store.tables import Stored
from shared.sync.context import LinkContext, Step
from shared.sync.hooks import (
    HOOK_NAMESPACE,
    graph_receiver_url,
    hook_key,
    needs_graph,
    procore_receiver_url,
    secret_hash,
)
from shared.tools import triggers_for
from shared.tools.base import link_scope

log = logging.getLogger("pcsync.safety")
GRAPH, PROCORE = SubscriptionKind.GRAPH.value, SubscriptionKind.PROCORE.value
IN_FLIGHT = timedelta(minutes=10)   # a replacement hook younger than this may still be swapped in


def renew_link(ctx: LinkContext, msg: RenewLink) -> None:
    """Check both feeds of the link. A ConfigError (bad credentials, lost access) is reported and left
    to the next timer run: the steps that move data pause the link for it, this one must not loop."""
    try:
        hook_url = _check_procore(ctx, msg)
        _check_graph(ctx, msg, hook_url)
    except errors.ConfigError as exc:
        _report(ctx, "renew_failed", f"{type(exc).__name__}: {exc}")


def _dims(ctx: LinkContext) -> dict[str, str]:
    return {"tenant_id": ctx.link.tenant_id, "link_id": ctx.link.link_id}


def _report(ctx: LinkContext, event: str, detail: str) -> None:
    log.warning("%s: %s", event, detail, extra=_dims(ctx))
    repos = ctx.services.repos
    repos.record_activity(repos.new_activity(ctx.link.link_id, event, detail=detail[:500]))


def _row(ctx: LinkContext, kind: str, key: str | None) -> Stored[SubscriptionRow] | None:
    stored = ctx.services.repos.subscriptions.get(kind, key) if key else None
    return stored if stored is not None and stored.row.link_id == ctx.link.link_id else None


def _graph_key(link: LinkRow) -> str | None:
    return link.graph_subscription_id


def _hook_key(link: LinkRow) -> str | None:
    return hook_key(link.tenant_id, link.procore_hook_id) if link.procore_hook_id is not None else None


def _known_base(ctx: LinkContext, *urls: str | None) -> str | None:
    graph_row, hook_row = _row(ctx, GRAPH, _graph_key(ctx.link)), _row(ctx, PROCORE, _hook_key(ctx.link))
    return receiver_base(ctx.services.settings.public_base_url, *urls,
                         hook_row.row.notification_url if hook_row else None,
                         graph_row.row.notification_url if graph_row else None)


def _swap(ctx: LinkContext, field: str, old: object, new: object) -> bool:
    """Point the LinkRow at the new feed if it still points at `old`; False if another step won."""
    won: list[bool] = []

    def change(current: LinkRow | None) -> LinkRow | None:
        won.clear()
        if current is None or getattr(current, field) != old:
            won.append(current is not None and getattr(current, field) == new)
            return None
        won.append(True)
        return current.model_copy(update={field: new, "updated_at": datetime.now(UTC)})

    ctx.services.repos.links.mutate(ctx.link.tenant_id, ctx.link.link_id, change)
    ctx.reload_link()
    return bool(won and won[0])


# ---- Procore ------------------------------------------------------------------------------------------
def _in_flight(ctx: LinkContext, hook: Hook) -> bool:
    """Is this a replacement a concurrent delivery is swapping in right now (a fresh row of ours)?"""
    row = _row(ctx, PROCORE, hook_key(ctx.link.tenant_id, hook.id))
    return row is not None and datetime.now(UTC) - row.row.created_at < IN_FLIGHT


def _check_procore(ctx: LinkContext, msg: RenewLink) -> str | None:
    """Verify (or repair) the hook; returns its destination URL when one exists."""
    link = ctx.link
    scope = link_scope(link)
    hooks = ctx.procore.webhooks
    row = _row(ctx, PROCORE, _hook_key(link))
    listed = hooks.list_hooks(scope, namespace=HOOK_NAMESPACE)
    ours = procore_receiver_url("", link.tenant_id, link.link_id)
    hook = next((h for h in listed if h.id == link.procore_hook_id), None) if row is not None else None
    wanted = triggers_for(link.tools, company=scope.kind == "company")
    # Hooks pointing at this link that are not its current one (a secret we lost, a replacement that
    # lost its swap or died before it): removed, or Procore keeps delivering what we refuse.
    orphans = [h for h in listed if h.destination_url.endswith(ours) and h is not hook and not _in_flight(ctx, h)]
    base = _known_base(ctx, *(h.destination_url for h in orphans)) if hook is None else None
    for orphan in orphans:
        hooks.delete_hook(scope, orphan.id)
        ctx.services.repos.subscriptions.delete(PROCORE, hook_key(link.tenant_id, orphan.id))
    if hook is not None and row is not None:
        _repair_hook(ctx, hook, row, wanted)
        return hook.destination_url
    if base is None:
        _report(ctx, "feed_missing", "the Procore hook is gone and our public address is unknown: set "
                "PCSYNC_PUBLIC_BASE_URL so it can be re-created")
        return None
    authorization = f"Bearer {secrets.token_urlsafe(32)}"
    new = hooks.create_hook(scope, namespace=HOOK_NAMESPACE, authorization=authorization,
                            destination_url=procore_receiver_url(base, link.tenant_id, link.link_id))
    triggers = hooks.create_triggers(scope, new.id, wanted) if wanted else []
    repos = ctx.services.repos
    repos.subscriptions.upsert(SubscriptionRow(
        kind=SubscriptionKind.PROCORE, subscription_id=hook_key(link.tenant_id, new.id), tenant_id=link.tenant_id,
        link_id=link.link_id, resource=f"{scope.kind}:{scope.id}", secret_hash=secret_hash(authorization),
        trigger_ids=[str(t.id) for t in triggers], notification_url=new.destination_url,
        created_at=datetime.now(UTC)))
    old_key = _hook_key(link)
    if not _swap(ctx, "procore_hook_id", link.procore_hook_id, new.id):
        hooks.delete_hook(scope, new.id)
        repos.subscriptions.delete(PROCORE, hook_key(link.tenant_id, new.id))
        return None
    if old_key is not None:
        repos.subscriptions.delete(PROCORE, old_key)
    _report(ctx, "feed_recreated", f"Procore hook re-created ({new.id}, {len(triggers)} triggers)")
    if ctx.link.stage is Stage.REGULAR:   # what the missing hook did not deliver
        ctx.send(Step.DETECT, ReconcileLink(tenant_id=msg.tenant_id, link_id=msg.link_id, graph=False))
    return new.destination_url


def _repair_hook(ctx: LinkContext, hook: Hook, row: Stored[SubscriptionRow],
                 wanted: list[tuple[str, str]]) -> None:
    scope = link_scope(ctx.link)
    hooks = ctx.procore.webhooks
    existing = hooks.list_triggers(scope, hook.id)
    missing = missing_triggers(wanted, ((t.resource_name, t.event_type) for t in existing))
    created = hooks.create_triggers(scope, hook.id, missing) if missing else []
    public = ctx.services.settings.public_base_url
    url = procore_receiver_url(public, ctx.link.tenant_id, ctx.link.link_id) if public else hook.destination_url
    if url != hook.destination_url:     # the app moved: point the hook at its new address
        url = hooks.update_hook(scope, hook.id, destination_url=url).destination_url
    ids = sorted({*(str(t.id) for t in existing), *(str(t.id) for t in created)})
    if ids != sorted(row.row.trigger_ids) or row.row.notification_url != url:
        update = {"trigger_ids": ids, "notification_url": url}
        ctx.services.repos.subscriptions.mutate(
            PROCORE, row.row.subscription_id, lambda current: current.model_copy(update=update) if current else None)
    if missing:
        _report(ctx, "feed_repaired", f"{len(created)} missing Procore trigger(s) re-created on hook {hook.id}")


# ---- Graph --------------------------------------------------------------------------------------------
def _check_graph(ctx: LinkContext, msg: RenewLink, hook_url: str | None) -> None:
    link = ctx.link
    if not needs_graph(link.tools):
        return
    graph = ctx.graph
    row = _row(ctx, GRAPH, _graph_key(link))
    if row is not None:
        now = datetime.now(UTC)
        renew = needs_renewal(row.row.expires_at, now)
        sub_id = row.row.subscription_id
        current = subscriptions.renew_subscription(graph, sub_id) if renew else \
            subscriptions.get_subscription(graph, sub_id)
        if current is not None:
            if current.expiration != row.row.expires_at or current.notification_url != row.row.notification_url:
                update = {"expires_at": current.expiration, "notification_url": current.notification_url}
                ctx.services.repos.subscriptions.mutate(
                    GRAPH, sub_id, lambda r: r.model_copy(update=update) if r else None)
            if renew:
                log.info("graph subscription %s renewed until %s", sub_id, current.expiration.isoformat(),
                         extra=_dims(ctx))
            return
    base = _known_base(ctx, hook_url)
    if base is None:
        _report(ctx, "feed_missing", "the Graph subscription is gone and our public address is unknown: set "
                "PCSYNC_PUBLIC_BASE_URL so it can be re-created")
        return
    client_state = secrets.token_urlsafe(48)
    sub = subscriptions.create_subscription(graph, link.drive_id, graph_receiver_url(base), client_state)
    repos = ctx.services.repos
    repos.subscriptions.upsert(SubscriptionRow(
        kind=SubscriptionKind.GRAPH, subscription_id=sub.id, tenant_id=link.tenant_id, link_id=link.link_id,
        resource=sub.resource, secret_hash=secret_hash(client_state), expires_at=sub.expiration,
        notification_url=sub.notification_url, created_at=datetime.now(UTC)))
    old = link.graph_subscription_id
    if not _swap(ctx, "graph_subscription_id", old, sub.id):
        subscriptions.delete_subscription(graph, sub.id)
        repos.subscriptions.delete(GRAPH, sub.id)
        return
    if old is not None:
        repos.subscriptions.delete(GRAPH, old)
        try:                            # usually gone already; if not, it must stop notifying
            subscriptions.delete_subscription(graph, old)
        except errors.NotFound:
            pass
    _report(ctx, "feed_recreated", f"Graph subscription re-created ({sub.id})")
    ctx.send(Step.DETECT, DriveDelta(tenant_id=msg.tenant_id, link_id=msg.link_id))  # what it missed
