"""Issue 17, point 1: the zone-redundant parameter set deploys what Flex zone redundancy needs.

Flex keeps (and bills) at least 2 always-ready instances per function group when the plan is zone
redundant, and the app's storage must be zone-redundant too; the switch forces both, and leaves the
template as it was when off.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra import template
from tests.infra.template import MAIN, parse

ZONE_REDUNDANT_SKUS = {"Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS"}
MIN_ALWAYS_READY = 2


def _allowed(param: str) -> list[Any]:
    decorators = parse(MAIN)["parameters"][param].get("decorators", [])
    return next(d["argument"] for d in decorators if d["type"] == "allowed")


def _deployed(**given: Any) -> tuple[bool, list[dict[str, Any]], str]:
    """(plan zoneRedundant, alwaysReady entries, storage SKU) for a parameter set."""
    main = template.main(**given)
    app = main.module("modules/functionapp.bicep")
    ((_, plan),) = app.resources("Microsoft.Web/serverfarms")
    ((_, site),) = app.resources("Microsoft.Web/sites")
    storage = main.module("modules/storage.bicep")
    ((_, account),) = storage.resources("Microsoft.Storage/storageAccounts")
    ready = app.resolve(site["config"]["properties"]["functionAppConfig"]["scaleAndConcurrency"]["alwaysReady"])
    return (app.resolve(plan["config"]["properties"]["zoneRedundant"]), ready,
            storage.resolve(account["config"]["sku"]["name"]))


@pytest.mark.parametrize("instances", [0, 1, 2, 5])
@pytest.mark.parametrize("sku", _allowed("storageSkuName"))
def test_the_zone_redundant_set_gets_two_always_ready_instances_and_zone_redundant_storage(
        instances: int, sku: str) -> None:
    plan_zr, ready, storage_sku = _deployed(zoneRedundant=True, alwaysReadyHttpInstances=instances,
                                            storageSkuName=sku)
    assert plan_zr is True
    assert ready == [{"name": "http", "instanceCount": max(MIN_ALWAYS_READY, instances)}]
    assert storage_sku in ZONE_REDUNDANT_SKUS, f"{sku} became {storage_sku}"
    assert ("RA" in storage_sku) == ("RA" in sku), "read access to the secondary is kept as asked"


@pytest.mark.parametrize("sku", _allowed("storageSkuName"))
def test_without_zone_redundancy_the_chosen_values_stand(sku: str) -> None:
    plan_zr, ready, storage_sku = _deployed(zoneRedundant=False, alwaysReadyHttpInstances=1, storageSkuName=sku)
    assert plan_zr is False and ready == [{"name": "http", "instanceCount": 1}] and storage_sku == sku


def test_the_defaults_are_not_zone_redundant() -> None:
    assert _deployed() == (False, [{"name": "http", "instanceCount": 1}], "Standard_GRS")


def test_azd_feeds_the_switch_from_its_environment() -> None:
    values = json.loads((template.INFRA / "main.parameters.json").read_text())["parameters"]
    assert values["zoneRedundant"] == {"value": "${AZURE_ZONE_REDUNDANT=false}"}
