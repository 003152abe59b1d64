"""The tool-adapter interface: what the engine needs from a Procore tool, and nothing more.

The engine (shared/sync) talks only to this Protocol and never names a tool, so adding a tool touches
shared/tools/ and its tests, never the engine (style R8; architecture §5.1). An adapter has a read
half (root, list, get, children, fetch, change feed, webhook resources), a write half (create a
container, create or replace content, move/rename, delete) and its capabilities. Never imports
azure.functions.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from shared.graph.columns import ColumnDef as SpColumn
from shared.models.api import Mode, ToolKey
from shared.models.rows import ItemKey, ItemKind, LinkRow
from shared.procore.client import ProcoreClient
from shared.procore.scope import Scope
from shared.safety.watermark import Changed


class SourceItem(BaseModel):
    """One Procore item as the engine sees it (a folder, a file, or a record's PDF/attachment)."""

    model_config = ConfigDict(frozen=True)

    tool: ToolKey
    procore_id: str
    kind: ItemKind
    name: str
    parent_id: str | None            # Procore id of the parent folder; the tool root's id at the top
    version: str | None = None       # opaque token of the content's version; only the adapter compares them
    size: int | None = None
    updated_at: datetime | None = None   # when the content last changed (the current version's creation)
    deleted: bool = False
    download_url: str | None = None  # where `version`'s bytes are, when the listing already said so
    locked_until: datetime | None = None  # checked out in Procore until then: not to be overwritten
    changed_at: datetime | None = None    # when the item itself last changed (a rename or a move too)
    private: bool = False            # marked private in Procore: copied only if the tenant includes private items
    columns: dict[str, str] = {}     # SharePoint column values of its twin, by column title (`sp_columns`)

    @property
    def key(self) -> ItemKey:
        """The item's key: `procore_id` names a source item ("12") or a part of one ("12:pdf")."""
        return ItemKey.parse_id(self.tool, self.procore_id)


def part_of(source: SourceItem, part: str, *, kind: ItemKind, name: str, parent_id: str | None,
            version: str | None = None, size: int | None = None, download_url: str | None = None) -> SourceItem:
    """A derived item of `source` (a record's PDF, its attachments' folder, one attachment): its own key
    and version, its source's time and deletion."""
    key = ItemKey(tool=source.tool, source_id=source.key.source_id, part=part)
    return SourceItem(tool=source.tool, procore_id=key.procore_id, kind=kind, name=name, parent_id=parent_id,
                      version=version, size=size, updated_at=source.updated_at, deleted=source.deleted,
                      download_url=download_url)


class SourcePage(BaseModel):
    items: list[SourceItem]
    next_page: int | None            # None: this was the last page


class ToolRoot(BaseModel):
    """The Procore container of a tool's items (e.g. the Documents root folder)."""

    procore_id: str
    sp_folder_name: str | None       # folder created under the link's root; None: the link root itself
    sp_columns: tuple[str, ...] = ()  # titles of the SharePoint columns its items carry (added as the sync starts)


class Capabilities(BaseModel):
    """What the engine may ask of a tool; it checks these instead of naming tools."""

    model_config = ConfigDict(frozen=True)

    available: bool                  # the product syncs this tool today (else refused at onboarding)
    two_way: bool                    # SharePoint changes may flow back (contract §4: Documents, Photos)
    company: bool = False            # may be linked at company level too (contract §4: Documents)
    versioned: bool = True           # content changes keep prior versions (False: replaced under a new id)
    tree: bool = True                # nested folders (False: flat containers, e.g. photo albums)
    derived_items: bool = False      # one source item gives several SharePoint items (a record's PDF + files)
    change_feed: bool = False        # `changes()` lists what changed in a time range (reconciliation)
    from_sharepoint: bool = False    # takes part in an initial sync "from_sharepoint" (match by path)
    private_items: bool = False      # its items may be private in Procore (`SourceItem.private`: include_private)


def column_specs(adapter: object) -> tuple[SpColumn, ...]:
    """The SharePoint columns (`SpColumn`: internal name, display name, kind) an adapter declares in
    `sp_column_specs`, the keys of its `sp_columns` values; () for a tool without any."""
    specs = getattr(adapter, "sp_column_specs", ())
    return tuple(spec for spec in specs if isinstance(spec, SpColumn))


class VersionOrder(enum.StrEnum):
    """How a candidate version stands against a recorded one, as the tool's adapter reads its tokens."""

    OLDER = "older"
    SAME = "same"
    NEWER = "newer"      # also any two tokens the adapter cannot order: a different version is taken


CompareVersions = Callable[[str, str], VersionOrder]


def compare_tokens(candidate: str, recorded: str) -> VersionOrder:
    """Tokens with no order (only equality means anything): different is taken as newer."""
    return VersionOrder.SAME if candidate == recorded else VersionOrder.NEWER


def compare_increasing_ids(candidate: str, recorded: str) -> VersionOrder:
    """Version ids that grow with time (Procore file version ids): a smaller id is an older version.
    Ids that are not both numbers are compared as plain tokens."""
    if candidate == recorded:
        return VersionOrder.SAME
    if candidate.isdigit() and recorded.isdigit():
        return VersionOrder.OLDER if int(candidate) < int(recorded) else VersionOrder.NEWER
    return VersionOrder.NEWER


def compare_timestamps(candidate: str, recorded: str) -> VersionOrder:
    """ISO-8601 times as versions (a record's `updated_at`): an earlier time is an older version, the same
    instant written two ways is the same version. Unreadable times are compared as plain tokens."""
    try:
        new, old = datetime.fromisoformat(candidate), datetime.fromisoformat(recorded)
        order = (new > old) - (new < old)
    except (ValueError, TypeError):
        return compare_tokens(candidate, recorded)
    return (VersionOrder.OLDER, VersionOrder.SAME, VersionOrder.NEWER)[order + 1]


def version_changed(compare: CompareVersions, current: str | None, agreed: str | None) -> bool:
    """Did the content change since the agreed version? Without an agreed version (never synced, or a
    tool without versions) only the presence of a current one counts."""
    if current is None or agreed is None:
        return current != agreed
    return compare(current, agreed) is not VersionOrder.SAME


def newer_or_same(compare: CompareVersions, candidate: str | None, recorded: str | None) -> bool:
    """Is `candidate` at least as new as `recorded` (a missing side never holds a result back)?"""
    if candidate is None or recorded is None:
        return True
    return compare(candidate, recorded) is not VersionOrder.OLDER


def link_scope(link: LinkRow) -> Scope:
    """Where the link's Procore calls are addressed: its project, or its company for a company link."""
    if link.procore_project_id is not None:
        return Scope.project(link.procore_project_id)
    return Scope.company(link.procore_company_id)


def child_named(adapter: ToolAdapter, client: ProcoreClient, link: LinkRow, container_id: str, name: str,
                kind: ItemKind) -> SourceItem | None:
    """The live item of `kind` named `name` (any case, as Procore compares names) directly inside a
    container, through the adapter's read half; None when there is none."""
    wanted = name.lower()
    return next((child for child in adapter.children(client, link, container_id)
                 if child.kind is kind and child.name.lower() == wanted), None)


class ToolAdapter(Protocol):
    key: ToolKey
    title: str                       # the tool's name in Procore, for people ("Documents")
    allowed_modes: frozenset[Mode]
    capabilities: Capabilities

    # ---- read half -------------------------------------------------------------------------------------
    def root(self, client: ProcoreClient, link: LinkRow) -> ToolRoot:
        """The tool's root container for this link."""
        ...

    def list_page(self, client: ProcoreClient, link: LinkRow, page: int) -> SourcePage:
        """One page of everything the tool holds (initial sync), in a stable order."""
        ...

    def get(self, client: ProcoreClient, link: LinkRow, procore_id: str, kind: ItemKind) -> SourceItem | None:
        """Re-read one item (a webhook is only a hint; also the writable check: `locked_until`); None when
        it is gone or in the recycle bin. `procore_id` may name a part ("12:pdf", see `parts`)."""
        ...

    def children(self, client: ProcoreClient, link: LinkRow, container_id: str) -> list[SourceItem]:
        """The live items directly inside one container."""
        ...

    def fetch(self, client: ProcoreClient, link: LinkRow, item: SourceItem) -> Iterator[bytes]:
        """The item's current bytes, streamed."""
        ...

    def changes(self, client: ProcoreClient, link: LinkRow, since: datetime, until: datetime) -> Iterator[Changed]:
        """What changed in [since, until], sorted by time and de-duplicated, deleted items included
        (only called when `capabilities.change_feed`)."""
        ...

    def check_access(self, client: ProcoreClient, scope: Scope) -> None:
        """Raise errors.NotFound / PermissionDenied when the app cannot use the tool at this scope."""
        ...

    def parts(self, client: ProcoreClient, link: LinkRow, item: SourceItem) -> list[SourceItem]:
        """The items derived from a source item, each with its own key (`part_of`) and version: a record's
        PDF, its attachments' folder and each attachment. [] for a tool whose items are synced as they are
        (`capabilities.derived_items` False)."""
        ...

    def compare_versions(self, candidate: str, recorded: str) -> VersionOrder:
        """How version token `candidate` stands against `recorded`. Versions are opaque to the engine: it
        never parses one, it asks here (`version_changed`, `newer_or_same`). An adapter reads one version
        as one token every time, so equal tokens are the same version (SAME); which of two is newer, and
        whether two spellings are one version, is only known here."""
        ...

    # ---- webhooks --------------------------------------------------------------------------------------
    def webhook_resources(self, *, company: bool) -> tuple[str, ...]:
        """The Procore webhook `resource_name`s a link registers for this tool."""
        ...

    def owns_resource(self, resource_name: str) -> bool:
        """Does a delivery's `resource_name` belong to this tool (also names it does not register)?"""
        ...

    def kind_of_resource(self, resource_name: str) -> ItemKind | None:
        """Which item kind a webhook `resource_name` refers to, or None if not this tool's."""
        ...

    def resource_name(self, link: LinkRow, kind: ItemKind) -> str:
        """The webhook `resource_name` Procore sends for an item of this kind (the inverse of the above):
        steps that hand an item to detect without a webhook (reconcile, edit beats delete) say it this way."""
        ...

    # ---- write half ------------------------------------------------------------------------------------
    def create_container(self, client: ProcoreClient, link: LinkRow, parent_id: str, name: str) -> SourceItem:
        """A container (folder, album) named `name` in `parent_id`: a live one of that name (any case) is
        adopted rather than duplicated, so a redelivered create makes nothing twice (style R6)."""
        ...

    def create_content(self, client: ProcoreClient, link: LinkRow, parent_id: str, name: str,
                       upload_uuid: str) -> SourceItem:
        """A new item from the bytes the engine uploaded (Procore upload `upload_uuid`)."""
        ...

    def replace_content(self, client: ProcoreClient, link: LinkRow, procore_id: str, upload_uuid: str) -> SourceItem:
        """The item's content replaced by the uploaded bytes (a new version where the tool keeps them)."""
        ...

    def move(self, client: ProcoreClient, link: LinkRow, procore_id: str, kind: ItemKind, *,
             name: str | None = None, parent_id: str | None = None) -> None:
        """Rename and/or move one item (None: that part stays)."""
        ...

    def delete(self, client: ProcoreClient, link: LinkRow, procore_id: str, kind: ItemKind) -> None:
        """Move one item to the tool's recycle bin (errors.NotFound when it is gone already)."""
        ...

    # ---- SharePoint --------------------------------------------------------------------------------------
    def sp_columns(self, item: SourceItem) -> dict[str, str]:
        """SharePoint column values for an item's twin (metadata a tool shows beside its files); {}: none."""
        ...

    # ---- for people ----------------------------------------------------------------------------------------
    def web_url(self, scope: Scope, item: SourceItem, *, api_base: str) -> str | None:
        """The item's page in Procore's web app (the host of `api_base`, the tenant's API address, as the web
        app's: api.procore.com -> app.procore.com), for the dashboard and the status API; None where no real
        address is known (never a guess)."""
        ...
