"""Packaging invariants: the deployment's requirements.txt is the pyproject runtime dependency list."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _requirement_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def test_requirements_txt_matches_pyproject_runtime_dependencies() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = sorted(pyproject["project"]["dependencies"])
    deployed = sorted(_requirement_lines((ROOT / "requirements.txt").read_text()))
    assert deployed == declared


def test_runtime_dependencies_are_pinned_and_include_the_core_packages() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    names = {dep.split("==")[0] for dep in pyproject["project"]["dependencies"]}
    assert all("==" in dep for dep in pyproject["project"]["dependencies"])
    core = {"azure-functions", "azure-storage-queue", "azure-data-tables", "azure-storage-blob", "httpx", "msal",
            "pydantic"}
    assert core <= names


def test_dev_only_tools_are_not_deployed() -> None:
    deployed = {line.split("==")[0] for line in _requirement_lines((ROOT / "requirements.txt").read_text())}
    assert not deployed & {"pytest", "croniter", "uvicorn", "starlette", "checkov", "mypy", "ruff"}


def test_funcignore_keeps_dev_material_out_of_the_package() -> None:
    ignored = set(_requirement_lines((ROOT / ".funcignore").read_text()))
    for entry in ("tests/", "emulators/", "devhost/", "node_modules/", ".venv/", "infra/", "local.settings.json"):
        assert entry in ignored, entry


def test_local_settings_is_ignored_and_the_example_is_valid() -> None:
    assert "local.settings.json" in _requirement_lines((ROOT / ".gitignore").read_text())
    example = json.loads((ROOT / "local.settings.json.example").read_text())
    assert example["Values"]["FUNCTIONS_WORKER_RUNTIME"] == "python"
    assert all(isinstance(v, str) for v in example["Values"].values())


def test_azurite_is_pinned_in_the_lockfile() -> None:
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    pinned = package["devDependencies"]["azurite"]
    assert pinned[0].isdigit()
    assert lock["packages"]["node_modules/azurite"]["version"] == pinned


def test_local_settings_example_names_every_queue_and_schedule() -> None:
    from shared.config import setting_defaults

    values = json.loads((ROOT / "local.settings.json.example").read_text())["Values"]
    missing = {k: v for k, v in setting_defaults().items() if values.get(k) != v}
    assert not missing
