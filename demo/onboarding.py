"""Onboarding through the public API as a customer's admin would (contract §4): POST /api/tenants with
the operator key, POST /api/tenants/{t}/links with the tenant key (a project's link, or the company
Documents link); then the link's status.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from demo.stack import Running
from demo.waiting import DemoFailure, wait_for
from shared.models.api import ToolKey

NOTIFY = ["ops@example.com", "pm@example.com"]
# The tools a link is onboarded with unless the caller says: Documents only, every other tool off (the
# product's defaults turn the one-way tools on; the Documents tests and the demo's tree check ask for less).
DOCUMENTS_ONLY: dict[str, str] = {tool.value: "off" for tool in ToolKey} | {ToolKey.DOCUMENTS.value: "two_way"}


@dataclass
class Onboarded:
    tenant_id: str
    api_key: str
    link_id: str
    folder_path: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def status_path(self) -> str:
        return f"/api/tenants/{self.tenant_id}/links/{self.link_id}"


def create_tenant(run: Running, *, name: str = "Acme Builders", notify: list[str] | None = None,
                  settings: dict[str, Any] | None = None) -> tuple[str, str]:
    """A tenant with the stack's `app` credentials (POST /api/tenants, operator key): (tenant id, its API key)."""
    p, g = run.doc["procore"], run.doc["graph"]
    tenant = run.api.post("/api/tenants", headers={"x-functions-key": run.doc["admin_key"]}, json={
        "name": name,
        "procore": {"company_id": p["company_id"], "client_id": p["app"]["client_id"],
                    "client_secret": p["app"]["client_secret"], "base_url": p["base_url"],
                    "login_url": p["login_url"]},
        "microsoft": {"tenant_id": g["tenant_id"], "client_id": g["app"]["client_id"],
                      "client_secret": g["app"]["client_secret"], "graph_url": g["base_url"],
                      "authority": g["authority"]},
        "notify": notify or NOTIFY,
        **({"settings": settings} if settings else {}),
    })
    if tenant.status_code != 201:
        raise DemoFailure(f"POST /api/tenants answered {tenant.status_code}: {tenant.text}")
    body = tenant.json()
    return str(body["tenant_id"]), str(body["api_key"])


def _add_link(run: Running, tenant_id: str, api_key: str, folder: str, request: dict[str, Any]) -> Onboarded:
    """POST /api/tenants/{t}/links (tenant key) into `folder` of the stack's first site."""
    link = run.api.post(f"/api/tenants/{tenant_id}/links", headers={"Authorization": f"Bearer {api_key}"},
                        json={**request, "sharepoint": {"site_id": run.site["id"], "drive_id": run.site["drive_id"],
                                                        "folder_path": folder}})
    if link.status_code != 202:
        raise DemoFailure(f"POST /api/tenants/.../links answered {link.status_code}: {link.text}")
    return Onboarded(tenant_id, api_key, link.json()["link_id"], folder)


def onboard(run: Running, project_id: int = 101, *, initial_sync: str = "standard",
            folder_path: str | None = None, notify: list[str] | None = None,
            settings: dict[str, Any] | None = None, tools: dict[str, str] | None = None) -> Onboarded:
    """Create a tenant with the stack's `app` credentials and link `project_id` to the first site, with
    `tools` (default: DOCUMENTS_ONLY)."""
    tenant_id, api_key = create_tenant(run, notify=notify, settings=settings)
    folder = folder_path or f"Projects/Riverside {uuid.uuid4().hex[:6]}"
    return _add_link(run, tenant_id, api_key, folder, {
        "procore_project_id": project_id, "initial_sync": initial_sync,
        "tools": DOCUMENTS_ONLY if tools is None else tools})


def link_company_documents(run: Running, tenant: Onboarded, folder_path: str, *,
                           initial_sync: str = "standard") -> Onboarded:
    """One more link of `tenant`'s: the company's Documents tool (`"procore_company_documents": true`, two-way
    by default) into `folder_path`; its tree mirrors directly below that folder."""
    return _add_link(run, tenant.tenant_id, tenant.api_key, folder_path,
                     {"procore_company_documents": True, "initial_sync": initial_sync})


def onboard_company(run: Running, folder_path: str, *, initial_sync: str = "standard",
                    name: str = "Acme Company Docs") -> Onboarded:
    """A new tenant (the stack's `app` credentials) whose one link is the company's Documents."""
    tenant_id, api_key = create_tenant(run, name=name)
    return _add_link(run, tenant_id, api_key, folder_path,
                     {"procore_company_documents": True, "initial_sync": initial_sync})


def link_status(run: Running, ob: Onboarded) -> dict[str, Any]:
    resp = run.api.get(ob.status_path(), headers=ob.auth)
    if resp.status_code != 200:
        raise DemoFailure(f"GET {ob.status_path()} answered {resp.status_code}: {resp.text}")
    return dict(resp.json())


def sign_in_link(run: Running, ob: Onboarded) -> str:
    """A one-time dashboard sign-in link for the tenant (a code in the URL fragment, never the key)."""
    resp = run.api.post(f"/api/tenants/{ob.tenant_id}/sign-in-codes", headers=ob.auth)
    if resp.status_code != 201:
        raise DemoFailure(f"POST /api/tenants/.../sign-in-codes answered {resp.status_code}: {resp.text}")
    return str(resp.json()["sign_in_url"])


def check_stage(status: dict[str, Any]) -> bool:
    """True once the link is `regular`; DemoFailure when it has stopped (`failed` or `paused`)."""
    if status["stage"] in ("failed", "paused"):
        raise DemoFailure(f"the link went {status['stage']}: {status.get('stage_reason')} (counts {status['counts']})")
    return bool(status["stage"] == "regular")


def wait_regular(run: Running, ob: Onboarded, timeout: float = 400) -> dict[str, Any]:
    """Wait for the link to reach `regular`; on a timeout the failure says where the sync stood (stage,
    counts, the last activity) so a stall seen once in CI can be told from slowness."""
    last: dict[str, Any] = {}

    def done() -> dict[str, Any] | None:
        status = link_status(run, ob)
        last.update(status)
        return status if check_stage(status) else None

    try:
        return wait_for(done, timeout, "the initial sync to complete", interval=1.0)
    except DemoFailure as exc:
        activity = run.api.get(ob.status_path() + "/activity", params={"limit": 5}, headers=ob.auth)
        raise DemoFailure(f"{exc}: stage {last.get('stage')}, counts {last.get('counts')}, "
                          f"last activity {activity.text[:1500]}") from None
