"""Renewal step against the emulators: a subscription near expiry is renewed, a deleted one is
re-created (from the URL registration stored: no request, no PCSYNC_PUBLIC_BASE_URL), a deleted Procore
hook or trigger is re-created, concurrent deliveries leave one live feed, and a healthy link costs reads only.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.graph import subscriptions
from shared.models.messages import RenewLink
from shared.models.rows import LinkRow, SubscriptionRow
from shared.procore.scope import Scope
from shared.safety.renewal import RENEW_BELOW
from shared.sync.hooks import HOOK_NAMESPACE, hook_key, secret_hash
from shared.tools import triggers_for
from tests.integration.safety.conftest import PROJECT, Env

SCOPE = Scope.project(PROJECT)


def _renew(env: Env, link: LinkRow) -> None:
    env.run(RenewLink(tenant_id=link.tenant_id, link_id=link.link_id))


def _graph_row(env: Env, sub_id: str | None) -> SubscriptionRow | None:
    stored = env.repos.subscriptions.get("graph", sub_id) if sub_id else None
    return stored.row if stored else None


def _remote_subs(env: Env) -> dict[str, dict[str, Any]]:
    now = datetime.now(UTC)
    return {s["id"]: s for s in env.graph_emulator("/_emulator/subscriptions")["value"]
            if datetime.fromisoformat(s["expires"].replace("Z", "+00:00")) > now}


def _writes(env: Env, client_id: str) -> dict[str, int]:
    routes = env.graph_emulator("/_emulator/stats")["clients"].get(client_id, {}).get("routes", {})
    return {r: n for r, n in routes.items() if r.split(" ")[0] in ("POST", "PATCH", "DELETE")}


def test_a_subscription_near_expiry_is_renewed_and_a_fresh_one_is_left_alone(env: Env) -> None:
    link = env.new_link()
    sub_id = link.graph_subscription_id
    assert sub_id is not None
    env.take()
    graph = env.graph_session("app")
    try:
        short = subscriptions.renew_subscription(graph, sub_id, lifetime=timedelta(hours=1))
    finally:
        graph.close()
    assert short is not None
    env.repos.subscriptions.mutate("graph", sub_id, lambda r: r.model_copy(update={"expires_at": short.expiration}))

    _renew(env, link)
    row = _graph_row(env, sub_id)
    assert row is not None and row.expires_at is not None
    assert row.expires_at - datetime.now(UTC) > timedelta(days=29)          # PATCHed to the full lifetime
    remote = _remote_subs(env)[sub_id]
    assert remote["expires"].startswith(row.expires_at.strftime("%Y-%m-%dT%H:%M"))
    assert env.link(link.link_id).graph_subscription_id == sub_id            # renewed, not replaced
    assert env.take() == []

    before = row.expires_at
    _renew(env, link)                                                         # far from expiry: no PATCH
    after = _graph_row(env, sub_id)
    assert after is not None and after.expires_at == before
    assert _remote_subs(env)[sub_id]["expires"] == remote["expires"]
    assert RENEW_BELOW > timedelta(days=14)


def test_a_deleted_subscription_is_recreated_from_the_stored_url(env: Env) -> None:
    assert env.services.settings.public_base_url is None                     # a timer has no request either
    link = env.new_link()
    old = link.graph_subscription_id
    assert old is not None
    env.take()
    env.graph_emulator(f"/_emulator/subscriptions/{old}/expire", {})
    validations = env.receiver.validations

    _renew(env, link)
    new = env.link(link.link_id).graph_subscription_id
    assert new is not None and new != old
    remote = _remote_subs(env)
    assert new in remote and old not in remote
    assert remote[new]["notificationUrl"] == f"{env.receiver.base_url}/api/webhooks/graph"
    assert env.receiver.validations == validations + 1                        # the handshake reached "us"
    row = _graph_row(env, new)
    assert row is not None and row.link_id == link.link_id and len(row.secret_hash) == 64
    assert _graph_row(env, old) is None
    sent = env.take()
    assert [m["kind"] for m in sent] == ["drive_delta"] and sent[0]["link_id"] == link.link_id

    _renew(env, link)                                                         # redelivery: nothing more
    assert env.link(link.link_id).graph_subscription_id == new and env.take() == []


def test_without_a_stored_url_the_procore_hook_tells_where_we_live(env: Env) -> None:
    link = env.new_link()
    old = link.graph_subscription_id
    assert old is not None and link.procore_hook_id is not None
    env.take()
    for kind, key in (("graph", old), ("procore", hook_key(link.tenant_id, link.procore_hook_id))):
        env.repos.subscriptions.mutate(kind, key, lambda r: r.model_copy(update={"notification_url": None}))
    env.graph_emulator(f"/_emulator/subscriptions/{old}/expire", {})

    _renew(env, link)
    new = env.link(link.link_id).graph_subscription_id
    assert new not in (None, old)
    assert _remote_subs(env)[str(new)]["notificationUrl"] == f"{env.receiver.base_url}/api/webhooks/graph"


def test_a_deleted_procore_hook_is_recreated_with_its_triggers(env: Env) -> None:
    link = env.new_link()
    old = link.procore_hook_id
    assert old is not None
    env.take()
    app = env.procore_client("app")
    try:
        app.webhooks.delete_hook(SCOPE, old)
        _renew(env, link)
        new = env.link(link.link_id).procore_hook_id
        assert new is not None and new != old
        hooks = {h.id: h for h in app.webhooks.list_hooks(SCOPE, namespace=HOOK_NAMESPACE)}
        assert old not in hooks and new in hooks
        hook = hooks[new]
        assert hook.destination_url == f"{env.receiver.base_url}/api/webhooks/procore/{link.tenant_id}/{link.link_id}"
        triggers = {(t.resource_name, t.event_type) for t in app.webhooks.list_triggers(SCOPE, new)}
        assert triggers == set(triggers_for(link.tools, company=False)) and triggers
        stored = env.repos.subscriptions.get("procore", hook_key(link.tenant_id, new))
        assert stored is not None and stored.row.link_id == link.link_id
        assert hook.destination_headers is not None
        assert stored.row.secret_hash == secret_hash(hook.destination_headers["Authorization"])  # deliveries pass
        assert env.repos.subscriptions.get("procore", hook_key(link.tenant_id, old)) is None
        assert env.take() == []                          # initial-sync stage: no reconcile pass yet
    finally:
        app.close()


def test_a_deleted_trigger_is_added_back_on_the_same_hook(env: Env) -> None:
    link = env.new_link()
    hook_id = link.procore_hook_id
    assert hook_id is not None
    app = env.procore_client("app")
    try:
        triggers = app.webhooks.list_triggers(SCOPE, hook_id)
        gone = next(t for t in triggers if (t.resource_name, t.event_type) == ("Project Files", "update"))
        app.webhooks.delete_trigger(SCOPE, hook_id, gone.id)
        _renew(env, link)
        assert env.link(link.link_id).procore_hook_id == hook_id
        now = {(t.resource_name, t.event_type) for t in app.webhooks.list_triggers(SCOPE, hook_id)}
        assert ("Project Files", "update") in now and len(now) == len(triggers)
        stored = env.repos.subscriptions.get("procore", hook_key(link.tenant_id, hook_id))
        assert stored is not None and len(stored.row.trigger_ids) == len(triggers)
    finally:
        app.close()


def test_a_healthy_link_is_only_read(env: Env) -> None:
    link = env.new_link()
    env.take()
    app_id = env.graph_emu.descriptor()["app"]["client_id"]
    graph_before = _writes(env, app_id)
    procore_before = _procore_writes(env)
    _renew(env, link)
    _renew(env, link)
    assert _writes(env, app_id) == graph_before
    assert _procore_writes(env) == procore_before
    after = env.link(link.link_id)
    assert (after.graph_subscription_id, after.procore_hook_id) == (link.graph_subscription_id, link.procore_hook_id)
    assert env.take() == []


def _procore_writes(env: Env) -> dict[str, int]:
    with __import__("httpx").Client(timeout=30) as http:
        stats = http.get(env.procore_emu.descriptor["base_url"] + "/_emulator/stats").json()
    routes = stats["by_client"].get(env.procore_emu.descriptor["app"]["client_id"], {}).get("routes", {})
    return {r: v["calls"] for r, v in routes.items() if r.split(" ")[0] in ("POST", "PATCH", "PUT", "DELETE")}


def test_two_deliveries_at_once_leave_one_live_subscription(env: Env) -> None:
    link = env.new_link()
    old = link.graph_subscription_id
    assert old is not None
    env.take()
    env.graph_emulator(f"/_emulator/subscriptions/{old}/expire", {})
    live_before = len(_remote_subs(env))
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            _renew(env, link)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    new = env.link(link.link_id).graph_subscription_id
    remote = _remote_subs(env)
    assert new in remote and len(remote) == live_before + 1                  # the loser removed its own
    rows = [s for s in remote if (r := _graph_row(env, s)) is not None and r.link_id == link.link_id]
    assert rows == [new]


def test_a_stray_hook_for_the_link_is_removed_and_the_current_one_kept(env: Env) -> None:
    link = env.new_link()
    current = link.procore_hook_id
    assert current is not None
    app = env.procore_client("app")
    try:
        url = next(h.destination_url for h in app.webhooks.list_hooks(SCOPE, namespace=HOOK_NAMESPACE)
                   if h.id == current)
        stray = app.webhooks.create_hook(SCOPE, namespace=HOOK_NAMESPACE, destination_url=url,
                                         authorization="Bearer a-secret-nobody-kept")
        _renew(env, link)
        left = {h.id for h in app.webhooks.list_hooks(SCOPE, namespace=HOOK_NAMESPACE)}
        assert current in left and stray.id not in left
        assert env.link(link.link_id).procore_hook_id == current
    finally:
        app.close()
