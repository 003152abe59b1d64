"""The engine knows no tool (architecture §5.1, issue 12 point 3), read from the source with `ast`:
no module under shared/sync imports a tool module or names a tool key; the registry holds exactly the
contract's tool keys; no runner imports shared.onboarding."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from shared.models.api import ToolKey
from shared.tools import TOOLS

ROOT = Path(__file__).resolve().parents[2]
SYNC = ROOT / "shared" / "sync"
RUNNERS = SYNC / "runners"
# Contract §4 (../shared/design/contract.md, outside the repository), copied here on purpose: "Tool keys:
# documents, photos, rfis, submittals, drawings, forms, observations, inspections, incidents, commitments".
CONTRACT_TOOL_KEYS = ["documents", "photos", "rfis", "submittals", "drawings", "forms", "observations",
                      "inspections", "incidents", "commitments"]
# Modules that speak one tool's API: the adapters (all of shared/tools but the interface and the registry)
# and the Procore client's per-tool parts.
TOOL_NEUTRAL = {"shared.tools", "shared.tools.base"}
TOOL_CLIENT_MODULES = {"shared.procore.documents", "shared.procore.photos", "shared.procore.records"}
# Strings that happen to equal a tool key but mean something else.
NOT_A_TOOL = {("shared/sync/naming.py", "'forms'")}  # SharePoint reserves a "Forms" folder at a library root


def _modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def _imported(tree: ast.AST) -> Iterator[str]:
    """Every module a source imports, `from a import b` counted as both `a` and `a.b`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _is_tool_module(name: str) -> bool:
    """A tool module, or a name imported from one (`shared.tools.documents.scope_of`). Names imported
    from the registry (`shared.tools.TOOLS`) or the interface (`shared.tools.base.SourceItem`) are not."""
    if any(name == module or name.startswith(module + ".") for module in TOOL_CLIENT_MODULES):
        return True
    if not name.startswith("shared.tools."):
        return False
    first = name.removeprefix("shared.tools.").split(".")[0]
    return f"shared.tools.{first}" not in TOOL_NEUTRAL and (ROOT / "shared" / "tools" / f"{first}.py").exists()


def _tool_mentions(tree: ast.AST) -> Iterator[str]:
    """ToolKey.X, a tool key as a string literal, or an attribute named after a tool (`client.documents`)."""
    keys = {key.value for key in ToolKey}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id == "ToolKey":
                yield f"ToolKey.{node.attr} (line {node.lineno})"
            elif node.attr in keys:
                yield f".{node.attr} (line {node.lineno})"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lower() in keys:
            yield f"{node.value!r} (line {node.lineno})"


def _offenders(folder: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in _modules(folder):
        tree = ast.parse(path.read_text(), str(path))
        bad = [f"imports {name}" for name in _imported(tree) if _is_tool_module(name)]
        rel = str(path.relative_to(ROOT))
        bad += [f"names {mention}" for mention in _tool_mentions(tree)
                if (rel, mention.split(" ")[0]) not in NOT_A_TOOL]
        if bad:
            found[rel] = bad
    return found


def test_no_module_under_shared_sync_knows_a_tool() -> None:
    assert _modules(SYNC), "shared/sync not found"
    assert _offenders(SYNC) == {}


def test_the_check_sees_a_tool_where_there_is_one() -> None:
    # the rule itself, on the adapters that are allowed to know their tool
    assert "shared/tools/documents.py" in _offenders(ROOT / "shared" / "tools")


def test_the_registry_holds_exactly_the_contracts_tool_keys() -> None:
    assert [key.value for key in ToolKey] == CONTRACT_TOOL_KEYS
    assert sorted(key.value for key in TOOLS) == sorted(CONTRACT_TOOL_KEYS)
    assert all(adapter.key is key for key, adapter in TOOLS.items())


def test_no_runner_imports_onboarding() -> None:
    offenders = {str(path.relative_to(ROOT)): name for path in _modules(RUNNERS)
                 for name in _imported(ast.parse(path.read_text(), str(path)))
                 if name == "shared.onboarding" or name.startswith("shared.onboarding.")}
    assert _modules(RUNNERS), "shared/sync/runners not found"
    assert offenders == {}
