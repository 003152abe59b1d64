"""The lifecycle API through the real local host over HTTP (Azurite + both emulators): list a tenant's
links, read and update a tenant (credentials checked against Procore and Microsoft before saving,
never echoed), change a link's tool modes, pause and resume; the same auth rules as the other routes
(a tenant's own key, or the operator's Functions key on the operator/ mirror), strict errors, and
tools the product cannot sync yet refused and shown as `not_available`.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from emulators.procore.server import RunningEmulator
from shared.models.rows import Stage
from shared.store.repositories import TENANT_PARTITION, Repositories
from tests.integration.onboarding.conftest import Host, Tenant, create_tenant, link_body


def _link_body(graph_desc: dict[str, Any], **over: Any) -> dict[str, Any]:
    return link_body(graph_desc, f"Life/t-{uuid.uuid4().hex[:10]}", 101, **over)


def _new_link(host: Host, tenant: Tenant, graph_desc: dict[str, Any], **over: Any) -> str:
    r = host.http.post(tenant.links, json=_link_body(graph_desc, **over), headers=tenant.auth)
    assert r.status_code == 202, r.text
    return str(r.json()["link_id"])


def _regular(repos: Repositories, tenant: Tenant, link_id: str) -> None:
    """As if its initial sync had finished (this host runs no queue steps)."""
    repos.links.mutate(tenant.tenant_id, link_id, lambda r: r.model_copy(update={"stage": Stage.REGULAR}))


@pytest.fixture(scope="module")
def other(host: Host, procore_emu: RunningEmulator, graph_desc: dict[str, Any]) -> Tenant:
    return create_tenant(host, procore_emu, graph_desc, name="Other GC")


def test_links_and_tenant_are_listed_and_read_without_secrets(host: Host, tenant: Tenant, other: Tenant,
                                                               graph_desc: dict[str, Any],
                                                               procore_emu: RunningEmulator) -> None:
    first, second = _new_link(host, tenant, graph_desc), _new_link(host, tenant, graph_desc)
    assert host.http.delete(f"{tenant.links}/{second}", headers=tenant.auth).status_code == 204
    r = host.http.get(tenant.links, headers=tenant.auth)
    assert r.status_code == 200, r.text
    listed = [item["link_id"] for item in r.json()["items"]]
    assert first in listed and second not in listed                         # stopped links are left out
    assert host.http.get(other.links, headers=other.auth).json()["items"] == []

    r = host.http.get(f"/api/tenants/{tenant.tenant_id}", headers=tenant.auth)
    assert r.status_code == 200, r.text
    info = r.json()
    assert info["tenant_id"] == tenant.tenant_id and info["notify"] == ["ops@example.com"]
    assert info["procore"]["company_id"] == procore_emu.descriptor["company_id"]
    assert "client_secret" not in r.text and "secret_ref" not in r.text and "api_key" not in r.text
    assert procore_emu.descriptor["app"]["client_secret"] not in r.text

    # The same auth rules as every tenant route: a key reaches only its own tenant, operators use the mirror.
    for path in (tenant.links, f"/api/tenants/{tenant.tenant_id}"):
        assert host.http.get(path).status_code == 401
        assert host.http.get(path, headers=other.auth).status_code == 404
        assert host.http.get(path, headers=host.operator()).status_code == 401
        assert host.http.get("/api/operator" + path[4:], headers=host.operator()).status_code == 200
        assert host.http.get("/api/operator" + path[4:], headers=tenant.auth).status_code == 401


def test_updated_credentials_are_checked_before_they_are_saved(host: Host, procore_emu: RunningEmulator,
                                                               graph_desc: dict[str, Any],
                                                               repos: Repositories) -> None:
    t = create_tenant(host, procore_emu, graph_desc, name="Rotating GC")
    path = f"/api/tenants/{t.tenant_id}"
    stored = repos.tenants.get(TENANT_PARTITION, t.tenant_id)
    assert stored is not None
    for system, code in (("procore", "procore_bad_credentials"), ("microsoft", "microsoft_bad_credentials")):
        r = host.http.patch(path, json={system: {"client_secret": "wrong-secret-value"}}, headers=t.auth)
        assert r.status_code == 422, r.text
        assert r.json()["error"] == code and r.json()["problems"][0]["field"] == f"{system}.client_secret"
        assert "wrong-secret-value" not in r.text
    after = repos.tenants.get(TENANT_PARTITION, t.tenant_id)
    assert after is not None and after.row == stored.row                   # nothing was saved

    right = procore_emu.descriptor["app"]["client_secret"]
    r = host.http.patch(path, json={"procore": {"client_secret": right}, "notify": ["pm@example.com"],
                                    "settings": {"mass_delete_share": 0.5}}, headers=t.auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["notify"] == ["pm@example.com"] and body["settings"]["mass_delete_share"] == 0.5
    assert body["settings"]["conflict_policy"] == stored.row.settings.conflict_policy.value   # others kept
    assert right not in r.text
    updated = repos.tenants.get(TENANT_PARTITION, t.tenant_id)
    assert updated is not None and updated.row.procore.secret_ref != stored.row.procore.secret_ref
    assert updated.row.microsoft.secret_ref == stored.row.microsoft.secret_ref

    for bad, field in (({"settings": {"mass_delete_share": 2}}, "settings.mass_delete_share"),
                       ({"procore": {"company_id": 5}}, "procore.company_id"),
                       ({"notify": ["nope"]}, "notify"), ({"nmae": "x"}, "nmae")):
        r = host.http.patch(path, json=bad, headers=t.auth)
        assert r.status_code == 422 and field in [p["field"] for p in r.json()["problems"]], (bad, r.text)
    r = host.http.patch("/api/operator" + path[4:], json={"name": "Renamed GC"}, headers=host.operator())
    assert r.status_code == 200 and r.json()["name"] == "Renamed GC"


def test_omitted_tools_take_their_defaults_and_every_tool_syncs(host: Host, tenant: Tenant,
                                                               graph_desc: dict[str, Any]) -> None:
    link_id = _new_link(host, tenant, graph_desc)                           # omitted tools: the defaults
    status = host.http.get(f"{tenant.links}/{link_id}", headers=tenant.auth).json()
    assert status["tools"]["documents"] == "two_way" and status["tools"]["photos"] == "two_way"   # issue 13
    assert status["tools"]["rfis"] == "one_way"                             # the one-way tools are on by default
    per_tool = status["tool_status"]
    assert per_tool["documents"]["state"] == "syncing" and per_tool["documents"]["mode"] == "two_way"
    assert not [t for t, s in per_tool.items() if s["state"] == "not_available"]   # every contract tool syncs
    assert not [t for t, s in per_tool.items() if s["state"] in ("syncing", "idle") and s["mode"] == "off"]


def test_tool_modes_change_only_when_the_engine_can_carry_them_out(host: Host, tenant: Tenant,
                                                                   graph_desc: dict[str, Any],
                                                                   repos: Repositories) -> None:
    # Photos and the record tools but RFIs off: Documents is the link's only two-way tool
    records_off = {t: "off" for t in ("submittals", "drawings", "forms", "observations", "inspections", "incidents",
                                      "commitments")}
    link_id = _new_link(host, tenant, graph_desc, tools={"documents": "two_way", "photos": "off", "rfis": "one_way",
                                                         **records_off})
    path = f"{tenant.links}/{link_id}"
    r = host.http.patch(path, json={"tools": {"documents": "one_way"}}, headers=tenant.auth)
    assert r.status_code == 409 and r.json()["error"] == "initial_sync_running"
    _regular(repos, tenant, link_id)
    r = host.http.patch(path, json={"tools": {"rfis": "off"}}, headers=tenant.auth)     # a one-way tool off
    assert r.status_code == 200 and r.json()["tools"]["rfis"] == "off", r.text
    r = host.http.patch(path, json={"tools": {"documents": "one_way"}}, headers=tenant.auth)
    assert r.status_code == 200 and r.json()["tools"]["documents"] == "one_way", r.text
    host.messages(host.queue_live)
    r = host.http.patch(path, json={"tools": {"documents": "two_way"}}, headers=tenant.auth)
    assert r.status_code == 200 and r.json()["tools"]["documents"] == "two_way"
    renewals = [m for m in host.messages(host.queue_live) if m["kind"] == "renew_link" and m["link_id"] == link_id]
    assert renewals == []                  # one-way kept its Graph feed (SharePoint is watched): nothing to remake
    for tools, status, code in (({"rfis": "one_way"}, 422, "transition_not_supported"),
                                ({"rfis": "two_way"}, 422, "invalid_request"),
                                ({"documents": "sometimes"}, 422, "invalid_request"),
                                ({}, 422, "invalid_request")):
        r = host.http.patch(path, json={"tools": tools}, headers=tenant.auth)
        assert (r.status_code, r.json()["error"]) == (status, code), (tools, r.text)
    r = host.http.patch(path, json={"tools": {"documents": "off"}}, headers=tenant.auth)
    assert r.status_code == 200 and r.json()["tool_status"]["documents"]["state"] == "off"
    r = host.http.patch(path, json={"tools": {"documents": "two_way"}}, headers=tenant.auth)
    assert r.status_code == 422 and r.json()["error"] == "transition_not_supported"
    assert r.json()["problems"][0]["field"] == "tools.documents"
    events = host.http.get(f"{path}/activity", headers=tenant.auth).json()["items"]
    assert [e["detail"] for e in events if e["event"] == "tools_changed"][0] == "documents: two_way -> off"


def test_pause_and_resume(host: Host, tenant: Tenant, other: Tenant, graph_desc: dict[str, Any],
                          repos: Repositories) -> None:
    link_id = _new_link(host, tenant, graph_desc)
    _regular(repos, tenant, link_id)
    path = f"{tenant.links}/{link_id}"
    assert host.http.post(path + "/pause", headers=other.auth).status_code == 404
    assert host.http.post(path + "/pause").status_code == 401
    r = host.http.post(path + "/pause", headers=tenant.auth)
    assert r.status_code == 200, r.text
    s = r.json()
    assert (s["stage"], s["pause_cause"], s["resumes_by_itself"]) == ("paused", "by_request", False)
    assert s["tool_status"]["documents"]["state"] == "paused" and s["stage_reason"]
    assert host.http.post(path + "/pause", headers=tenant.auth).json()["stage"] == "paused"   # idempotent
    host.messages(host.queue_live)
    r = host.http.post("/api/operator" + path[4:] + "/resume", headers=host.operator())
    assert r.status_code == 200 and r.json()["stage"] == "regular" and r.json()["pause_cause"] is None, r.text
    assert [m["kind"] for m in host.messages(host.queue_live) if m.get("link_id") == link_id] == ["reconcile_link"]
    r = host.http.post(path + "/resume", headers=tenant.auth)
    assert r.status_code == 409 and r.json()["error"] == "not_paused"
    assert host.http.delete(path, headers=tenant.auth).status_code == 204
    r = host.http.post(path + "/pause", headers=tenant.auth)
    assert r.status_code == 409 and r.json()["error"] == "link_stopped"


def test_the_tenant_direction_is_patched_and_shown_in_each_link_status(host: Host, tenant: Tenant,
                                                                        graph_desc: dict[str, Any],
                                                                        repos: Repositories) -> None:
    """settings.direction: one_way caps every two_way tool of the tenant's links (their own modes kept, the
    applied ones in `effective_tools`); a bad value is a 422 naming the field, and nothing changes."""
    link_id = _new_link(host, tenant, graph_desc)
    _regular(repos, tenant, link_id)
    path, link = f"/api/tenants/{tenant.tenant_id}", f"{tenant.links}/{link_id}"
    assert host.http.get(path, headers=tenant.auth).json()["settings"]["direction"] == "two_way"   # the default
    status = host.http.get(link, headers=tenant.auth).json()
    assert status["tools"]["documents"] == status["effective_tools"]["documents"] == "two_way"

    r = host.http.patch(path, json={"settings": {"direction": "one_way"}}, headers=tenant.auth)
    assert r.status_code == 200 and r.json()["settings"]["direction"] == "one_way", r.text
    status = host.http.get(link, headers=tenant.auth).json()
    assert status["tools"]["documents"] == "two_way" and status["effective_tools"]["documents"] == "one_way"

    for bad in ("sideways", "ONE_WAY", True, None):
        r = host.http.patch(path, json={"settings": {"direction": bad}}, headers=tenant.auth)
        assert r.status_code == 422 and "settings.direction" in [p["field"] for p in r.json()["problems"]], r.text
    stored = repos.tenants.get(TENANT_PARTITION, tenant.tenant_id)
    assert stored is not None and stored.row.settings.direction == "one_way"

    r = host.http.patch(path, json={"settings": {"direction": "two_way"}}, headers=tenant.auth)
    assert r.status_code == 200
    assert host.http.get(link, headers=tenant.auth).json()["effective_tools"]["documents"] == "two_way"
    document = host.http.get("/api/openapi.json").json()
    settings = document["components"]["schemas"]["TenantSettings"]["properties"]
    assert "direction" in settings


def test_an_include_private_change_queues_a_privacy_pass_of_each_link_in_regular_sync(
        host: Host, procore_emu: RunningEmulator, graph_desc: dict[str, Any], repos: Repositories) -> None:
    """Records skipped as private arrive (or synced ones are withdrawn) without waiting for a change in
    Procore: the settings PATCH queues a privacy pass per regular link, naming its tools with private items."""
    owner = create_tenant(host, procore_emu, graph_desc, name="Private GC")
    regular, starting = _new_link(host, owner, graph_desc), _new_link(host, owner, graph_desc)
    _regular(repos, owner, regular)
    path = f"/api/tenants/{owner.tenant_id}"
    seen = len(host.messages(host.queue_live))

    def passes() -> list[dict[str, Any]]:
        """The privacy passes queued since the last call (messages() lists every message it ever took)."""
        nonlocal seen
        taken = host.messages(host.queue_live)
        new, seen = taken[seen:], len(taken)
        return [m for m in new if m["kind"] == "reconcile_link" and m["link_id"] in (regular, starting)]

    r = host.http.patch(path, json={"settings": {"include_private": True}}, headers=owner.auth)
    assert r.status_code == 200 and r.json()["settings"]["include_private"] is True, r.text
    (queued,) = passes()                                   # the link still in its initial sync reads it itself
    assert queued["link_id"] == regular and queued["graph"] is False
    assert {"rfis", "submittals", "forms", "observations", "inspections", "incidents", "commitments"} \
        <= set(queued["privacy"]) and not {"documents", "photos", "drawings"} & set(queued["privacy"])
    assert host.http.patch(path, json={"settings": {"include_private": True, "weekly_digest": False}},
                           headers=owner.auth).status_code == 200
    assert passes() == []                                  # include_private unchanged: no pass
    assert host.http.patch(path, json={"settings": {"include_private": False}}, headers=owner.auth).status_code == 200
    assert [m["privacy"] for m in passes()] == [queued["privacy"]]   # turned off: withdrawn the same way
