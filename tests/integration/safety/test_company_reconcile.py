"""The safety net of a company Documents link against the emulators: its reconciliation reads the company's
documents index (company-scoped route) since the watermark and hands each changed company folder and file
(a recycled one too) to detect once, named as Procore's company-level webhooks name them."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx

from shared.models.api import CreateLinkRequest
from shared.models.messages import ReconcileLink
from shared.models.rows import LinkRow, Stage
from shared.onboarding.links import create_link
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from tests.integration.safety.conftest import Env


def _company_link(env: Env) -> LinkRow:
    request = CreateLinkRequest.model_validate({
        "procore_company_documents": True, "initial_sync": "standard",
        "sharepoint": {"site_id": env.site["id"], "drive_id": env.site["drive_id"],
                       "folder_path": f"Company/{uuid.uuid4().hex[:8]}"}})
    link_id = create_link(env.services, env.tenant, request, env.receiver.base_url)
    env.repos.links.mutate(env.tenant.tenant_id, link_id, lambda r: r.model_copy(update={"stage": Stage.REGULAR}))
    return env.link(link_id)


def _reconcile(env: Env, link: LinkRow) -> list[dict[str, Any]]:
    env.run(ReconcileLink(tenant_id=link.tenant_id, link_id=link.link_id))
    return env.take()


def test_a_company_link_reconciles_from_the_company_documents_index(env: Env, tmp_path: Path) -> None:
    link = _company_link(env)
    env.take()
    _reconcile(env, link)                                  # starts the watermark at now
    scope = Scope.company(link.procore_company_id)
    user = env.procore_client("user")
    try:
        root = user.documents.root(scope, exclude_files=True)
        folder = user.documents.create_folder(scope, f"Reconciled company {link.link_id[:6]}", parent_id=root.id)
        src = tmp_path / "c.txt"
        src.write_bytes(b"company file made while the webhooks were lost\n")
        doc = user.documents.create_file(scope, name=f"Company memo {link.link_id[:6]}.txt", parent_id=folder.id,
                                         upload_uuid=user.uploads.upload(scope, FileSource(src), filename="c.txt").uuid)
        gone = user.documents.create_file(scope, name=f"Company gone {link.link_id[:6]}.txt", parent_id=folder.id,
                                          upload_uuid=user.uploads.upload(scope, FileSource(src),
                                                                          filename="g.txt").uuid)
        user.documents.delete_file(scope, gone.id)
    finally:
        user.close()

    sent = _reconcile(env, link)
    hints = [m for m in sent if m["kind"] == "procore_change"]
    by_id = {h["resource_id"]: h for h in hints}
    assert len(by_id) == len(hints)                        # each item once
    assert by_id[folder.id]["resource_name"] == "Company Folders"
    assert by_id[doc.id]["resource_name"] == "Company Files"
    assert gone.id in by_id                                # recycled: detect turns it into a delete
    assert all(h["tool"] == "documents" and h["link_id"] == link.link_id for h in hints)
    again = _reconcile(env, link)                          # nothing changed since
    assert [m for m in again if m["kind"] == "procore_change"] == []
    routes = httpx.get(env.procore_emu.base_url + "/_emulator/stats").json()["by_client"][
        env.tenant.procore.client_id]["routes"]
    assert routes.get("GET /rest/v1.0/companies/{company_id}/documents", {}).get("calls", 0) >= 4   # live + binned
