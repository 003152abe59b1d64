"""Tenants, validation, tenant isolation, key rotation, operator routes, status, activity and the
OpenAPI document, through the real local host over HTTP (Azurite + both emulators)."""

from __future__ import annotations

import base64
import json
import math
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from azure.data.tables import TableServiceClient

from emulators.procore.server import RunningEmulator
from shared.models.api import ToolKey
from shared.models.rows import ItemKind, ItemRow, ItemState
from shared.onboarding.status import MAX_DAYS_PER_PAGE
from shared.store.repositories import Repositories
from tests.integration.onboarding.conftest import Host, Tenant, create_tenant, link_body, tenant_body
from tests.unit.onboarding.openapi_check import problems_of


def _link_body(graph_desc: dict[str, Any], **over: Any) -> dict[str, Any]:
    return link_body(graph_desc, f"Api/t-{uuid.uuid4().hex[:10]}", 102, **over)


@pytest.fixture(scope="module")
def other(host: Host, procore_emu: RunningEmulator, graph_desc: dict[str, Any]) -> Tenant:
    return create_tenant(host, procore_emu, graph_desc, name="Other GC")


@pytest.fixture(scope="module")
def other_link(host: Host, other: Tenant, graph_desc: dict[str, Any]) -> str:
    r = host.http.post(other.links, json=_link_body(graph_desc), headers=other.auth)
    assert r.status_code == 202, r.text
    return str(r.json()["link_id"])


def test_tenant_creation_keeps_secrets_out_of_tables_and_logs(
        host: Host, procore_emu: RunningEmulator, graph_desc: dict[str, Any], azurite_conn: str) -> None:
    body = tenant_body(procore_emu.descriptor, graph_desc)   # real secrets: they are checked before saving
    procore_secret, ms_secret = body["procore"]["client_secret"], body["microsoft"]["client_secret"]
    assert len(procore_secret) >= 16 and len(ms_secret) >= 16
    assert host.http.post("/api/tenants", json=body).status_code == 401                 # operator only
    assert host.http.post("/api/tenants", json=body, headers={"x-functions-key": "nope"}).status_code == 401
    r = host.http.post("/api/tenants", json=body, headers=host.operator())
    assert r.status_code == 201, r.text
    created = r.json()
    tenant_id, api_key = created["tenant_id"], created["api_key"]
    assert set(created) == {"tenant_id", "api_key"} and api_key.startswith(f"pcs_{tenant_id}_")
    assert procore_secret not in r.text and ms_secret not in r.text

    tables = TableServiceClient.from_connection_string(azurite_conn)
    entity = tables.get_table_client("tenants").get_entity("tenant", tenant_id)
    raw = json.dumps({k: str(v) for k, v in entity.items()})
    for secret in (procore_secret, ms_secret, api_key, api_key.rsplit("_", 1)[1]):
        assert secret not in raw
    assert f"t-{tenant_id}-procore" in raw and f"t-{tenant_id}-microsoft" in raw
    stored = tables.get_table_client("secrets").get_entity("secret", f"t-{tenant_id}-procore")
    assert procore_secret not in json.dumps({k: str(v) for k, v in stored.items()})

    auth = {"Authorization": f"Bearer {api_key}"}
    r = host.http.get(f"/api/tenants/{tenant_id}/links/{uuid.uuid4().hex}", headers=auth)
    assert r.status_code == 404 and r.json()["error"] == "not_found"                    # the key works
    log = host.log()
    for secret in (procore_secret, ms_secret, api_key.rsplit("_", 1)[1]):
        assert secret not in log


@pytest.mark.parametrize(("change", "field"), [
    (lambda b: b["procore"].update(company_id=0), "procore.company_id"),
    (lambda b: b.update(notify=["ops@example.com", "not-an-email"]), "notify"),
    (lambda b: b.update(nmae="typo"), "nmae"),
    (lambda b: b.pop("microsoft"), "microsoft"),
    (lambda b: b["microsoft"].update(graph_url="ftp://graph"), "microsoft.graph_url"),
    (lambda b: b.update(settings={"conflict_policy": "coin_flip"}), "settings.conflict_policy"),
    (lambda b: b["procore"].update(company_id=True), "procore.company_id"),
    (lambda b: b["procore"].update(company_id="1"), "procore.company_id"),
    (lambda b: b["procore"].update(company_id=2**63), "procore.company_id"),
    (lambda b: b.update(settings={"delete_sync": "false"}), "settings.delete_sync"),
])
def test_bad_tenant_fields_are_named(host: Host, procore_emu: RunningEmulator, graph_desc: dict[str, Any],
                                     change: Any, field: str) -> None:
    body = tenant_body(procore_emu.descriptor, graph_desc)
    body["procore"]["client_secret"] = secret = f"secret-{uuid.uuid4().hex}"
    change(body)
    r = host.http.post("/api/tenants", json=body, headers=host.operator())
    assert r.status_code == 422, r.text
    err = r.json()
    assert err["error"] == "invalid_request" and field in [p["field"] for p in err["problems"]]
    assert all(p["problem"] for p in err["problems"]) and field in err["message"]
    assert secret not in r.text


def test_malformed_bodies_are_400_or_name_the_body(host: Host, tenant: Tenant) -> None:
    r = host.http.post("/api/tenants", content=b'{"name": ', headers=host.operator())
    assert r.status_code == 400 and r.json()["error"] == "malformed_json"
    r = host.http.post(tenant.links, content=b"not json", headers=tenant.auth)
    assert r.status_code == 400 and r.json()["error"] == "malformed_json"
    r = host.http.post("/api/tenants", json=[1, 2], headers=host.operator())
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "body"


@pytest.mark.parametrize(("change", "field"), [
    (lambda b: b.update(initial_synk="standard"), "initial_synk"),
    (lambda b: b.update(initial_sync="sometimes"), "initial_sync"),
    (lambda b: b.update(tools={"rfis": "two_way"}), "tools.rfis"),
    (lambda b: b.update(procore_company_documents=True), "procore_project_id"),
    (lambda b: b["sharepoint"].update(folder_path="Projects/../x"), "sharepoint.folder_path"),
    (lambda b: b["sharepoint"].pop("drive_id"), "sharepoint.drive_id"),
    (lambda b: b.update(procore_project_id=-5), "procore_project_id"),
    (lambda b: b.update(procore_project_id="101"), "procore_project_id"),
    (lambda b: b.update(procore_project_id=True), "procore_project_id"),
    (lambda b: b.update(procore_project_id=2**63), "procore_project_id"),
    (lambda b: b.update(procore_project_id=None, procore_company_documents="true"), "procore_company_documents"),
])
def test_bad_link_fields_are_named(host: Host, tenant: Tenant, graph_desc: dict[str, Any], change: Any,
                                   field: str) -> None:
    body = _link_body(graph_desc)
    change(body)
    r = host.http.post(tenant.links, json=body, headers=tenant.auth)
    assert r.status_code == 422, r.text
    assert field in [p["field"] for p in r.json()["problems"]]


def test_a_key_never_reaches_another_tenants_data(host: Host, tenant: Tenant, other: Tenant, other_link: str,
                                                  graph_desc: dict[str, Any]) -> None:
    mine, theirs = tenant.auth, other.auth
    assert host.http.get(f"{other.links}/{other_link}", headers=theirs).status_code == 200
    for method, path in (("GET", f"{other.links}/{other_link}"), ("GET", f"{other.links}/{other_link}/activity"),
                         ("DELETE", f"{other.links}/{other_link}"), ("GET", f"{tenant.links}/{other_link}"),
                         ("DELETE", f"{tenant.links}/{other_link}"), ("GET", f"{tenant.links}/{other_link}/activity"),
                         ("GET", f"/api/tenants/not-an-id/links/{other_link}")):
        r = host.http.request(method, path, headers=mine)
        assert r.status_code == 404, (method, path, r.text)
        assert other_link not in r.text and other.tenant_id not in r.text
    r = host.http.post(other.links, json=_link_body(graph_desc), headers=mine)
    assert r.status_code == 404
    assert host.http.get(f"{other.links}/{other_link}", headers=theirs).json()["stage"] == "initial_sync"

    forged = f"pcs_{other.tenant_id}_{tenant.api_key.rsplit('_', 1)[1]}"
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": f"Basic {tenant.api_key}"},
                    {"Authorization": f"Bearer {forged}"}, {"Authorization": f"Bearer {tenant.api_key}x"},
                    {"Authorization": f"Bearer {host.function_key}"}, host.operator()):
        r = host.http.get(f"{other.links}/{other_link}", headers=headers)
        assert r.status_code == 401, (headers, r.text)
        assert r.headers["WWW-Authenticate"].startswith("Bearer") and r.json()["error"] == "unauthorized"


def test_operator_reaches_tenant_links_only_through_the_operator_routes(
        host: Host, other: Tenant, other_link: str) -> None:
    path = f"/api/operator/tenants/{other.tenant_id}/links/{other_link}"
    assert host.http.get(path).status_code == 401
    assert host.http.get(path, headers=other.auth).status_code == 401          # a tenant key is not an operator
    r = host.http.get(path, headers=host.operator())
    assert r.status_code == 200 and r.json()["link_id"] == other_link
    assert host.http.get(path + "/activity", headers=host.operator()).json()["items"][0]["event"] == "link_created"
    missing = f"/api/operator/tenants/{uuid.uuid4().hex}/links/{other_link}"
    assert host.http.get(missing, headers=host.operator()).status_code == 404


def test_rotating_the_api_key_retires_the_old_one(host: Host, procore_emu: RunningEmulator,
                                                  graph_desc: dict[str, Any]) -> None:
    t = create_tenant(host, procore_emu, graph_desc)
    probe = f"{t.links}/{uuid.uuid4().hex}"
    assert host.http.post(f"/api/tenants/{t.tenant_id}/api-key", headers=t.auth).status_code == 401
    r = host.http.post(f"/api/tenants/{t.tenant_id}/api-key", headers=host.operator())
    assert r.status_code == 200 and r.json()["tenant_id"] == t.tenant_id
    new_key = r.json()["api_key"]
    assert new_key != t.api_key
    assert host.http.get(probe, headers=t.auth).status_code == 401
    assert host.http.get(probe, headers={"Authorization": f"Bearer {new_key}"}).status_code == 404
    assert host.http.post(f"/api/tenants/{uuid.uuid4().hex}/api-key", headers=host.operator()).status_code == 404


def test_status_counts_items_and_lists_skipped_ones(host: Host, tenant: Tenant, graph_desc: dict[str, Any],
                                                    repos: Repositories) -> None:
    body = _link_body(graph_desc, tools={"photos": "off", "rfis": "off"})
    r = host.http.post(tenant.links, json=body, headers=tenant.auth)
    assert r.status_code == 202, r.text
    link_id = r.json()["link_id"]
    assert r.headers["Location"].endswith(f"{tenant.links}/{link_id}")
    now = datetime.now(UTC)
    states = [(ItemKind.FILE, ItemState.SYNCED)] * 3 + [(ItemKind.FOLDER, ItemState.SYNCED)] + \
        [(ItemKind.FILE, ItemState.PENDING)] * 2 + [(ItemKind.FILE, ItemState.SKIPPED)] * 2 + \
        [(ItemKind.FILE, ItemState.FAILED)]
    for n, (kind, state) in enumerate(states):
        reason = f"illegal name #{n}" if state is ItemState.SKIPPED else None
        repos.items.upsert(ItemRow(link_id=link_id, tool=ToolKey.DOCUMENTS, procore_id=str(1000 + n), kind=kind,
                                   state=state, reason=reason, procore_name=f"item-{n}", updated_at=now))

    r = host.http.get(f"{tenant.links}/{link_id}", headers=tenant.auth)
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["stage"] == "initial_sync" and s["stage_reason"] is None
    assert s["counts"] == {"synced": 4, "pending": 2, "skipped": 2, "failed": 1}
    assert s["counts_by_kind"]["folder"] == {"synced": 1, "pending": 0, "skipped": 0, "failed": 0}
    assert s["project_name"] == "Harbor View Tower" and s["procore_project_id"] == 102
    assert s["sharepoint"]["folder_path"] == body["sharepoint"]["folder_path"] and s["sharepoint"]["root_item_id"]
    assert s["tools"]["documents"] == "two_way" and s["tools"]["photos"] == "off" and s["initial_sync"] == "standard"
    assert sorted((i["name"], i["reason"]) for i in s["skipped_items"]) == [
        ("item-6", "illegal name #6"), ("item-7", "illegal name #7")]


def test_activity_is_newest_first_and_paged(host: Host, tenant: Tenant, graph_desc: dict[str, Any],
                                            repos: Repositories) -> None:
    r = host.http.post(tenant.links, json=_link_body(graph_desc), headers=tenant.auth)
    assert r.status_code == 202, r.text
    link_id = r.json()["link_id"]
    now = datetime.now(UTC)
    repos.links.mutate(tenant.tenant_id, link_id, lambda row: row and row.model_copy(
        update={"created_at": now - timedelta(days=3)}))
    for n, ago in enumerate((timedelta(days=2, hours=1), timedelta(days=1), timedelta(hours=2),
                             timedelta(minutes=5), timedelta(days=1, minutes=1))):
        repos.record_activity(repos.new_activity(link_id, "synced", at=now - ago, tool=ToolKey.DOCUMENTS,
                                                 item=str(n), path=f"/Docs/f{n}.pdf"))
    url = f"{tenant.links}/{link_id}/activity"
    seen: list[dict[str, Any]] = []
    token: str | None = None
    pages = 0
    while True:
        r = host.http.get(url, params={"limit": 2, **({"continuation": token} if token else {})}, headers=tenant.auth)
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["items"]) <= 2
        seen += page["items"]
        pages += 1
        token = page["continuation"]
        if token is None:
            break
    assert pages == 3 and len(seen) == 6
    times = [datetime.fromisoformat(e["at"]) for e in seen]
    assert times == sorted(times, reverse=True)
    assert [e["item"] for e in seen[1:]] == ["3", "2", "1", "4", "0"] and seen[0]["event"] == "link_created"
    assert seen[1]["tool"] == "documents" and seen[1]["path"] == "/Docs/f3.pdf"
    everything = host.http.get(url, headers=tenant.auth).json()
    assert [e["item"] for e in everything["items"]] == [e["item"] for e in seen] and everything["continuation"] is None
    for params, field in (({"limit": "0"}, "limit"), ({"limit": "x"}, "limit"), ({"continuation": "@@"},
                                                                                 "continuation")):
        r = host.http.get(url, params=params, headers=tenant.auth)
        assert r.status_code == 400 and r.json()["problems"][0]["field"] == field


def _link_days_ago(host: Host, tenant: Tenant, graph_desc: dict[str, Any], repos: Repositories, days: int) -> str:
    r = host.http.post(tenant.links, json=_link_body(graph_desc), headers=tenant.auth)
    assert r.status_code == 202, r.text
    link_id = str(r.json()["link_id"])
    created = datetime.now(UTC) - timedelta(days=days)
    repos.links.mutate(tenant.tenant_id, link_id, lambda row: row and row.model_copy(update={"created_at": created}))
    return link_id


def test_activity_continuation_is_signed_and_bound_to_its_link(
        host: Host, tenant: Tenant, other: Tenant, other_link: str, graph_desc: dict[str, Any],
        repos: Repositories) -> None:
    link_id = _link_days_ago(host, tenant, graph_desc, repos, 3)
    now = datetime.now(UTC)
    for n in range(3):
        repos.record_activity(repos.new_activity(link_id, "synced", at=now - timedelta(minutes=n), item=str(n)))
    url = f"{tenant.links}/{link_id}/activity"
    page = host.http.get(url, params={"limit": 2}, headers=tenant.auth).json()
    token = page["continuation"]
    assert [e["item"] for e in page["items"]] == ["0", None] and token          # None: link_created
    payload, mac = token.split(".")

    def forged(day: date, key: str = "") -> str:
        raw = json.dumps({"v": 1, "d": day.isoformat(), "k": key}).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=") + "." + mac

    other_url = f"/api/tenants/{other.tenant_id}/links/{other_link}/activity"
    for bad_url, bad_token, auth in (
            (url, forged(now.date() + timedelta(days=3650)), tenant.auth),      # ten years ahead
            (url, forged(now.date() - timedelta(days=1)), tenant.auth),         # tampered position
            (url, payload + "." + mac[::-1], tenant.auth),
            (url, payload, tenant.auth),
            (other_url, token, other.auth)):                                    # another tenant's link
        r = host.http.get(bad_url, params={"continuation": bad_token}, headers=auth)
        assert r.status_code == 400, r.text
        assert r.json()["problems"][0]["field"] == "continuation" and "continuation" in r.json()["message"]
        assert r.headers["x-content-type-options"] == "nosniff"
    rest = host.http.get(url, params={"limit": 2, "continuation": token}, headers=tenant.auth).json()
    assert [e["item"] for e in rest["items"]] == ["1", "2"] and rest["continuation"] is None
    operator = host.http.get(f"/api/operator{url.removeprefix('/api')}", params={"limit": 2, "continuation": token},
                             headers=host.operator())
    assert operator.status_code == 200 and operator.json()["items"] == rest["items"]   # same link, same token


def test_activity_pages_read_a_bounded_number_of_days(host: Host, tenant: Tenant, graph_desc: dict[str, Any],
                                                      repos: Repositories) -> None:
    days = 400
    link_id = _link_days_ago(host, tenant, graph_desc, repos, days)
    old = datetime.now(UTC) - timedelta(days=300)
    repos.record_activity(repos.new_activity(link_id, "synced", at=old, item="old"))
    url = f"{tenant.links}/{link_id}/activity"
    seen: list[dict[str, Any]] = []
    days_back: list[int] = []
    token: str | None = None
    requests = 0
    while True:
        r = host.http.get(url, params={"limit": 50, **({"continuation": token} if token else {})},
                          headers=tenant.auth)
        assert r.status_code == 200, r.text
        requests += 1
        seen += r.json()["items"]
        token = r.json()["continuation"]
        if token is None:
            break
        position = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
        days_back.append((datetime.now(UTC).date() - date.fromisoformat(position["d"])).days)
    assert [e["item"] for e in seen] == [None, "old"] and seen[0]["event"] == "link_created"
    # each request reads at most MAX_DAYS_PER_PAGE day partitions, short pages carry the continuation
    assert days_back == [MAX_DAYS_PER_PAGE * n for n in range(1, len(days_back) + 1)]
    assert requests == math.ceil((days + 1) / MAX_DAYS_PER_PAGE)


def test_every_kind_of_response_says_nosniff(host: Host, tenant: Tenant) -> None:
    responses = [host.http.get("/api/health"),        # 503: this host has no mail sender (test_health)
                 host.http.get("/api/openapi.json"),
                 host.http.get(f"{tenant.links}/{uuid.uuid4().hex}", headers=tenant.auth),     # our 404
                 host.http.get(f"{tenant.links}/{uuid.uuid4().hex}"),                          # our 401
                 host.http.post("/api/tenants", json={}),                                      # the host's 401
                 host.http.get("/api/no-such-route"),                                          # the host's 404
                 host.http.post("/api/tenants", json={}, headers=host.operator())]             # our 422
    assert [r.status_code for r in responses] == [503, 200, 404, 401, 401, 404, 422]
    for r in responses:
        assert r.headers.get_list("x-content-type-options") == ["nosniff"], r.request.url


def test_openapi_describes_every_route(host: Host) -> None:
    r = host.http.get("/api/openapi.json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    doc = r.json()
    assert problems_of(doc) == []
    assert doc["openapi"].startswith("3.") and doc["servers"] == [{"url": host.url}]
    paths = doc["paths"]
    for path, method in (("/api/tenants", "post"), ("/api/tenants/{tenant_id}/links", "post"),
                         ("/api/tenants/{tenant_id}/links/{link_id}", "get"),
                         ("/api/tenants/{tenant_id}/links/{link_id}", "delete"),
                         ("/api/tenants/{tenant_id}/links/{link_id}/activity", "get"),
                         ("/api/openapi.json", "get"), ("/api/webhooks/graph", "post"),
                         ("/api/webhooks/procore/{tenant_id}/{link_id}", "post")):
        assert method in paths[path], (path, method)
    assert paths["/api/tenants"]["post"]["security"] == [{"functionKey": []}]
    assert paths["/api/tenants/{tenant_id}/links"]["post"]["security"] == [{"tenantKey": []}]
    secret = doc["components"]["schemas"]["ProcoreCredentials"]["properties"]["client_secret"]
    assert secret.get("writeOnly") is True
