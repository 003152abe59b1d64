"""Every .bicep file parses, with pycep-parser 0.7.1 (in-process) and 0.5.1 (the one checkov uses)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lark.exceptions import LarkError
from pycep import BicepParser

from tests.infra import template
from tests.infra.scanner import parse_with_checkov_pycep
from tests.infra.template import INFRA, MAIN, ROOT, bicep_files, parse

EXPECTED_MODULES = {"identity", "monitoring", "storage", "keyvault", "rbac", "functionapp"}


def test_the_template_set_is_complete() -> None:
    names = {p.stem for p in bicep_files() if p.parent.name == "modules"}
    assert MAIN.exists()
    assert EXPECTED_MODULES <= names, f"missing modules: {EXPECTED_MODULES - names}"


@pytest.mark.parametrize("path", bicep_files(), ids=lambda p: str(p.relative_to(INFRA)))
def test_parses_with_pycep(path: Path) -> None:
    doc = parse(path)
    assert doc.get("resources") or doc.get("modules"), f"{path.name} declares nothing"


def test_parses_with_checkovs_pycep() -> None:
    errors = parse_with_checkov_pycep(bicep_files())
    listing = "\n".join(f"{k}: {v}" for k, v in errors.items())
    assert not errors, f"pycep-parser 0.5.1 (checkov) cannot parse:\n{listing}"


def test_a_syntax_error_fails_the_parse(tmp_path: Path) -> None:
    broken = tmp_path / "broken.bicep"
    broken.write_text("resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: 'x'\n")
    with pytest.raises(LarkError):
        BicepParser().parse(file_path=broken)
    assert str(broken) in parse_with_checkov_pycep([broken])


def test_every_module_main_calls_exists_and_is_local() -> None:
    for name, relative in template.module_paths().items():
        assert not relative.startswith("br"), f"module {name} uses a registry ({relative}); keep modules local"
        assert (INFRA / relative).exists(), f"module {name}: {relative} does not exist"
    used = {Path(p).stem for p in template.module_paths().values()}
    assert used == {p.stem for p in bicep_files() if p.parent.name == "modules"}, "a module file is never used"


def test_no_registry_modules_or_account_keys_anywhere() -> None:
    for path in bicep_files():
        text = path.read_text()
        assert "br/public:" not in text and "br:" not in text, f"{path.name}: registry module"
        assert "listKeys(" not in text and "AccountKey=" not in text, f"{path.name}: storage keys"


def test_parameters_file_matches_main() -> None:
    values = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    params = parse(MAIN)["parameters"]
    assert set(values) <= set(params), f"unknown parameters: {set(values) - set(params)}"
    required = {n for n, p in params.items() if p.get("default") is None}
    assert required <= set(values), f"required parameters not supplied: {required - set(values)}"


def _azure_yaml() -> dict[str, object]:
    """The tiny YAML subset azure.yaml uses: nested `key: value` mappings, `#` comments."""
    root: dict[str, object] = {}
    stack: list[tuple[int, dict[str, object]]] = [(-1, root)]
    for raw in (ROOT / "azure.yaml").read_text().splitlines():
        line = raw.split(" #")[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        key, _, value = line.strip().partition(":")
        while stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        if value.strip():
            parent[key] = value.strip().strip("'\"")
        else:
            child: dict[str, object] = {}
            parent[key] = child
            stack.append((indent, child))
    return root


def test_azure_yaml_deploys_this_folder_as_the_python_function_app() -> None:
    doc = _azure_yaml()
    assert doc["services"] == {"api": {"project": ".", "language": "python", "host": "function"}}
    infra = doc.get("infra", {})
    assert isinstance(infra, dict) and infra.get("path", "infra") == "infra" and infra.get("module", "main") == "main"


def test_the_app_is_tagged_for_azd() -> None:
    scope = template.main().module("modules/functionapp.bicep")
    (_, site), = scope.resources("Microsoft.Web/sites")
    tags = scope.resolve(site["config"]["tags"])
    assert tags["azd-service-name"] == "api"  # azd deploys service `api` to the site carrying this tag
    assert "azd-env-name" in template.main().resolve(parse(MAIN)["resources"]["rg"]["config"]["tags"])
