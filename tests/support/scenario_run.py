"""The pure interpreter of golden scenarios: build both trees and the agreed state from `before`,
apply the events, match unmapped items by name, run the planner over every item, apply its actions
to the trees, and hand back the trees and actions for comparison with `expect`. No I/O.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from shared import errors
from shared.sync.naming import sharepoint_name, unsupported_reason
from shared.sync.plan.names import same_name
from shared.sync.plan.planner import plan
from shared.sync.plan.state import Agreed, PlanInput, SideState
from shared.sync.plan.vocabulary import Action, ActionKind, Kind, Plan, Side
from tests.support.scenario import Event, Node, Scenario, ScenarioError, Tree, leaf_name
from tests.support.scenario_tools import ToolEffects, carry_out


@dataclass
class World:
    trees: dict[Side, Tree]
    agreed: dict[str, Agreed]


@dataclass(frozen=True)
class Outcome:
    plans: dict[str, Plan]
    actions: list[tuple[str, Action]]   # (item key, action), NOOPs left out
    after: dict[Side, list[str]]
    second: dict[str, Plan]             # a second pass over the settled result
    unsettled: set[str]                 # waiting, skipped or one-sided after the first pass
    effects: ToolEffects                # what the tool's own rules did (skips, re-keys, Procore's recycle bin)


def _sp_name(name: str, kind: Kind) -> str:
    try:
        return sharepoint_name(name, is_folder=kind is Kind.FOLDER)
    except errors.ItemSkipped as exc:
        raise ScenarioError(f"{name!r} cannot be in SharePoint ({exc.reason}): put it in before.procore") from exc


def _add(tree: Tree, key: str, path: str, kind: Kind, name: str, content: str | None) -> Node:
    parent_path, _, _ = path.rpartition("/")
    parent = tree.find(parent_path) if parent_path else None
    node = Node(key=key, kind=kind, name=name, parent=parent, content=content)
    if key in tree.nodes:
        raise ScenarioError(f"{path!r} twice in {tree.side.value}")
    tree.nodes[key] = node
    return node


def build(s: Scenario) -> World:
    world = World({side: Tree(side) for side in Side}, {})
    p_tree, s_tree = world.trees[Side.PROCORE], world.trees[Side.SHAREPOINT]
    for entry in s.both:
        name = entry.name
        p = _add(p_tree, entry.path, entry.path, entry.kind, name, entry.content)
        sp_parent = s_tree.path(p.parent) + "/" if p.parent else ""
        _add(s_tree, entry.path, sp_parent + _sp_name(name, entry.kind), entry.kind, _sp_name(name, entry.kind),
             entry.content)
        world.agreed[entry.path] = Agreed(kind=entry.kind, procore_name=name, sp_name=_sp_name(name, entry.kind),
                                          parent=p.parent, procore_version="P1", sp_version="S1",
                                          sp_hash=entry.content)
    for side, entries in s.only.items():
        for entry in entries:
            _add(world.trees[side], entry.path, entry.path, entry.kind, entry.name, entry.content)
    return world


def apply_event(world: World, e: Event) -> None:
    tree = world.trees[e.side]
    if e.op == "create":
        kind = Kind.FOLDER if e.content is None else Kind.FILE
        node = _add(tree, e.path.rstrip("/"), e.path.rstrip("/"), kind, leaf_name(e.path.rstrip("/")), e.content)
        node.modified, node.by_us = e.at, e.by_us
        return
    key = tree.find(e.path)
    node = tree.nodes[key]
    if e.op == "delete":
        for gone in [key, *tree.below(key)]:
            del tree.nodes[gone]
        return
    if e.op == "lock":
        node.locked = True
        return
    if e.op == "edit":
        node.content, node.version = e.content, node.version + 1
    elif e.op == "rename":
        assert e.to is not None
        node.name = e.to
    elif e.op == "move":
        node.parent = tree.find(e.to) if e.to else None
    node.modified, node.by_us = e.at, e.by_us


def match_by_name(world: World) -> None:
    """Unmapped items on both sides with the same name in the same folder become one pair (parents first)."""
    p_tree, s_tree = world.trees[Side.PROCORE], world.trees[Side.SHAREPOINT]
    for p_key in sorted((k for k in p_tree.nodes if k not in world.agreed), key=p_tree.depth):
        p = p_tree.nodes[p_key]
        for s_key, s in list(s_tree.nodes.items()):
            if s_key in world.agreed or s.kind is not p.kind or s.parent != p.parent:
                continue
            if s_key in p_tree.nodes and s_key != p_key:
                continue  # another Procore item's pair (or namesake)
            if same_name(p.name, s.name) or s.name.lower() == p.name.lower():
                if s_key != p_key:
                    _rekey(s_tree, s_key, p_key)
                break


def _rekey(tree: Tree, old: str, new: str) -> None:
    node = tree.nodes.pop(old)
    node.key = new
    tree.nodes[new] = node
    for other in tree.nodes.values():
        if other.parent == old:
            other.parent = new


def _token(side: Side, node: Node) -> str:
    """The node's opaque version token (the planner never orders these; the comparator only says "differs")."""
    return f"{side.name[0]}{node.version}"


def _changed(side: Side, node: Node, agreed: Agreed | None) -> bool:
    """The adapter's comparator in this model: the token differs from the agreed one."""
    if agreed is None:
        return True
    return _token(side, node) != (agreed.procore_version if side is Side.PROCORE else agreed.sp_version)


def _state(world: World, side: Side, key: str) -> SideState | None:
    tree = world.trees[side]
    node = tree.nodes.get(key)
    if node is None:
        return None
    agreed = world.agreed.get(key)
    below = node.kind is Kind.FOLDER and any(
        n.kind is Kind.FILE and not n.by_us and not unsupported_reason(n.name)
        and _changed(side, n, world.agreed.get(k)) for k in tree.below(key) for n in [tree.nodes[k]])
    return SideState(kind=node.kind, name=node.name, parent=node.parent, version=_token(side, node),
                     content_changed=agreed is not None and _changed(side, node, agreed), hash=node.content,
                     modified=node.modified, locked=node.locked, by_us=node.by_us, changed_below=below)


def _depth(world: World, key: str) -> int:
    for tree in world.trees.values():
        if key in tree.nodes:
            return tree.depth(key)
    return 0


def _apply(world: World, before: World, key: str, action: Action) -> None:
    if action.target is None or action.kind not in (
            ActionKind.CREATE, ActionKind.RESTORE, ActionKind.REPLACE_CONTENT, ActionKind.RENAME, ActionKind.MOVE,
            ActionKind.DELETE, ActionKind.KEEP_BOTH_COPY):
        return
    tree = world.trees[action.target]
    source = before.trees[action.source].nodes.get(key) if action.source else None
    if action.parent is not None and action.parent not in tree.nodes and action.kind is not ActionKind.RENAME:
        raise ScenarioError(f"{action.kind} of {key} into {action.parent}, which {action.target.value} lacks")
    if action.kind in (ActionKind.CREATE, ActionKind.RESTORE):
        assert source is not None and action.name is not None
        tree.nodes[key] = Node(key=key, kind=source.kind, name=action.name, parent=action.parent,
                               content=source.content)
    elif action.kind is ActionKind.KEEP_BOTH_COPY:
        assert source is not None and action.name is not None
        copy_key = f"{key} (conflict copy)"  # one pair on both sides, as the runner records it
        tree.nodes[copy_key] = Node(key=copy_key, kind=Kind.FILE, name=action.name, parent=action.parent,
                                    content=source.content)
    elif action.kind is ActionKind.DELETE:
        if key in tree.nodes:  # already gone with a folder deleted before it: done
            for gone in [key, *tree.below(key)]:
                del tree.nodes[gone]
    else:
        node = tree.nodes[key]
        if action.kind is ActionKind.REPLACE_CONTENT:
            assert source is not None
            node.content, node.version = source.content, node.version + 1
        elif action.kind is ActionKind.RENAME:
            assert action.name is not None
            node.name = action.name
        else:
            node.parent = action.parent


def _plan_all(world: World, s: Scenario) -> dict[str, Plan]:
    keys = set(world.agreed) | set(world.trees[Side.PROCORE].nodes) | set(world.trees[Side.SHAREPOINT].nodes)
    plans: dict[str, Plan] = {}
    s_tree = world.trees[Side.SHAREPOINT]
    for key in keys:
        p_state, s_state = _state(world, Side.PROCORE, key), _state(world, Side.SHAREPOINT, key)
        if p_state and s_state and p_state.kind is not s_state.kind:
            raise ScenarioError(f"{key!r} is a file on one side and a folder on the other")
        parent = (p_state or s_state).parent if (p_state or s_state) else None
        parent_path = s_tree.path(parent) if parent in s_tree.nodes else ""
        plans[key] = plan(PlanInput(p_state, s_state, world.agreed.get(key), s.policy,
                                    sp_parent_path="/".join(x for x in (s.sp_root, parent_path) if x)))
    return plans


WAITING = frozenset({ActionKind.DEFER, ActionKind.HOLD, ActionKind.SKIP})


def _settle(world: World, plans: dict[str, Plan]) -> set[str]:
    """Record the agreed state the runners would after the pass; returns the keys left unsettled (waiting,
    skipped, or on one side only), which a second pass plans again."""
    p_tree, s_tree = world.trees[Side.PROCORE], world.trees[Side.SHAREPOINT]
    unsettled: set[str] = set()
    for key in set(plans) | set(p_tree.nodes) | set(s_tree.nodes):
        waiting = key in plans and bool(WAITING & set(plans[key].kinds()))
        p, s = p_tree.nodes.get(key), s_tree.nodes.get(key)
        if p is None and s is None and not waiting:
            world.agreed.pop(key, None)
        elif p is None or s is None or waiting:
            unsettled.add(key)
        else:
            world.agreed[key] = Agreed(kind=p.kind, procore_name=p.name, sp_name=s.name, parent=p.parent,
                                       procore_version=_token(Side.PROCORE, p), sp_version=_token(Side.SHAREPOINT, s),
                                       sp_hash=s.content)
    return unsettled


def run(s: Scenario) -> Outcome:
    world = build(s)
    for event in s.events:
        apply_event(world, event)
    match_by_name(world)
    plans = _plan_all(world, s)
    before = copy.deepcopy(world)
    actions: list[tuple[str, Action]] = []
    effects = ToolEffects()
    for key in sorted(plans, key=lambda k: (_depth(before, k), k)):
        for action in plans[key].actions:
            if action.kind is not ActionKind.NOOP:
                actions.append((key, action))
            source = before.trees[action.source].nodes.get(key) if action.source else None
            done = carry_out(s.tool, world.trees, source, key, action, effects)
            if done is not None:
                _apply(world, before, key, done)
    after = {side: tree.render() for side, tree in world.trees.items()}
    unsettled = _settle(world, plans) | set(effects.skipped)
    return Outcome(plans, actions, after, _plan_all(world, s), unsettled, effects)
