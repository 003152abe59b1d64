"""The dashboard's page and its API routes through the real local host over HTTP (Azurite + both
emulators): the static page without a key, the overview figures, failed items and their retry, a re-sync
on demand, a tenant's own release of held deletes, one-time sign-in codes and the operator's tenant list;
each with the onboarding API's auth rules (own key or the operator mirror; another tenant's is a 404) and
a clear 4xx for bad input.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from emulators.procore.server import RunningEmulator
from shared.models.api import ToolKey
from shared.models.rows import ItemKind, ItemRow, ItemState, Stage
from shared.store.repositories import Repositories
from tests.integration.onboarding.conftest import Host, Tenant, create_tenant, link_body


@pytest.fixture(scope="module")
def other(host: Host, procore_emu: RunningEmulator, graph_desc: dict[str, Any]) -> Tenant:
    return create_tenant(host, procore_emu, graph_desc, name="Other GC")


@pytest.fixture(scope="module")
def link_id(host: Host, tenant: Tenant, graph_desc: dict[str, Any]) -> str:
    r = host.http.post(tenant.links, json=link_body(graph_desc, f"Dash/t-{uuid.uuid4().hex[:10]}", 101),
                       headers=tenant.auth)
    assert r.status_code == 202, r.text
    return str(r.json()["link_id"])


def _error(r: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = dict(r.json())
    assert body["error"] and body["message"]
    if field is not None:
        assert [p["field"] for p in body["problems"]] == [field], body
    return body


def test_the_page_is_served_to_anyone_and_nothing_else_is(host: Host) -> None:
    r = host.http.get("/api/dashboard/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert host.http.get("/api/dashboard/app.js").headers["content-type"].startswith("text/javascript")
    assert host.http.get("/api/dashboard/vendor/chart.umd.min.js").status_code == 200
    for path in ("/api/dashboard/nope.js", "/api/dashboard/handlers.py", "/api/dashboard/%2e%2e/assets.py"):
        _error(host.http.get(path), 404)


def test_overview_and_items(host: Host, tenant: Tenant, other: Tenant, link_id: str) -> None:
    overview = f"/api/tenants/{tenant.tenant_id}/overview"
    r = host.http.get(overview, params={"window": "12h"}, headers=tenant.auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["window"] == "12h" and body["bucket_seconds"] == 1800 and len(body["transfers"]) == 24
    (figures,) = [f for f in body["links"] if f["link_id"] == link_id]
    assert figures["stage"] == "initial_sync" and figures["progress"] == 0.0 and figures["storage_bytes"] == 0
    assert {s["service"] for s in body["services"]} == {"procore", "microsoft"}
    assert all(s["state"] == "ok" for s in body["services"]), body["services"]
    _error(host.http.get(overview, params={"window": "3h"}, headers=tenant.auth), 400, "window")
    _error(host.http.get(overview), 401)
    _error(host.http.get(overview, headers=other.auth), 404)
    assert host.http.get("/api/operator" + overview[4:], headers=host.operator()).status_code == 200

    items = f"{tenant.links}/{link_id}/items"
    assert host.http.get(items, params={"state": "failed"}, headers=tenant.auth).json() == {"items": []}
    _error(host.http.get(items, params={"state": "broken"}, headers=tenant.auth), 400, "state")
    _error(host.http.get(items, params={"state": "failed", "limit": "0"}, headers=tenant.auth), 400, "limit")
    _error(host.http.get(items, params={"state": "failed"}, headers=other.auth), 404)


def test_retry_a_failed_item_and_resync_a_link(host: Host, tenant: Tenant, other: Tenant, link_id: str,
                                               repos: Repositories) -> None:
    now = datetime.now(UTC)
    repos.items.upsert(ItemRow(link_id=link_id, tool=ToolKey.DOCUMENTS, procore_id="777", kind=ItemKind.FILE,
                               state=ItemState.FAILED, reason="Procore answered 500 three times",
                               procore_name="Broken.pdf", updated_at=now))
    base = f"{tenant.links}/{link_id}"
    listed = host.http.get(base + "/items", params={"state": "failed"}, headers=tenant.auth).json()["items"]
    assert [(i["procore_id"], i["reason"]) for i in listed] == [("777", "Procore answered 500 three times")]

    where = host.http.get(base + "/items/location", params={"tool": "documents", "procore_id": "777"},
                          headers=tenant.auth)
    assert where.status_code == 200 and where.json()["sharepoint_url"] is None, where.text   # no twin yet
    _error(host.http.get(base + "/items/location", params={"tool": "documents", "procore_id": "1"},
                         headers=tenant.auth), 404)
    _error(host.http.get(base + "/items/location", params={"tool": "nope", "procore_id": "777"},
                         headers=tenant.auth), 404)

    retry = base + "/items/retry"
    _error(host.http.post(retry, json={"tool": "documents"}, headers=tenant.auth), 422, "procore_id")
    _error(host.http.post(retry, json={"tool": "documents", "procore_id": "1"}, headers=tenant.auth), 404)
    _error(host.http.post(retry, json={"tool": "documents", "procore_id": "777"}, headers=other.auth), 404)
    r = host.http.post(retry, json={"tool": "documents", "procore_id": "777"}, headers=tenant.auth)
    assert r.status_code == 202 and r.json()["state"] == "pending", r.text
    stored = repos.items.get(link_id, "documents:777")
    assert stored is not None and stored.row.state is ItemState.PENDING
    _error(host.http.post(retry, json={"tool": "documents", "procore_id": "777"}, headers=tenant.auth), 409)

    _error(host.http.post(base + "/resync", headers=tenant.auth), 409)        # still in its initial sync
    repos.links.mutate(tenant.tenant_id, link_id, lambda r: r.model_copy(update={"stage": Stage.REGULAR}))
    r = host.http.post("/api/operator" + base[4:] + "/resync", headers=host.operator())
    assert r.status_code == 202 and r.json() == {"link_id": link_id, "queued": True}, r.text
    queued = [m for m in host.messages(host.queue_live) if m.get("kind") == "reconcile_link"]
    assert [m["link_id"] for m in queued] == [link_id]


def test_a_tenant_decides_its_own_held_deletes(host: Host, tenant: Tenant, other: Tenant, link_id: str) -> None:
    held = f"{tenant.links}/{link_id}/held-deletes"
    _error(host.http.post(held, json={"action": "maybe"}, headers=tenant.auth), 422, "action")
    _error(host.http.post(held, json={"action": "release"}, headers=other.auth), 404)
    r = host.http.post(held, json={"action": "release"}, headers=tenant.auth)
    assert r.status_code == 200 and r.json() == {"action": "release", "count": 0}, r.text


def test_sign_in_codes_and_the_operator_tenant_list(host: Host, tenant: Tenant, other: Tenant) -> None:
    r = host.http.post(f"/api/tenants/{tenant.tenant_id}/sign-in-codes", headers=tenant.auth)
    assert r.status_code == 201, r.text
    made = r.json()
    assert tenant.api_key not in r.text and made["sign_in_url"].endswith("/api/dashboard/#code=" + made["code"])
    first = host.http.post("/api/sign-in", json={"code": made["code"]})
    assert first.status_code == 200 and first.json() == {"kind": "tenant", "tenant_id": tenant.tenant_id,
                                                          "key": tenant.api_key}
    assert first.headers["cache-control"] == "no-store"
    _error(host.http.post("/api/sign-in", json={"code": made["code"]}), 400, "code")
    _error(host.http.post("/api/sign-in", json={"code": "<script>"}), 422, "code")
    _error(host.http.post(f"/api/tenants/{tenant.tenant_id}/sign-in-codes", headers=other.auth), 404)

    r = host.http.post(f"/api/operator/tenants/{tenant.tenant_id}/sign-in-codes", headers=host.operator())
    assert r.status_code == 201, r.text
    operator = host.http.post("/api/sign-in", json={"code": r.json()["code"]}).json()
    assert (operator["kind"], operator["key"]) == ("operator", host.function_key)

    listed = host.http.get("/api/operator/tenants", headers=host.operator())
    assert listed.status_code == 200
    names = {t["tenant_id"]: t["name"] for t in listed.json()["items"]}
    assert names[tenant.tenant_id] == "Acme Builders" and names[other.tenant_id] == "Other GC"
    assert host.http.get("/api/operator/tenants", headers=tenant.auth).status_code == 401
