"""Issue 17, point 7: staged file bytes live in an account of their own, so they are never geo-replicated,
kept after delete or logged per write/delete, while the main account (state tables, queues) stays GRS/GZRS.
The app finds the account through PCSYNC_STAGING_BLOB_URI and writes to it with its identity only."""

from __future__ import annotations

from typing import Any

import pytest

from shared import config
from tests.infra import template
from tests.infra.template import Runtime, Scope, parse

STAGING = "modules/staging.bicep"
STORAGE = "modules/storage.bicep"
ACCOUNT = "Microsoft.Storage/storageAccounts"
BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
GEO_REDUNDANT = {"Standard_GRS", "Standard_RAGRS", "Standard_GZRS", "Standard_RAGZRS"}


def _one(scope: Scope, rtype: str) -> dict[str, Any]:
    found = [scope.resolve(res["config"]) for _, res in scope.resources(rtype)]
    assert len(found) == 1, f"expected one {rtype} in {scope.path.name}, found {len(found)}"
    resolved = found[0]
    assert isinstance(resolved, dict)
    return resolved


def _staging(**given: Any) -> Scope:
    return template.main(**given).module(STAGING)


def _output_path(module: str, output: str) -> list[str] | None:
    return template._path(parse(template.INFRA / module)["outputs"][output]["value"])


def _storage_skus() -> list[str]:
    decorators = parse(template.MAIN)["parameters"]["storageSkuName"]["decorators"]
    return list(next(d["argument"] for d in decorators if d["type"] == "allowed"))


def test_main_deploys_the_staging_module_as_its_own_account() -> None:
    assert template.module_paths()["staging"] == STAGING
    staging_name, main_name = _staging().resolve("name"), template.main().module(STORAGE).resolve("name")
    assert isinstance(staging_name, Runtime) and isinstance(main_name, Runtime)
    assert staging_name.expr.startswith("stg") and staging_name != main_name


@pytest.mark.parametrize("sku", _storage_skus())
@pytest.mark.parametrize("zone_redundant", [False, True])
def test_staging_is_locally_or_zone_redundant_never_geo(sku: str, zone_redundant: bool) -> None:
    staging = _one(_staging(storageSkuName=sku, zoneRedundant=zone_redundant), ACCOUNT)
    main = _one(template.main(storageSkuName=sku, zoneRedundant=zone_redundant).module(STORAGE), ACCOUNT)
    assert staging["sku"]["name"] == ("Standard_ZRS" if zone_redundant else "Standard_LRS")
    assert main["sku"]["name"] in GEO_REDUNDANT, "the tables keep their geo-redundancy"


def test_staged_bytes_have_no_soft_delete_of_any_kind() -> None:
    blob = _one(_staging(), "Microsoft.Storage/storageAccounts/blobServices")["properties"]
    assert blob["deleteRetentionPolicy"]["enabled"] is False
    assert blob["containerDeleteRetentionPolicy"]["enabled"] is False
    assert not blob.get("isVersioningEnabled") and not blob.get("changeFeed", {}).get("enabled")
    immutability = "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies"
    assert not list(_staging().resources(immutability))


def test_staged_writes_and_deletes_are_not_logged_but_metered() -> None:
    (diagnostic,) = [_staging().resolve(res["config"]) for _, res in
                     _staging().resources("Microsoft.Insights/diagnosticSettings")]
    assert diagnostic["scope"] == "stagingBlobService"
    assert not [e for e in diagnostic["properties"].get("logs", []) if e.get("enabled")]
    assert diagnostic["properties"]["metrics"] and diagnostic["properties"]["workspaceId"] == Runtime(
        "monitoring.outputs.logAnalyticsWorkspaceId")


def test_the_staging_container_gets_the_lifecycle_rule() -> None:
    container = _one(_staging(), "Microsoft.Storage/storageAccounts/blobServices/containers")
    assert container["name"] == config.DEFAULT_STAGING_CONTAINER
    policy = _one(_staging(), "Microsoft.Storage/storageAccounts/managementPolicies")
    (rule,) = policy["properties"]["policy"]["rules"]
    assert rule["enabled"] is True
    assert rule["definition"]["filters"]["prefixMatch"] == [f"{container['name']}/"]
    assert 1 <= rule["definition"]["actions"]["baseBlob"]["delete"]["daysAfterModificationGreaterThan"] <= 7


def test_staging_has_the_main_accounts_access_rules() -> None:
    staging = _one(_staging(), ACCOUNT)["properties"]
    main = _one(template.main().module(STORAGE), ACCOUNT)["properties"]
    for key in ("allowSharedKeyAccess", "allowBlobPublicAccess", "allowCrossTenantReplication",
                "defaultToOAuthAuthentication", "isLocalUserEnabled", "minimumTlsVersion", "supportsHttpsTrafficOnly",
                "publicNetworkAccess", "networkAcls"):
        assert staging[key] == main[key], key
    assert staging["allowSharedKeyAccess"] is False


def test_the_app_setting_points_at_the_staging_account() -> None:
    assert "PCSYNC_STAGING_BLOB_URI" in config.setting_names()
    assert "PCSYNC_STAGING_BLOB_URI" not in config.local_only_setting_names()
    settings = template.app_settings()
    assert settings["PCSYNC_STAGING_BLOB_URI"] == Runtime("staging.outputs.blobEndpoint")
    assert _output_path(STAGING, "blobEndpoint") == ["stagingAccount", "properties", "primaryEndpoints", "blob"]
    assert settings["PCSYNC_STAGING_CONTAINER"] == config.DEFAULT_STAGING_CONTAINER


def test_the_app_identity_is_blob_data_contributor_on_the_staging_account() -> None:
    rbac = template.main().module("modules/rbac.bicep")
    assert rbac.resolve("stagingAccountName") == Runtime("staging.outputs.name")
    assert _output_path(STAGING, "name") == ["stagingAccount", "name"]
    assert rbac.doc["resources"]["staging"]["existing"] and rbac.doc["resources"]["staging"]["config"]["name"] == \
        "stagingAccountName"
    granted = []
    for _, res in rbac.resources("Microsoft.Authorization/roleAssignments"):
        for inst, body in rbac.expand(res):
            fn = body["properties"]["roleDefinitionId"]["function"]
            role = inst.resolve(fn["parameters"]["resource_name_1"])
            granted.append((body["scope"], role, inst.resolve(body["properties"]["principalId"])))
    on_staging = [(role, who) for scope, role, who in granted if scope == "staging"]
    assert on_staging == [(BLOB_DATA_CONTRIBUTOR, Runtime("identity.outputs.principalId"))]
