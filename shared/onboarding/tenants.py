"""Creating a tenant: credentials into the secret store, a reference-only row, a fresh API key.

The client secrets go to the SecretStore under `t-<tenant id>-procore` / `t-<tenant id>-microsoft`;
the tenants row holds the references and the SHA-256 of the API key's secret, never a secret. The
key itself is returned once and cannot be read back (rotate it to get a new one). A failure after
the secrets were stored removes them again. Never imports azure.functions.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from shared.models.api import CreateTenantRequest, CreateTenantResponse
from shared.models.rows import MicrosoftConnection, ProcoreConnection, TenantRow
from shared.onboarding.api_keys import new_api_key
from shared.secrets import SecretStore
from shared.store.repositories import TENANT_PARTITION, Repositories

_log = logging.getLogger("pcsync.onboarding")


def secret_name(tenant_id: str, system: str) -> str:
    return f"t-{tenant_id}-{system}"


def create_tenant(repos: Repositories, secrets: SecretStore, request: CreateTenantRequest) -> CreateTenantResponse:
    tenant_id = uuid.uuid4().hex
    api_key, key_hash = new_api_key(tenant_id)
    stored_refs: list[str] = []
    try:
        procore_ref = secrets.put(secret_name(tenant_id, "procore"),
                                  request.procore.client_secret.get_secret_value())
        stored_refs.append(procore_ref)
        microsoft_ref = secrets.put(secret_name(tenant_id, "microsoft"),
                                    request.microsoft.client_secret.get_secret_value())
        stored_refs.append(microsoft_ref)
        p, m = request.procore, request.microsoft
        row = TenantRow(
            tenant_id=tenant_id, name=request.name,
            procore=ProcoreConnection(company_id=p.company_id, client_id=p.client_id, secret_ref=procore_ref,
                                      base_url=p.base_url, login_url=p.login_url),
            microsoft=MicrosoftConnection(tenant_id=m.tenant_id, client_id=m.client_id, secret_ref=microsoft_ref,
                                          graph_url=m.graph_url, authority=m.authority),
            notify=request.notify, settings=request.settings, api_key_hash=key_hash, created_at=datetime.now(UTC),
        )
        repos.tenants.create(row)
    except Exception:
        for ref in stored_refs:
            try:
                secrets.delete(ref)
            except Exception:  # cleanup is best effort; the original error matters more
                _log.warning("could not remove secret %s after a failed tenant creation", ref)
        raise
    _log.info("tenant created", extra={"tenant_id": tenant_id})
    return CreateTenantResponse(tenant_id=tenant_id, api_key=api_key)


def rotate_api_key(repos: Repositories, tenant_id: str) -> CreateTenantResponse | None:
    """A new API key for the tenant (the old one stops working at once); None if no such tenant."""
    api_key, key_hash = new_api_key(tenant_id)
    stored = repos.tenants.mutate(
        TENANT_PARTITION, tenant_id,
        lambda row: row.model_copy(update={"api_key_hash": key_hash}) if row is not None else None,
    )
    if stored is None:
        return None
    _log.info("tenant API key rotated", extra={"tenant_id": tenant_id})
    return CreateTenantResponse(tenant_id=tenant_id, api_key=api_key)
