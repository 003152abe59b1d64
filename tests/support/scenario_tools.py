"""How a tool's runners and adapter carry out the planner's actions in the golden scenarios' model, for a
tool whose rules go beyond the plain tree (tests/support/scenario_run.py applies the rest).

Photos, with its adapter's own rules (shared/tools/photos.py): what it cannot take in Procore (a folder
inside an album, a file outside every album, a non-image) is skipped with the adapter's reason, and so is
what is inside a skipped folder; new bytes for an image are a new Procore image (the item re-keyed, the
old image to the recycle bin); a delete goes to the recycle bin; a name already taken in a SharePoint
folder by another item gets that item's id as the runner gives it (transfer._with_suffix). No I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from shared.models.rows import ItemKind
from shared.sync.plan.vocabulary import Action, ActionKind, Kind, Side
from shared.sync.runners.transfer import _with_suffix
from shared.tools.photos import ROOT_ID, refusal
from tests.support.scenario import TAG, Node, Tree

MADE = (ActionKind.CREATE, ActionKind.RESTORE)


@dataclass
class ToolEffects:
    """What the tool's rules did in one pass."""

    skipped: dict[str, str] = field(default_factory=dict)     # item -> reason
    rekeyed: set[str] = field(default_factory=set)
    procore_bin: list[str] = field(default_factory=list)      # "path = content" of what Procore recycled


def _entry(tree: Tree, key: str) -> str:
    node = tree.nodes[key]
    return f"{tree.path(key)}/" if node.kind is Kind.FOLDER else f"{tree.path(key)} = {node.content}"


def _photos(trees: dict[Side, Tree], source: Node | None, key: str, action: Action,
            effects: ToolEffects) -> Action | None:
    procore, sharepoint = trees[Side.PROCORE], trees[Side.SHAREPOINT]
    if action.target is Side.PROCORE and (action.kind in MADE or action.kind is ActionKind.MOVE):
        parent = action.parent
        if parent is not None and parent not in procore.nodes:   # its folder was not taken: nor is it
            effects.skipped[key] = effects.skipped.get(parent, "its folder is not in Procore")
            return None
        node = source if action.kind in MADE else procore.nodes.get(key)
        if node is not None:
            kind = ItemKind.FOLDER if node.kind is Kind.FOLDER else ItemKind.FILE
            reason = refusal(kind, ROOT_ID if parent is None else parent, action.name or node.name)
            if reason:
                effects.skipped[key] = reason
                return None
    if action.target is Side.PROCORE and action.kind is ActionKind.REPLACE_CONTENT and key in procore.nodes:
        effects.procore_bin.append(_entry(procore, key))       # the old image; the new one is a new id
        effects.rekeyed.add(key)
    if action.target is Side.PROCORE and action.kind is ActionKind.DELETE and key in procore.nodes:
        effects.procore_bin += [_entry(procore, k) for k in [key, *procore.below(key)]]
    if action.target is Side.SHAREPOINT and action.kind in MADE and action.name and source is not None \
            and source.kind is Kind.FILE:
        taken = {n.name.lower() for k, n in sharepoint.nodes.items() if n.parent == action.parent and k != key}
        if action.name.lower() in taken:
            return replace(action, name=_with_suffix(action.name, key.partition(TAG)[2] or key))
    return action


def carry_out(tool: str, trees: dict[Side, Tree], source: Node | None, key: str, action: Action,
              effects: ToolEffects) -> Action | None:
    """The action as the tool's runners write it (None: skipped with a reason in `effects`)."""
    return _photos(trees, source, key, action, effects) if tool == "photos" else action
