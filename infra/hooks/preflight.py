"""azd preprovision hook: refuse a region without Flex Consumption (or without its zone redundancy when
AZURE_ZONE_REDUNDANT is on) before anything is deployed, and choose the Key Vault name's seed.

Regions come from the subscription's live list (Microsoft.Web/geoRegions?sku=FlexConsumption, what
`az functionapp list-flexconsumption-locations` reads; zone redundancy is the FCZONEREDUNDANCY mark in a
region's orgDomain), not from a copied list that goes stale. The vault seed is the live vault's (its
`pcsync-vault-seed` tag) while the environment's vault exists, else a new one: a re-created environment
gets a new vault name, never the purge-protected one in soft delete, and never adopts its secrets.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from typing import Any

import arm_client

GEO_REGIONS_API = "2024-04-01"
VAULTS_API = "2023-07-01"
FLEX_MARK = "FLEXCONSUMPTION"
ZONE_REDUNDANT_MARK = "FCZONEREDUNDANCY"
SEED_TAG = "pcsync-vault-seed"
SEED_ENV = "AZURE_KEY_VAULT_SEED"
RESOURCE_GROUP_PREFIX = "rg-"           # main.bicep abbrs.resourceGroup


def region_key(name: str) -> str:
    """'East US 2' and 'eastus2' name the same region."""
    return "".join(name.split()).lower()


def flex_regions(geo_regions: Any, zone_redundant: bool) -> set[str]:
    """Region keys offering Flex Consumption (and its zone redundancy when asked) in a geoRegions answer."""
    found: set[str] = set()
    for region in (geo_regions or {}).get("value", []):
        props = region.get("properties", {})
        marks = {m.strip().upper() for m in str(props.get("orgDomain", "")).split(";")}
        name = props.get("name") or region.get("name") or ""
        if FLEX_MARK in marks and (not zone_redundant or ZONE_REDUNDANT_MARK in marks) and name:
            found.add(region_key(name))
    return found


def location_problem(location: str, geo_regions: Any, zone_redundant: bool) -> str | None:
    """Why `location` cannot host this deployment, or None."""
    offered = flex_regions(geo_regions, zone_redundant)
    if region_key(location) in offered:
        return None
    what = "Flex Consumption with zone redundancy" if zone_redundant else "Flex Consumption"
    listing = ", ".join(sorted(offered)) or "none for this subscription"
    hint = " (or turn AZURE_ZONE_REDUNDANT off)" if zone_redundant else ""
    return (f"AZURE_LOCATION={location!r} does not offer {what}. Pick one of: {listing}, with "
            f"`azd env set AZURE_LOCATION <region>`{hint}.")


def choose_vault_seed(vaults: Any, current: str | None, fresh: str) -> tuple[str, str]:
    """(seed, why): the live vault's seed, else `fresh`. A seed whose vault is gone is never reused: that
    name is held by a purge-protected vault in soft delete."""
    seeds = sorted({v["tags"][SEED_TAG] for v in (vaults or {}).get("value", [])
                    if isinstance(v.get("tags"), dict) and v["tags"].get(SEED_TAG)})
    if len(seeds) == 1:
        return seeds[0], "the environment's live vault"
    if current in seeds:
        return str(current), "the live vault this azd environment already uses"
    if seeds:
        raise SystemExit(f"several live vaults carry a {SEED_TAG} tag ({seeds}); set {SEED_ENV} to the one the "
                         "app uses (`azd env set`) and delete the other")
    return fresh, "no live vault: a new environment instance gets a new vault name"


def _is_on(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def main(env: Mapping[str, str]) -> int:
    location, subscription = env.get("AZURE_LOCATION", ""), env.get("AZURE_SUBSCRIPTION_ID", "")
    if not location or not subscription:
        print("preflight: AZURE_LOCATION and AZURE_SUBSCRIPTION_ID must be set before provisioning: "
              "`azd env set AZURE_LOCATION <region>` and `azd env set AZURE_SUBSCRIPTION_ID <id>` "
              "(azd asks for both on a new environment)", file=sys.stderr)
        return 1
    bearer = arm_client.token()
    zone_redundant = _is_on(env.get("AZURE_ZONE_REDUNDANT"))
    answer = arm_client.call(
        "GET", f"/subscriptions/{subscription}/providers/Microsoft.Web/geoRegions"
               f"?sku=FlexConsumption&api-version={GEO_REGIONS_API}", bearer)
    if answer.status != 200:
        print(f"preflight: cannot list Flex Consumption regions (HTTP {answer.status}): {answer.body}",
              file=sys.stderr)
        return 1
    problem = location_problem(location, answer.body, zone_redundant)
    if problem:
        print(f"preflight: {problem}", file=sys.stderr)
        return 1
    group = env.get("AZURE_RESOURCE_GROUP") or f"{RESOURCE_GROUP_PREFIX}{env.get('AZURE_ENV_NAME', '')}"
    vaults = arm_client.call(
        "GET", f"/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.KeyVault/vaults"
               f"?api-version={VAULTS_API}", bearer)
    if vaults.status not in (200, 404):     # 404: no resource group yet
        print(f"preflight: cannot list the vaults of {group} (HTTP {vaults.status}): {vaults.body}", file=sys.stderr)
        return 1
    current = env.get(SEED_ENV) or None
    seed, why = choose_vault_seed(vaults.body if vaults.status == 200 else None, current, secrets.token_hex(8))
    if seed != current:
        arm_client.azd("env", "set", SEED_ENV, seed)
    print(f"preflight: {location} offers Flex Consumption{' with zone redundancy' if zone_redundant else ''}; "
          f"Key Vault seed {seed} ({why})")
    return 0


if __name__ == "__main__":
    sys.exit(main(os.environ))
