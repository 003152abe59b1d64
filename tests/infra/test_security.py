"""Properties the product relies on, asserted directly (checkov covers a different, generic set).

No keys anywhere, TLS 1.2, no anonymous blobs, RBAC-only Key Vault with purge protection, local auth
off for telemetry, the Flex Consumption shape, least-privilege role assignments, and safe outputs.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.infra import template
from tests.infra.template import MAIN, Scope, parse

ROLE_IDS = {
    "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Storage Queue Data Contributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    "Storage Table Data Contributor": "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
    "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
    "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
}
BROAD_ROLES = {
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "User Access Administrator": "18d7d88d-d35f-4fb5-a5c3-7773c4a72ca9",
    "Storage Account Contributor": "17d1049b-9a84-46fb-8f53-869881c3d3ab",
    "Key Vault Administrator": "00482a5a-887f-4fb3-b363-3b7fe8e74483",
}
# What the app's identity gets, by the resource it is scoped to.
APP_ROLES = {
    "storage": {"Storage Blob Data Owner", "Storage Queue Data Contributor", "Storage Table Data Contributor"},
    "staging": {"Storage Blob Data Contributor"},
    "vault": {"Key Vault Secrets Officer"},
    "appInsights": {"Monitoring Metrics Publisher"},
}
OPERATOR_ROLES = {"storage": {"Storage Queue Data Contributor"}, "vault": {"Key Vault Secrets Officer"}}
FLEX_UNSUPPORTED_SITE_CONFIG = {"alwaysOn", "ftpsState", "linuxFxVersion", "use32BitWorkerProcess",
                                "functionAppScaleLimit", "netFrameworkVersion", "preWarmedInstanceCount"}


def _one(scope: Scope, rtype: str) -> tuple[Scope, dict[str, Any]]:
    found = [inst for _, res in scope.resources(rtype) for inst in scope.expand(res)]
    assert len(found) == 1, f"expected one {rtype}, found {len(found)}"
    return found[0]


def _props(module: str, rtype: str) -> dict[str, Any]:
    inst, body = _one(template.main().module(module), rtype)
    props = inst.resolve(body.get("properties", {}))
    assert isinstance(props, dict)
    return props


@pytest.mark.parametrize("module", ["modules/storage.bicep", "modules/staging.bicep"])
def test_storage_is_entra_only_https_tls12_and_private(module: str) -> None:
    p = _props(module, "Microsoft.Storage/storageAccounts")
    assert p["allowSharedKeyAccess"] is False
    assert p["allowBlobPublicAccess"] is False
    assert p["supportsHttpsTrafficOnly"] is True
    assert p["minimumTlsVersion"] == "TLS1_2"
    assert p["defaultToOAuthAuthentication"] is True
    scope = template.main().module(module)
    for _, res in scope.resources("Microsoft.Storage/storageAccounts/blobServices/containers"):
        for inst, body in scope.expand(res):
            assert inst.resolve(body["properties"]["publicAccess"]) == "None"


def test_telemetry_has_local_auth_disabled() -> None:
    ai = _props("modules/monitoring.bicep", "Microsoft.Insights/components")
    assert ai["DisableLocalAuth"] is True and ai["WorkspaceResourceId"]
    workspace = _props("modules/monitoring.bicep", "Microsoft.OperationalInsights/workspaces")
    assert workspace["features"]["disableLocalAuth"] is True


def test_key_vault_is_rbac_only_with_soft_delete_and_purge_protection() -> None:
    p = _props("modules/keyvault.bicep", "Microsoft.KeyVault/vaults")
    assert p["enableRbacAuthorization"] is True
    assert p["enableSoftDelete"] is True and p["softDeleteRetentionInDays"] >= 7
    assert p["enablePurgeProtection"] is True
    assert "accessPolicies" not in p


def test_function_app_runs_python_311_on_flex_consumption_with_identity_deployment() -> None:
    scope = template.main().module("modules/functionapp.bicep")
    plan_scope, plan = _one(scope, "Microsoft.Web/serverfarms")
    assert plan_scope.resolve(plan["sku"]) == {"tier": "FlexConsumption", "name": "FC1"}
    assert plan_scope.resolve(plan["properties"]["reserved"]) is True
    inst, site = _one(scope, "Microsoft.Web/sites")
    assert inst.resolve(site["kind"]) == "functionapp,linux"
    assert inst.resolve(site["identity"]["type"]) == "UserAssigned"
    props = inst.resolve(site["properties"])
    assert props["httpsOnly"] is True
    assert props["siteConfig"]["minTlsVersion"] == "1.2"
    assert not FLEX_UNSUPPORTED_SITE_CONFIG & set(props["siteConfig"]), "not Flex Consumption properties"
    fac = props["functionAppConfig"]
    assert fac["runtime"] == {"name": "python", "version": "3.11"}
    storage = fac["deployment"]["storage"]
    assert storage["type"] == "blobContainer"
    assert storage["authentication"]["type"] == "UserAssignedIdentity"
    assert storage["authentication"]["userAssignedIdentityResourceId"] is not None
    scale = fac["scaleAndConcurrency"]
    assert scale["instanceMemoryMB"] in (512, 2048, 4096) and 40 <= scale["maximumInstanceCount"] <= 1000
    # Webhook receivers must answer within 3 s (Graph) / 5 s (Procore): one warm HTTP instance by default,
    # none (no entry at all) when the operator trades that for no baseline cost.
    assert scale["alwaysReady"] == [{"name": "http", "instanceCount": 1}]
    off_scope, off_site = _one(template.main(alwaysReadyHttpInstances=0).module("modules/functionapp.bicep"),
                               "Microsoft.Web/sites")
    off = off_scope.resolve(off_site["properties"])["functionAppConfig"]["scaleAndConcurrency"]
    assert off["alwaysReady"] == []


def _assignments() -> list[tuple[str, str, Any]]:
    """(scope symbol, role name, principal) for every role assignment the template makes."""
    names = {v: k for k, v in {**ROLE_IDS, **BROAD_ROLES}.items()}
    scopes = [template.main()] + [template.main().module(p) for p in template.module_paths().values()]
    out = []
    for scope in scopes:
        for _, res in scope.resources("Microsoft.Authorization/roleAssignments"):
            for inst, body in scope.expand(res):
                assert "scope" in body, "role assignments are scoped to one resource, not the resource group"
                fn = body["properties"]["roleDefinitionId"]["function"]
                role_id = inst.resolve(next(v for k, v in fn["parameters"].items() if k == "resource_name_1"))
                assert role_id in names, f"unexpected role definition {role_id}"
                out.append((body["scope"], names[role_id], inst.resolve(body["properties"]["principalId"])))
    return out


def test_app_identity_gets_least_privilege_roles_on_single_resources() -> None:
    app: dict[str, set[str]] = {}
    for scope, role, principal in _assignments():
        assert role not in BROAD_ROLES, f"{role} is never needed"
        if principal == template.Runtime("identity.outputs.principalId"):
            app.setdefault(scope, set()).add(role)
    assert app == APP_ROLES


def test_operator_roles_are_opt_in_and_narrow() -> None:
    operator: dict[str, set[str]] = {}
    for scope, role, principal in _assignments():
        if principal != template.Runtime("identity.outputs.principalId"):
            operator.setdefault(scope, set()).add(role)
    assert operator == OPERATOR_ROLES
    rbac = parse(template.INFRA / "modules" / "rbac.bicep")
    for var in ("operatorStorageRoles", "operatorVaultRoles"):
        cond = rbac["variables"][var]["value"]["operator"]
        assert cond["type"] == "conditional" and cond["operands"]["true_value"] == [], f"{var} must be empty by default"


def test_outputs_are_upper_snake_and_carry_no_secret() -> None:
    outputs = parse(MAIN)["outputs"]
    required = {"FUNCTION_APP_URL", "WEBHOOK_BASE_URL", "AZURE_STORAGE_ACCOUNT_NAME", "AZURE_KEY_VAULT_NAME"}
    assert required <= set(outputs)
    for name, out in outputs.items():
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", name), f"output {name} is not UPPER_SNAKE"
        assert not re.search(r"SECRET|PASSWORD|CONNECTION_STRING|ACCOUNT_KEY|INSTRUMENTATION", name), name
        assert not any(d.get("type") == "secure" for d in out.get("decorators", [])), name
        text = repr(out["value"])
        assert "listKeys" not in text and "ConnectionString" not in text and "InstrumentationKey" not in text, name
