"""Creating, reading and updating a tenant: credentials into the secret store, a reference-only row,
a fresh API key.

The client secrets go to the SecretStore under `t-<tenant id>-procore` / `t-<tenant id>-microsoft`;
the tenants row holds the references and the SHA-256 of the API key's secret, never a secret. The
key itself is returned once and cannot be read back (rotate it to get a new one). A failure after
the secrets were stored removes them again. An update checks new credentials against Procore and
Microsoft first (credentials.py), stores a new secret under a new name (so every process's cached
client is rebuilt) and removes the old one after the row points at the new one.
Never imports azure.functions.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from pydantic import ValidationError

from shared.models.api import CreateTenantRequest, CreateTenantResponse, TenantSettings
from shared.models.rows import MicrosoftConnection, ProcoreConnection, Stage, TenantRow
from shared.onboarding import credentials
from shared.onboarding.api_keys import new_api_key
from shared.onboarding.schemas import (
    FieldProblem,
    MicrosoftInfo,
    ProcoreInfo,
    TenantInfo,
    TenantSettingsUpdate,
    UpdateTenantRequest,
)
from shared.onboarding.web import ApiProblem, not_found, problem_from
from shared.runtime import Services
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


def check_new_tenant(services: Services, request: CreateTenantRequest) -> None:
    """Both credentials of a tenant about to be created, checked (422 naming the one refused)."""
    p, m = request.procore, request.microsoft
    credentials.check_procore(credentials.ProcoreCandidate(
        company_id=p.company_id, client_id=p.client_id, client_secret=p.client_secret.get_secret_value(),
        base_url=p.base_url, login_url=p.login_url))
    credentials.check_microsoft(credentials.MicrosoftCandidate(
        tenant_id=m.tenant_id, client_id=m.client_id, client_secret=m.client_secret.get_secret_value(),
        graph_url=m.graph_url, authority=m.authority), [], services.settings.extra_ca_file)


def tenant_info(row: TenantRow) -> TenantInfo:
    p, m = row.procore, row.microsoft
    return TenantInfo(tenant_id=row.tenant_id, name=row.name,
                      procore=ProcoreInfo(company_id=p.company_id, client_id=p.client_id, base_url=p.base_url,
                                          login_url=p.login_url),
                      microsoft=MicrosoftInfo(tenant_id=m.tenant_id, client_id=m.client_id, graph_url=m.graph_url,
                                              authority=m.authority),
                      notify=list(row.notify), settings=row.settings, created_at=row.created_at)


def _merged_settings(current: TenantSettings, patch: TenantSettingsUpdate | None) -> TenantSettings:
    if patch is None:
        return current
    given = patch.model_dump(exclude_unset=True)
    try:
        return TenantSettings.model_validate({**current.model_dump(), **given})
    except ValidationError as exc:
        problems = [FieldProblem(field=f"settings.{p.field}", problem=p.problem)
                    for p in problem_from(exc, TenantSettings).problems]     # named as sent
        summary = "; ".join(f"{p.field}: {p.problem}" for p in problems)
        raise ApiProblem(422, "invalid_request", f"The request has {len(problems)} invalid field(s): {summary}",
                         problems) from None


def _linked_sites(repos: Repositories, tenant_id: str) -> list[str]:
    return [s.row.site_id for s in repos.links.query(tenant_id) if s.row.stage is not Stage.DELETED]


def _new_secret_name(tenant_id: str, system: str) -> str:
    return f"{secret_name(tenant_id, system)}-{uuid.uuid4().hex[:8]}"


def update_tenant(services: Services, tenant: TenantRow, request: UpdateTenantRequest) -> tuple[TenantRow, list[str]]:
    """The updated row and the systems whose credentials changed (each checked before anything is saved)."""
    repos, secrets = services.repos, services.secrets
    settings = _merged_settings(tenant.settings, request.settings)
    procore, microsoft = tenant.procore, tenant.microsoft
    changed: list[str] = []
    new_refs: dict[str, str] = {}
    p, m = request.procore, request.microsoft
    if p is not None and p.model_fields_set:
        secret = p.client_secret.get_secret_value() if p.client_secret else secrets.get(procore.secret_ref)
        candidate = credentials.ProcoreCandidate(
            company_id=procore.company_id, client_id=p.client_id or procore.client_id, client_secret=secret,
            base_url=p.base_url or procore.base_url, login_url=p.login_url or procore.login_url)
        credentials.check_procore(candidate)
        procore = procore.model_copy(update={"client_id": candidate.client_id, "base_url": candidate.base_url,
                                             "login_url": candidate.login_url})
        changed.append("procore")
    if m is not None and m.model_fields_set:
        secret = m.client_secret.get_secret_value() if m.client_secret else secrets.get(microsoft.secret_ref)
        ms = credentials.MicrosoftCandidate(
            tenant_id=microsoft.tenant_id, client_id=m.client_id or microsoft.client_id, client_secret=secret,
            graph_url=m.graph_url or microsoft.graph_url,
            authority=m.authority if "authority" in m.model_fields_set else microsoft.authority)
        credentials.check_microsoft(ms, _linked_sites(repos, tenant.tenant_id), services.settings.extra_ca_file)
        microsoft = microsoft.model_copy(update={"client_id": ms.client_id, "graph_url": ms.graph_url,
                                                 "authority": ms.authority})
        changed.append("microsoft")
    try:   # a new reference for each changed system: every process builds its client for it afresh
        if "procore" in changed:
            new_refs["procore"] = secrets.put(_new_secret_name(tenant.tenant_id, "procore"), candidate.client_secret)
            procore = procore.model_copy(update={"secret_ref": new_refs["procore"]})
        if "microsoft" in changed:
            new_refs["microsoft"] = secrets.put(_new_secret_name(tenant.tenant_id, "microsoft"), ms.client_secret)
            microsoft = microsoft.model_copy(update={"secret_ref": new_refs["microsoft"]})
        update = {"settings": settings, "procore": procore, "microsoft": microsoft,
                  **({"name": request.name} if request.name is not None else {}),
                  **({"notify": request.notify} if request.notify is not None else {})}
        stored = repos.tenants.mutate(TENANT_PARTITION, tenant.tenant_id,
                                      lambda row: row.model_copy(update=update) if row is not None else None)
        if stored is None:
            raise not_found("tenant")
    except BaseException:
        for ref in new_refs.values():
            _forget_secret(secrets, ref)
        raise
    for system, old in (("procore", tenant.procore.secret_ref), ("microsoft", tenant.microsoft.secret_ref)):
        if system in new_refs and old != new_refs[system]:
            _forget_secret(secrets, old)
    _log.info("tenant updated (credentials checked: %s)", ", ".join(changed) or "none",
              extra={"tenant_id": tenant.tenant_id})
    return stored.row, changed


def _forget_secret(secrets: SecretStore, ref: str) -> None:
    try:
        secrets.delete(ref)
    except Exception:  # best effort: an orphan secret is harmless, a failed update is not
        _log.warning("could not remove secret %s", ref)
