"""Golden scenario files (tests/scenarios/*.toml): the format, loaded and checked, and the small
two-sided tree model they describe. tests/scenarios/README.md documents the format; the pure
interpreter is tests/support/scenario_run.py. Nothing here does I/O beyond reading the file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from shared.models.api import ConflictPolicy, Direction, InitialSync, Mode, effective_mode
from shared.sync.plan.state import Policy
from shared.sync.plan.vocabulary import ActionKind, Breaker, Kind, Side

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)   # when everything in `before` was last modified
EVENT_STEP = timedelta(minutes=1)              # event i happens at T0 + 1 h + i minutes unless `at` says
SIDES = {"procore": Side.PROCORE, "sharepoint": Side.SHAREPOINT}
OPS = ("create", "edit", "rename", "move", "delete", "lock")
SEP = " = "                                     # "path = content" for a file, "path/" for a folder
TAG = "#"                                       # "path#2 = content": a second item of the same name (its id)
TOOLS = ("documents", "photos")                 # the tool whose rules the runners apply (scenario_tools.py)


class ScenarioError(ValueError):
    """The scenario file itself is wrong (not the planner)."""


@dataclass(frozen=True)
class Entry:
    path: str           # the item's key: its path, with "#tag" when another item has the same name
    kind: Kind
    content: str | None

    @property
    def name(self) -> str:
        return leaf_name(self.path)


def leaf_name(path: str) -> str:
    """The name in a path or key (a "#tag" is not part of it)."""
    return path.rpartition("/")[2].partition(TAG)[0]


def parse_entry(text: str) -> Entry:
    if text.endswith("/"):
        return Entry(text.rstrip("/"), Kind.FOLDER, None)
    path, sep, content = text.partition(SEP)
    if not sep:
        raise ScenarioError(f"{text!r}: a file is 'path = content', a folder 'path/'")
    return Entry(path, Kind.FILE, content)


@dataclass(frozen=True)
class Event:
    side: Side
    op: str
    path: str
    at: datetime
    content: str | None = None
    to: str | None = None
    by_us: bool = False


@dataclass(frozen=True)
class Expected:
    item: str
    do: ActionKind
    on: Side | None
    name: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Skipped:
    item: str
    reason: str         # a part of the reason the tool gives


@dataclass(frozen=True)
class Scenario:
    path: Path
    name: str
    description: str
    e2e: bool
    policy: Policy
    sp_root: str
    both: tuple[Entry, ...]
    only: dict[Side, tuple[Entry, ...]]
    events: tuple[Event, ...]
    actions: tuple[Expected, ...]
    after: dict[Side, tuple[str, ...]] = field(default_factory=dict)
    tool: str = "documents"
    skipped: tuple[Skipped, ...] = ()        # items the tool cannot take, each with its reason
    rekeyed: tuple[str, ...] = ()            # items that got a new Procore id (a tool without versions)
    procore_bin: tuple[str, ...] | None = None   # Procore's recycle bin after the pass (None: not checked)


def _get(table: dict[str, Any], key: str, kind: type, default: Any = None) -> Any:
    value = table.get(key, default)
    if value is not None and not isinstance(value, kind):
        raise ScenarioError(f"{key}: expected {kind.__name__}, got {value!r}")
    return value


def _policy(settings: dict[str, Any]) -> Policy:
    unknown = set(settings) - {"mode", "direction", "conflict_policy", "delete_sync", "initial_sync", "breaker",
                               "today", "sp_root", "tool"}
    if unknown:
        raise ScenarioError(f"unknown settings: {sorted(unknown)}")
    initial = settings.get("initial_sync", "none")
    mode = effective_mode(Mode(settings.get("mode", "two_way")), Direction(settings.get("direction", "two_way")))
    return Policy(mode=mode,
                  conflict_policy=ConflictPolicy(settings.get("conflict_policy", "newest_wins")),
                  delete_sync=bool(settings.get("delete_sync", True)),
                  initial=None if initial == "none" else InitialSync(initial),
                  breaker=Breaker(settings.get("breaker", "clear")), today=settings.get("today", "2026-12-05"))


def _event(i: int, raw: dict[str, Any]) -> Event:
    unknown = set(raw) - {"side", "op", "path", "content", "to", "by_us", "at"}
    if unknown or raw.get("op") not in OPS or raw.get("side") not in SIDES:
        raise ScenarioError(f"event {i}: side must be one of {list(SIDES)}, op one of {OPS}; unknown {unknown}")
    at = raw.get("at")
    when = datetime.fromisoformat(at) if at else T0 + timedelta(hours=1) + i * EVENT_STEP
    if raw["op"] in ("edit",) and "content" not in raw:
        raise ScenarioError(f"event {i}: an edit needs content")
    if raw["op"] in ("rename", "move") and "to" not in raw:
        raise ScenarioError(f"event {i}: a {raw['op']} needs `to`")
    return Event(SIDES[raw["side"]], raw["op"], raw["path"], when, raw.get("content"), raw.get("to"),
                 bool(raw.get("by_us", False)))


def _expected(raw: dict[str, Any]) -> Expected:
    unknown = set(raw) - {"item", "do", "on", "name", "reason"}
    if unknown:
        raise ScenarioError(f"expected action: unknown keys {sorted(unknown)}")
    on = raw.get("on")
    return Expected(raw["item"], ActionKind(raw["do"]), SIDES[on] if on else None, raw.get("name"), raw.get("reason"))


def load(path: Path) -> Scenario:
    data = tomllib.loads(path.read_text())
    unknown = set(data) - {"name", "description", "e2e", "settings", "before", "events", "expect"}
    if unknown:
        raise ScenarioError(f"{path.name}: unknown keys {sorted(unknown)}")
    settings = _get(data, "settings", dict, {})
    before = _get(data, "before", dict, {})
    expect = _get(data, "expect", dict, {})
    if "procore" not in expect or "sharepoint" not in expect or "actions" not in expect:
        raise ScenarioError(f"{path.name}: [expect] needs actions, procore and sharepoint")
    extra = set(expect) - {"actions", "procore", "sharepoint", "skipped", "rekeyed", "procore_recycle_bin"}
    tool = settings.get("tool", "documents")
    if extra or tool not in TOOLS:
        raise ScenarioError(f"{path.name}: unknown [expect] keys {sorted(extra)} or tool {tool!r} (one of {TOOLS})")
    bin_ = expect.get("procore_recycle_bin")
    return Scenario(
        path=path, name=_get(data, "name", str, ""), description=" ".join(_get(data, "description", str, "").split()),
        e2e=bool(data.get("e2e", False)), policy=_policy(settings),
        sp_root=settings.get("sp_root", "Photos" if tool == "photos" else "Documents"),
        both=tuple(parse_entry(e) for e in before.get("both", [])),
        only={side: tuple(parse_entry(e) for e in before.get(key, [])) for key, side in SIDES.items()},
        events=tuple(_event(i, e) for i, e in enumerate(data.get("events", []))),
        actions=tuple(_expected(a) for a in expect["actions"]),
        after={side: tuple(expect[key]) for key, side in SIDES.items()}, tool=tool,
        skipped=tuple(Skipped(s["item"], s["reason"]) for s in expect.get("skipped", [])),
        rekeyed=tuple(expect.get("rekeyed", [])), procore_bin=tuple(bin_) if bin_ is not None else None)


def load_all() -> list[Scenario]:
    return [load(p) for p in sorted(SCENARIOS.glob("*.toml"))]


@dataclass
class Node:
    """One item on one side. `key` is the pair's identity (the same on both sides once matched)."""

    key: str
    kind: Kind
    name: str
    parent: str | None
    content: str | None = None
    version: int = 1
    modified: datetime = T0
    locked: bool = False
    by_us: bool = False


@dataclass
class Tree:
    """One side's items by key; paths are derived from names and parents."""

    side: Side
    nodes: dict[str, Node] = field(default_factory=dict)

    def path(self, key: str) -> str:
        names: list[str] = []
        node: Node | None = self.nodes[key]
        while node is not None:
            names.append(node.name)
            node = self.nodes[node.parent] if node.parent is not None else None
        return "/".join(reversed(names))

    def find(self, path: str) -> str:
        for key in self.nodes:
            if self.path(key) == path:
                return key
        raise ScenarioError(f"no {path!r} in {self.side.value}")

    def below(self, key: str) -> list[str]:
        """Every key below `key` (not itself)."""
        found: list[str] = []
        pending = [key]
        while pending:
            current = pending.pop()
            children = [k for k, n in self.nodes.items() if n.parent == current]
            found += children
            pending += children
        return found

    def depth(self, key: str) -> int:
        return self.path(key).count("/")

    def render(self) -> list[str]:
        lines = []
        for key, node in self.nodes.items():
            lines.append(self.path(key) + ("/" if node.kind is Kind.FOLDER else f"{SEP}{node.content}"))
        return sorted(lines)
