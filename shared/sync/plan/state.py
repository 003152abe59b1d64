"""The planner's inputs: each side's current state of one item, the agreed state, and the link's
mode and the tenant's policy. Frozen values built by the observers (runners) or the scenario harness.

Versions are opaque: the adapter's comparator says whether a side's content changed since the agreed
state (`content_changed`); the planner never orders version tokens. Never imports azure.functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from shared.models.api import ConflictPolicy, InitialSync, Mode
from shared.sync.plan.vocabulary import Breaker, Kind

DEFAULT_DAY = "1970-01-01"


@dataclass(frozen=True)
class SideState:
    """One side's current state of an item that exists there (a deleted or absent item is None).

    `parent` is the pair key of the parent folder (the same key on both sides; None at the tool root).
    `content_changed` is the comparator's answer against the agreed version (False when there is no
    agreed state). `hash` is the content hash where the server gives one (SharePoint's QuickXorHash);
    `by_us` says the current state is our own write (an echo); `changed_below` (folders) says a file
    below it on this side holds a person's change since the agreed state, or was never synced."""

    kind: Kind
    name: str
    parent: str | None = None
    version: str | None = None
    content_changed: bool = False
    hash: str | None = None
    size: int | None = None
    modified: datetime | None = None
    locked: bool = False
    by_us: bool = False
    changed_below: bool = False


@dataclass(frozen=True)
class Agreed:
    """The last state both sides agreed on (the items row): both names, the parent's pair key, versions."""

    kind: Kind
    procore_name: str
    sp_name: str
    parent: str | None = None
    procore_version: str | None = None
    sp_version: str | None = None
    sp_hash: str | None = None


@dataclass(frozen=True)
class Policy:
    """The link's mode for the tool and the tenant's settings for this item's plan.

    `initial` is the link's initial-sync mode while the item is planned by the initial sync, None in
    regular sync. `breaker` is the mass-delete guard's verdict on this item's delete. `today` (the
    caller's clock, YYYY-MM-DD) names keep-both copies."""

    mode: Mode = Mode.TWO_WAY
    conflict_policy: ConflictPolicy = ConflictPolicy.NEWEST_WINS
    delete_sync: bool = True
    initial: InitialSync | None = None
    breaker: Breaker = Breaker.CLEAR
    today: str = DEFAULT_DAY


@dataclass(frozen=True)
class PlanInput:
    """Everything the planner looks at for one item. `sp_parent_path` is the SharePoint path (from the
    library root) of the folder a new SharePoint twin would go in, when known (the 400-character rule)."""

    procore: SideState | None
    sharepoint: SideState | None
    agreed: Agreed | None
    policy: Policy = field(default_factory=Policy)
    sp_parent_path: str | None = None
