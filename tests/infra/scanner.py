"""Run checkov (and its pinned pycep-parser 0.5.1) from the separate .venv-iac, offline.

`./dev test` exports PCSYNC_CHECKOV; otherwise .venv-iac/bin/checkov is used. A missing checkov is a
test failure, never a skip: an unscanned template must not pass.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.infra.template import ROOT

CHECKOV_ENV = "PCSYNC_CHECKOV"
DEFAULT_CHECKOV = ROOT / ".venv-iac" / "bin" / "checkov"
TIMEOUT_S = 240


def checkov_path() -> Path:
    configured = os.environ.get(CHECKOV_ENV)
    candidates = [Path(configured)] if configured else []
    candidates.append(DEFAULT_CHECKOV)
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    pytest.fail(
        f"checkov not found (looked at ${CHECKOV_ENV}={configured!r} and {DEFAULT_CHECKOV}); run ./dev test, or "
        "python3 -m venv .venv-iac && .venv-iac/bin/pip install checkov==3.3.30 pycep-parser==0.5.1"
    )


def iac_python() -> Path:
    """The interpreter of checkov's venv (it holds pycep-parser 0.5.1, the version checkov parses with)."""
    python = checkov_path().with_name("python")
    if not python.exists():
        pytest.fail(f"no python beside {checkov_path()} to run checkov's pycep-parser with")
    return python


@dataclass(frozen=True)
class Scan:
    summary: dict[str, Any]
    failed: list[dict[str, Any]]
    skipped: list[dict[str, Any]]
    passed: list[dict[str, Any]]
    parsing_errors: list[str]


def run_checkov(directory: Path) -> Scan:
    cmd = [str(checkov_path()), "-d", str(directory), "--framework", "bicep", "--skip-download", "-o", "json"]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, env=env, cwd=directory)
    if proc.returncode not in (0, 1):  # 1 = some check failed
        pytest.fail(f"checkov exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"checkov did not print JSON:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    reports = report if isinstance(report, list) else [report]
    bicep = [r for r in reports if r.get("check_type") == "bicep"]
    if not bicep:  # nothing scanned: checkov prints a bare summary
        summary = reports[0] if reports and "passed" in reports[0] else {}
        return Scan(summary, [], [], [], [])
    results = bicep[0]["results"]
    return Scan(
        summary=bicep[0]["summary"],
        failed=results.get("failed_checks", []),
        skipped=results.get("skipped_checks", []),
        passed=results.get("passed_checks", []),
        parsing_errors=list(results.get("parsing_errors", [])),
    )


_PARSE_ALL = """
import json, sys
from pathlib import Path
from pycep import BicepParser
errors = {}
for name in sys.argv[1:]:
    try:
        BicepParser().parse(file_path=Path(name))
    except Exception as exc:  # report every file, not just the first
        errors[name] = f"{type(exc).__name__}: {str(exc)[:500]}"
print(json.dumps(errors))
"""


def parse_with_checkov_pycep(files: list[Path]) -> dict[str, str]:
    """File -> error for every file pycep-parser 0.5.1 (checkov's) cannot parse."""
    proc = subprocess.run([str(iac_python()), "-c", _PARSE_ALL, *map(str, files)], capture_output=True, text=True,
                          timeout=TIMEOUT_S)
    if proc.returncode != 0:
        pytest.fail(f"pycep 0.5.1 run failed:\n{proc.stderr[-3000:]}")
    errors: dict[str, str] = json.loads(proc.stdout)
    return errors
