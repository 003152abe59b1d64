"""One-time dashboard sign-in codes on Azurite (shared/dashboard/signin.py): a code gives its key back once,
never after it expired or after the tenant's key was rotated, and the table never holds the key in clear."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from azure.data.tables import TableServiceClient

from shared.dashboard import signin
from shared.models.api import TenantSettings
from shared.models.rows import MicrosoftConnection, ProcoreConnection, TenantRow
from shared.onboarding.api_keys import new_api_key
from shared.onboarding.web import ApiProblem
from shared.store.repositories import Repositories

NOW = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


@pytest.fixture
def tenant(azurite_conn: str) -> tuple[Repositories, str, str]:
    repos = Repositories(TableServiceClient.from_connection_string(azurite_conn))
    tenant_id = uuid.uuid4().hex
    key, key_hash = new_api_key(tenant_id)
    repos.tenants.upsert(TenantRow(
        tenant_id=tenant_id, name="Acme", notify=[], settings=TenantSettings(), api_key_hash=key_hash, created_at=NOW,
        procore=ProcoreConnection(company_id=1, client_id="a", secret_ref="r", base_url="http://x", login_url="http://x"),
        microsoft=MicrosoftConnection(tenant_id="m", client_id="a", secret_ref="r", graph_url="http://x")))
    return repos, tenant_id, key


def _refused(repos: Repositories, code: str, now: datetime = NOW) -> None:
    with pytest.raises(ApiProblem) as caught:
        signin.exchange_code(repos, code, now)
    assert (caught.value.status, caught.value.code) == (400, "invalid_code")


def test_a_code_gives_its_key_once(tenant: tuple[Repositories, str, str], azurite_conn: str) -> None:
    repos, tenant_id, key = tenant
    code, expires = signin.create_code(repos, tenant_id, "tenant", key, NOW)
    assert expires == NOW + timedelta(seconds=600) and key not in code
    stored = TableServiceClient.from_connection_string(azurite_conn).get_table_client("signins")
    assert all(key not in str(entity) for entity in stored.list_entities())
    answer = signin.exchange_code(repos, code, NOW + timedelta(seconds=5))
    assert (answer.kind, answer.tenant_id, answer.key) == ("tenant", tenant_id, key)
    _refused(repos, code)


def test_expired_wrong_and_malformed_codes_are_refused(tenant: tuple[Repositories, str, str]) -> None:
    repos, tenant_id, key = tenant
    code, _ = signin.create_code(repos, tenant_id, "tenant", key, NOW)
    _refused(repos, code.split(".")[0] + ".wrong-secret-value")   # spends it: a guess burns the code
    _refused(repos, code)
    late, _ = signin.create_code(repos, tenant_id, "tenant", key, NOW)
    _refused(repos, late, NOW + timedelta(seconds=601))
    _refused(repos, "not-a-code-at-all")
    _refused(repos, uuid.uuid4().hex + ".abcdef")


def test_a_rotated_key_kills_its_codes_and_an_operator_code_carries_the_operator_key(
        tenant: tuple[Repositories, str, str]) -> None:
    repos, tenant_id, key = tenant
    code, _ = signin.create_code(repos, tenant_id, "tenant", key, NOW)
    stored = repos.get_tenant(tenant_id)
    assert stored is not None
    repos.tenants.upsert(stored.row.model_copy(update={"api_key_hash": new_api_key(tenant_id)[1]}))
    _refused(repos, code)
    operator, _ = signin.create_code(repos, tenant_id, "operator", "host-key-123", NOW)
    answer = signin.exchange_code(repos, operator, NOW)
    assert (answer.kind, answer.key) == ("operator", "host-key-123")
