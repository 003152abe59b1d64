"""checkov over infra/: zero failed checks, zero parsing errors, and every skip inline with a reason.

checkov skips files it cannot parse and still exits 0, so the parsing-errors count is asserted on its
own. The negative controls prove both gates trip on a weakened or unparsable template.
"""

from __future__ import annotations

import re
import shutil
from functools import cache
from pathlib import Path

import pytest

from tests.infra import scanner
from tests.infra.scanner import Scan, run_checkov
from tests.infra.template import INFRA, bicep_files, parse

# `// checkov:skip=CKV_AZURE_35: one-line reason`
_SKIP = re.compile(r"//\s*checkov:skip=(?P<id>[A-Z0-9_]+)(?P<rest>.*)$")
MIN_REASON_CHARS = 20


@cache
def _scan() -> Scan:
    return run_checkov(INFRA)


def _describe(checks: list[dict[str, object]]) -> str:
    return "\n".join(f"{c['check_id']} {c['check_name']} -> {c['resource']} ({c['file_path']})" for c in checks)


def test_checkov_finds_no_failed_check() -> None:
    scan = _scan()
    assert scan.summary.get("failed") == 0 and not scan.failed, "checkov failures:\n" + _describe(scan.failed)


def test_checkov_parses_every_file() -> None:
    scan = _scan()
    assert scan.summary.get("parsing_errors") == 0 and not scan.parsing_errors, f"unparsed: {scan.parsing_errors}"
    declared = sum(1 for p in bicep_files() for r in parse(p).get("resources", {}).values() if not r.get("existing"))
    assert scan.summary.get("resource_count", 0) >= declared, "checkov saw fewer resources than the files declare"


def _inline_skips() -> list[tuple[Path, int, str, str]]:
    """(file, line, check id, text after the id) of every `// checkov:skip=` comment."""
    skips = []
    for path in bicep_files():
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            m = _SKIP.search(line)
            if m:
                skips.append((path, number, m.group("id"), m.group("rest")))
    return skips


def test_every_inline_skip_has_a_one_line_reason() -> None:
    for path, _, check_id, rest in _inline_skips():
        assert rest.startswith(":"), f"{path.name} {check_id}: write `// checkov:skip={check_id}: reason`"
        assert len(rest[1:].strip()) >= MIN_REASON_CHARS, f"{path.name} {check_id}: the reason is too short"


def test_every_skip_checkov_applied_is_an_inline_one_with_its_reason() -> None:
    scan = _scan()
    for check in scan.skipped:
        reason = (check.get("check_result") or {}).get("suppress_comment") or ""
        assert len(reason.strip()) >= MIN_REASON_CHARS, f"{check['check_id']} skipped without a reason"
    # A declared skip is used when checkov skipped that check for the resource whose lines enclose it.
    unused = [
        f"{path.name}:{line} {check_id}"
        for path, line, check_id, _ in _inline_skips()
        if not any(
            c["check_id"] == check_id and Path(c["file_path"]).name == path.name
            and c["file_line_range"][0] <= line <= c["file_line_range"][1]
            for c in scan.skipped
        )
    ]
    assert not unused, f"stale skips (the check does not apply to that resource): {unused}"
    assert len(scan.skipped) == len(_inline_skips()), "checkov skipped checks that are not declared inline"


def test_the_gates_trip_on_a_weakened_and_an_unparsable_template(tmp_path: Path) -> None:
    storage = (INFRA / "modules" / "storage.bicep").read_text()
    assert "minimumTlsVersion: 'TLS1_2'" in storage
    weakened = storage.replace("minimumTlsVersion: 'TLS1_2'", "minimumTlsVersion: 'TLS1_0'")
    (tmp_path / "storage.bicep").write_text(weakened)
    # map() lambdas are beyond checkov's pycep-parser 0.5.1: checkov would silently skip this file.
    shutil.copy(INFRA / "modules" / "identity.bicep", tmp_path / "identity.bicep")
    with (tmp_path / "identity.bicep").open("a") as f:
        f.write("\nvar doubled = map([1, 2], x => x * 2)\n")
    scan = run_checkov(tmp_path)
    assert "CKV_AZURE_44" in {c["check_id"] for c in scan.failed}
    assert [Path(p).name for p in scan.parsing_errors] == ["identity.bicep"]


def test_a_missing_checkov_fails_instead_of_skipping(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(scanner.CHECKOV_ENV, str(tmp_path / "no-checkov"))
    monkeypatch.setattr(scanner, "DEFAULT_CHECKOV", tmp_path / "no-venv-iac" / "checkov")
    with pytest.raises(pytest.fail.Exception, match="checkov not found"):
        scanner.checkov_path()
