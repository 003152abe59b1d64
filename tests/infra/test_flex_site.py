"""Issue 17, point 6: only settings a Flex Consumption site accepts, and only regions that offer Flex.

The site config keeps what Microsoft's Flex samples and the Flex site-config reference accept (runtime,
scale and deployment live in functionAppConfig). `location` is restricted by the preprovision hook,
which asks the subscription's live region list before anything is deployed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.infra import template
from tests.infra.hooks import FakeArm, load
from tests.infra.test_parse import _azure_yaml

# siteConfig properties this template may send to a Flex Consumption site: the front-end TLS floor and the
# access rules, nothing the Flex deprecation list retires (learn.microsoft.com/azure/azure-functions/
# functions-app-settings#flex-consumption-plan-deprecations) and nothing beyond what the Flex Bicep samples
# (Azure-Samples/azure-functions-flex-consumption-samples, IaC/bicep) set. Widen it only with a source.
FLEX_SITE_CONFIG = {"minTlsVersion", "cors", "ipSecurityRestrictions", "ipSecurityRestrictionsDefaultAction",
                    "scmIpSecurityRestrictions", "scmIpSecurityRestrictionsDefaultAction"}
REFUSED_ON_FLEX = {"http20Enabled", "scmMinTlsVersion", "remoteDebuggingEnabled", "alwaysOn", "ftpsState",
                   "linuxFxVersion", "use32BitWorkerProcess", "functionAppScaleLimit", "preWarmedInstanceCount"}
SUB = "00000000-0000-0000-0000-0000000000bb"
GEO = f"/subscriptions/{SUB}/providers/Microsoft.Web/geoRegions"
REGIONS = {"value": [
    {"properties": {"name": "East US 2", "orgDomain": "PUBLIC;FLEXCONSUMPTION;FCZONEREDUNDANCY"}},
    {"properties": {"name": "West US", "orgDomain": "PUBLIC;FLEXCONSUMPTION"}},
    {"properties": {"name": "North Europe", "orgDomain": "PUBLIC;DYNAMIC;ELASTICPREMIUM"}},
]}
ENV = {"AZURE_SUBSCRIPTION_ID": SUB, "AZURE_ENV_NAME": "prod"}


def _site_config() -> dict[str, Any]:
    app = template.main().module("modules/functionapp.bicep")
    ((_, site),) = app.resources("Microsoft.Web/sites")
    config = app.resolve(site["config"]["properties"]["siteConfig"])
    assert isinstance(config, dict)
    return config


def test_the_site_config_holds_only_properties_flex_accepts() -> None:
    config = _site_config()
    assert set(config) <= FLEX_SITE_CONFIG, f"not Flex site config: {sorted(set(config) - FLEX_SITE_CONFIG)}"
    assert not set(config) & REFUSED_ON_FLEX
    assert config["minTlsVersion"] == "1.2"


def test_the_hook_refuses_a_region_without_flex() -> None:
    preflight = load("preflight")
    assert preflight.location_problem("eastus2", REGIONS, zone_redundant=False) is None
    assert preflight.location_problem("West US", REGIONS, zone_redundant=False) is None
    problem = preflight.location_problem("northeurope", REGIONS, zone_redundant=False)
    assert problem and "does not offer Flex Consumption" in problem and "eastus2, westus" in problem
    assert preflight.location_problem("westus", {"value": []}, zone_redundant=False)


def test_the_hook_refuses_zone_redundancy_where_flex_lacks_it() -> None:
    preflight = load("preflight")
    assert preflight.location_problem("eastus2", REGIONS, zone_redundant=True) is None
    problem = preflight.location_problem("westus", REGIONS, zone_redundant=True)
    assert problem and "zone redundancy" in problem and "AZURE_ZONE_REDUNDANT" in problem


@pytest.mark.parametrize("location, zone_redundant, ok", [("eastus2", "true", True), ("westus", "false", True),
                                                          ("westus", "true", False), ("northeurope", "", False)])
def test_preprovision_stops_before_deploying_to_a_region_without_flex(
        arm: tuple[FakeArm, Path], capsys: pytest.CaptureFixture[str], location: str, zone_redundant: str,
        ok: bool) -> None:
    fake, log = arm
    fake.routes[("GET", GEO)] = [(200, REGIONS)]
    env = {**ENV, "AZURE_LOCATION": location, "AZURE_ZONE_REDUNDANT": zone_redundant}
    assert load("preflight").main(env) == (0 if ok else 1)
    if not ok:
        assert f"AZURE_LOCATION={location!r}" in capsys.readouterr().err
        assert not log.exists() or "env set" not in log.read_text(), "nothing chosen for a refused region"
        assert [p for _, p, _ in fake.calls if "vaults" in p] == []


def test_preprovision_fails_clearly_when_the_region_list_is_unavailable(
        arm: tuple[FakeArm, Path], capsys: pytest.CaptureFixture[str]) -> None:
    fake, _ = arm
    fake.routes[("GET", GEO)] = [(403, {"error": {"code": "AuthorizationFailed", "message": "no"}})]
    assert load("preflight").main({**ENV, "AZURE_LOCATION": "eastus2"}) == 1
    assert "HTTP 403" in capsys.readouterr().err


def test_azd_runs_the_preflight_before_provisioning() -> None:
    hooks = _azure_yaml()["hooks"]
    assert isinstance(hooks, dict)
    for platform in ("posix", "windows"):
        assert hooks["preprovision"][platform]["run"].endswith("infra/hooks/preflight.py")  # type: ignore[index]
    assert (template.INFRA / "hooks" / "preflight.py").is_file()


def test_preprovision_says_what_to_set_when_the_region_is_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    assert load("preflight").main({**ENV, "AZURE_LOCATION": ""}) == 1
    assert "azd env set AZURE_LOCATION" in capsys.readouterr().err
