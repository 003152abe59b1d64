"""House rules checked on every run: ruff (E/F/I/B) everywhere, mypy --strict on shared/, and the
layering of architecture §2 (shared/ never imports azure.functions, devhost, emulators or functions)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_IN_SHARED = ("azure.functions", "functions", "devhost", "emulators", "tests")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_is_clean() -> None:
    result = _run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_on_shared() -> None:
    result = _run("mypy", "--no-incremental", "shared")
    assert result.returncode == 0, result.stdout + result.stderr


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_shared_keeps_to_its_layer() -> None:
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "shared").rglob("*.py")
        for name in _imports(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN_IN_SHARED)
    }
    assert not offenders


def test_emulators_speak_only_the_public_api() -> None:
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "emulators").rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0] in ("shared", "functions", "devhost", "function_app")
    }
    assert not offenders


def test_function_app_only_registers_blueprints() -> None:
    tree = ast.parse((ROOT / "function_app.py").read_text())
    decorated = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    assert not decorated, "function_app.py must not define functions; put them in functions/ blueprints"
