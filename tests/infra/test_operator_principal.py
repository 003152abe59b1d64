"""Issue 17, point 2: the operator may be a group. The principal type flows from the azd environment
(AZURE_OPERATOR_PRINCIPAL_TYPE, default User) through main.parameters.json to every operator role
assignment; ARM refuses an assignment whose principalType does not match the principal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import pytest

from tests.infra import template
from tests.infra.template import INFRA, MAIN, parse

PARAMS = INFRA / "main.parameters.json"
_REF = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:=(?P<default>[^}]*))?\}")


def azd_substitute(value: str, env: Mapping[str, str]) -> str:
    """What azd does to a parameters-file value: `${NAME}` and `${NAME=default}` from its environment."""
    return _REF.sub(lambda m: env.get(m["name"]) or (m["default"] or ""), value)


def _operator_types(**given: Any) -> set[Any]:
    rbac = template.main(**given).module("modules/rbac.bicep")
    types = set()
    for name, res in rbac.resources("Microsoft.Authorization/roleAssignments"):
        if name.startswith("operator"):
            for inst, body in rbac.expand(res):
                types.add(inst.resolve(body["properties"]["principalType"]))
    return types


@pytest.mark.parametrize("env, expected", [({}, "User"), ({"AZURE_OPERATOR_PRINCIPAL_TYPE": "Group"}, "Group"),
                                           ({"AZURE_OPERATOR_PRINCIPAL_TYPE": "ServicePrincipal"},
                                            "ServicePrincipal")])
def test_the_principal_type_flows_from_the_azd_environment_to_the_role_assignments(
        env: dict[str, str], expected: str) -> None:
    raw = json.loads(PARAMS.read_text())["parameters"]["operatorPrincipalType"]["value"]
    value = azd_substitute(raw, env)
    assert value == expected
    allowed = next(d["argument"] for d in parse(MAIN)["parameters"]["operatorPrincipalType"]["decorators"]
                   if d["type"] == "allowed")
    assert value in allowed
    assert _operator_types(operatorPrincipalId="00000000-0000-0000-0000-00000000000a",
                           operatorPrincipalType=value) == {expected}


def test_the_app_identity_stays_a_service_principal_whatever_the_operator_is() -> None:
    rbac = template.main(operatorPrincipalType="Group").module("modules/rbac.bicep")
    for name, res in rbac.resources("Microsoft.Authorization/roleAssignments"):
        if name.startswith("app"):
            for inst, body in rbac.expand(res):
                assert inst.resolve(body["properties"]["principalType"]) == "ServicePrincipal"


def test_the_substitution_helper_reads_defaults_and_overrides() -> None:
    assert azd_substitute("${A=x}", {}) == "x" and azd_substitute("${A=x}", {"A": "y"}) == "y"
    assert azd_substitute("${A}", {}) == ""
