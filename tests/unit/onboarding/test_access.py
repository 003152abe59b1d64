"""SharePoint access checks where the emulator cannot go: a site the app may read but not write.
Graph is a handler behind httpx.MockTransport (the client's injected seam), MSAL included."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest

from shared.graph.auth import TokenProvider
from shared.graph.config import GraphConfig
from shared.graph.session import GraphSession
from shared.models.api import InitialSync, SharePointTarget
from shared.onboarding.access import PROBE_PREFIX, check_sharepoint
from shared.onboarding.web import ApiProblem

AUTHORITY = "https://login.example.test/tenant-a"
DENIED = {"error": {"code": "accessDenied", "message": "Access denied"}}


def _session(graph: Callable[[httpx.Request], httpx.Response]) -> GraphSession:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/.well-known/openid-configuration"):
            return httpx.Response(200, json={"token_endpoint": f"{AUTHORITY}/oauth2/v2.0/token",
                                             "authorization_endpoint": f"{AUTHORITY}/oauth2/v2.0/authorize",
                                             "issuer": f"{AUTHORITY}/v2.0"})
        if request.url.path.endswith("/oauth2/v2.0/token"):
            return httpx.Response(200, json={"token_type": "Bearer", "expires_in": 3599, "access_token": "t"})
        return graph(request)

    transport = httpx.MockTransport(handler)
    config = GraphConfig(tenant_id="tenant-a", client_id=str(uuid.uuid4()), client_secret="s", authority=AUTHORITY,
                         graph_url="https://graph.example.test/v1.0")
    return GraphSession(config, http=httpx.Client(transport=transport), tokens=TokenProvider(config, transport),
                        sleep=lambda _: None)


def _read_only_site(existing: set[str]) -> tuple[Callable[[httpx.Request], httpx.Response], list[str]]:
    """A site with drive d1 whose root holds the folders in `existing`; every write is refused."""
    calls: list[str] = []

    def graph(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v1.0")
        calls.append(f"{request.method} {path}")
        if path == "/sites/s1/drives":
            return httpx.Response(200, json={"value": [{"id": "d1", "name": "Documents"}]})
        if path == "/drives/d1/root":
            return httpx.Response(200, json={"id": "root", "name": "root", "root": {}, "folder": {}})
        if request.method == "GET" and path.startswith("/drives/d1/items/root:/"):
            name = path.split(":/", 1)[1].rstrip(":")
            if name in existing:
                return httpx.Response(200, json={"id": f"id-{name}", "name": name, "folder": {"childCount": 0}})
            return httpx.Response(404, json={"error": {"code": "itemNotFound", "message": "nope"}})
        if request.method == "GET" and path.endswith("/children"):
            return httpx.Response(200, json={"value": []})
        if request.method == "POST":
            return httpx.Response(403, json=DENIED)
        return httpx.Response(404, json={"error": {"code": "itemNotFound", "message": path}})

    return graph, calls


@pytest.mark.parametrize("existing", [set(), {"Tower"}])
def test_no_write_permission_is_a_problem_the_customer_can_act_on(existing: set[str]) -> None:
    graph, calls = _read_only_site(existing)
    target = SharePointTarget(site_id="s1", drive_id="d1", folder_path="Tower")
    with pytest.raises(ApiProblem) as caught:
        check_sharepoint(_session(graph), target, InitialSync.STANDARD)
    problem = caught.value
    assert (problem.status, problem.code) == (422, "sharepoint_permission_denied")
    assert problem.problems[0].field == "sharepoint.folder_path" and "write" in problem.message
    if existing:   # an existing folder is probed with an upload session, not by creating anything
        assert any(c.startswith("POST") and PROBE_PREFIX in c and "createUploadSession" in c for c in calls)
    else:
        assert "POST /drives/d1/items/root/children" in calls


def test_a_missing_library_lists_the_sites_libraries() -> None:
    graph, _ = _read_only_site(set())
    target = SharePointTarget(site_id="s1", drive_id="d9", folder_path="")
    with pytest.raises(ApiProblem) as caught:
        check_sharepoint(_session(graph), target, InitialSync.STANDARD)
    assert caught.value.code == "sharepoint_drive_not_found" and "d1" in caught.value.message
