"""Issue 17, point 7: staged bytes live minutes, so the blob service (staging + deployment package) is not
billed again for soft delete or write/delete logs; the tables keep their write/delete logs and the tenant
secrets their vault's soft delete and purge protection."""

from __future__ import annotations

from typing import Any

from tests.infra import template

STORAGE = "modules/storage.bicep"
DIAGNOSTICS = "Microsoft.Insights/diagnosticSettings"


def _resolved(module: str, rtype: str) -> dict[str, dict[str, Any]]:
    """Symbolic name -> resolved config of each resource of a type."""
    scope = template.main().module(module)
    return {name: scope.resolve(res["config"]) for name, res in scope.resources(rtype)}


def _logged_categories(diagnostic: dict[str, Any]) -> set[str]:
    return {entry["category"] for entry in diagnostic["properties"].get("logs", []) if entry.get("enabled")}


def test_staged_blobs_are_not_kept_after_delete() -> None:
    (blob,) = _resolved(STORAGE, "Microsoft.Storage/storageAccounts/blobServices").values()
    assert blob["properties"]["deleteRetentionPolicy"]["enabled"] is False


def test_blob_writes_and_deletes_are_not_logged_but_table_and_queue_ones_are() -> None:
    diagnostics = _resolved(STORAGE, DIAGNOSTICS)
    by_service = {d["scope"]: d for d in diagnostics.values()}
    assert set(by_service) == {"blobService", "queueService", "tableService"}
    assert _logged_categories(by_service["blobService"]) == set()
    assert by_service["blobService"]["properties"]["metrics"], "blob transactions stay visible as metrics"
    for service in ("tableService", "queueService"):
        assert {"StorageWrite", "StorageDelete"} <= _logged_categories(by_service[service]), service


def test_abandoned_staged_bytes_still_expire() -> None:
    (policy,) = _resolved(STORAGE, "Microsoft.Storage/storageAccounts/managementPolicies").values()
    (rule,) = policy["properties"]["policy"]["rules"]
    assert rule["definition"]["filters"]["prefixMatch"] == ["staging/"]
    assert rule["definition"]["actions"]["baseBlob"]["delete"]["daysAfterModificationGreaterThan"] <= 7


def test_the_secrets_keep_soft_delete_and_purge_protection() -> None:
    (vault,) = _resolved("modules/keyvault.bicep", "Microsoft.KeyVault/vaults").values()
    assert vault["properties"]["enableSoftDelete"] is True and vault["properties"]["enablePurgeProtection"] is True
