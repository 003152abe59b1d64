"""Issue 17, point 4: a re-created environment gets a new Key Vault name.

Purge protection keeps a deleted vault's name for 90 days, and a recovered vault holds secrets of tenants
whose rows are gone. The vault name is derived from a per-instance seed (main.bicep keyVaultSeed <-
AZURE_KEY_VAULT_SEED), which the preprovision hook takes from the live vault's tag, or makes new when no
vault lives in the environment's resource group.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.infra import template
from tests.infra.hooks import FAKE_TOKEN, FakeArm, load
from tests.infra.template import INFRA, MAIN, parse

SUB = "00000000-0000-0000-0000-0000000000aa"
GEO = f"/subscriptions/{SUB}/providers/Microsoft.Web/geoRegions"
VAULTS = f"/subscriptions/{SUB}/resourceGroups/rg-prod/providers/Microsoft.KeyVault/vaults"
FLEX_REGIONS = {"value": [{"properties": {"name": "East US 2", "orgDomain": "PUBLIC;FLEXCONSUMPTION;FCZONEREDUNDANCY"}},
                          {"properties": {"name": "West US", "orgDomain": "PUBLIC;FLEXCONSUMPTION"}}]}
ENV = {"AZURE_LOCATION": "eastus2", "AZURE_SUBSCRIPTION_ID": SUB, "AZURE_ENV_NAME": "prod"}


def _vault(**given: Any) -> tuple[Any, dict[str, Any]]:
    """(name, tags) of the vault a parameter set deploys."""
    kv = template.main(**given).module("modules/keyvault.bicep")
    ((_, res),) = kv.resources("Microsoft.KeyVault/vaults")
    return kv.resolve(res["config"]["name"]), kv.resolve(res["config"]["tags"])


def _vaults(*seeds: str) -> dict[str, Any]:
    return {"value": [{"name": f"kv-{s}", "tags": {"azd-env-name": "prod", "pcsync-vault-seed": s}} for s in seeds]}


def test_the_vault_name_differs_per_environment_instance() -> None:
    first, tags = _vault(keyVaultSeed="1111aaaa2222bbbb")
    again, _ = _vault(keyVaultSeed="1111aaaa2222bbbb")
    recreated, _ = _vault(keyVaultSeed="3333cccc4444dddd")
    assert first == again, "the same instance keeps its vault"
    assert first != recreated, "a re-created environment must not reuse the purge-protected name"
    assert tags["pcsync-vault-seed"] == "1111aaaa2222bbbb", "the hook finds the live vault's seed by this tag"
    other, _ = _vault(keyVaultSeed="1111aaaa2222bbbb", environmentName="staging")
    assert other != first


def _name_passed(module: str, **given: Any) -> Any:
    """The `name` argument main.bicep passes to a module, under a parameter set."""
    main = template.main(**given)
    return main.resolve(main.module(module).args["name"])


@pytest.mark.parametrize("module", ["modules/storage.bicep", "modules/identity.bicep", "modules/functionapp.bicep"])
def test_only_the_vault_name_depends_on_the_seed(module: str) -> None:
    assert _name_passed(module, keyVaultSeed="a" * 16) == _name_passed(module, keyVaultSeed="b" * 16)
    assert _name_passed(module, environmentName="x") != _name_passed(module, environmentName="y"), "evaluated"
    vault = "modules/keyvault.bicep"
    assert _name_passed(vault, keyVaultSeed="a" * 16) != _name_passed(vault, keyVaultSeed="b" * 16)


def test_the_seed_is_required_and_fed_by_azd() -> None:
    param = parse(MAIN)["parameters"]["keyVaultSeed"]
    assert param.get("default") is None
    values = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    assert values["keyVaultSeed"] == {"value": "${AZURE_KEY_VAULT_SEED}"}


def test_the_hook_keeps_the_live_vaults_seed_and_makes_a_new_one_when_it_is_gone() -> None:
    preflight = load("preflight")
    assert preflight.choose_vault_seed(_vaults("live1234live1234"), None, "fresh")[0] == "live1234live1234"
    assert preflight.choose_vault_seed(_vaults("live1234live1234"), "other", "fresh")[0] == "live1234live1234"
    # After `azd down` the old seed's vault is in soft delete: never reuse it.
    assert preflight.choose_vault_seed({"value": []}, "old-seed", "fresh")[0] == "fresh"
    assert preflight.choose_vault_seed(None, "old-seed", "fresh")[0] == "fresh"
    assert preflight.choose_vault_seed(_vaults("a" * 16, "b" * 16), "b" * 16, "fresh")[0] == "b" * 16
    with pytest.raises(SystemExit, match="several live vaults"):
        preflight.choose_vault_seed(_vaults("a" * 16, "b" * 16), None, "fresh")


def _azd_sets(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if line.startswith("env set")] if log.exists() else []


def test_preprovision_adopts_the_live_vault_of_an_existing_environment(arm: tuple[FakeArm, Path]) -> None:
    fake, log = arm
    fake.routes[("GET", GEO)] = [(200, FLEX_REGIONS)]
    fake.routes[("GET", VAULTS)] = [(200, _vaults("live1234live1234"))]
    assert load("preflight").main(ENV) == 0
    assert _azd_sets(log) == ["env set AZURE_KEY_VAULT_SEED live1234live1234"]
    assert all(auth == f"Bearer {FAKE_TOKEN}" for _, _, auth in fake.calls)
    assert any("sku=FlexConsumption" in path for _, path, _ in fake.calls)


def test_preprovision_gives_a_recreated_environment_a_new_seed(arm: tuple[FakeArm, Path]) -> None:
    fake, log = arm
    fake.routes[("GET", GEO)] = [(200, FLEX_REGIONS)]       # no vault route: the resource group is gone (404)
    assert load("preflight").main({**ENV, "AZURE_KEY_VAULT_SEED": "oldseed0oldseed0"}) == 0
    (line,) = _azd_sets(log)
    seed = line.split()[-1]
    assert line.startswith("env set AZURE_KEY_VAULT_SEED ") and seed != "oldseed0oldseed0" and len(seed) >= 8
