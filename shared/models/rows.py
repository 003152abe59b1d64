"""Table rows: the last agreed state (architecture §4). Every row is versioned (schema_version).

Rows hold ids, never paths, as the identity of an item: names and parents are kept only to detect
renames and moves. Secrets never appear here, only secret-store references. Never imports
azure.functions.
"""

from __future__ import annotations

import enum
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.models.api import InitialSync, Mode, TenantSettings, ToolKey


class Row(BaseModel):
    """Base of every table row: versioned so a reader can tell old layouts apart (style R9). Defined
    here, not in shared.store, so the models never import the storage layer."""

    schema_version: int = Field(1, ge=1)


class Stage(enum.StrEnum):
    INITIAL_SYNC = "initial_sync"
    REGULAR = "regular"
    PAUSED = "paused"
    FAILED = "failed"
    DELETED = "deleted"


class ItemState(enum.StrEnum):
    PENDING = "pending"
    SYNCED = "synced"
    SKIPPED = "skipped"
    FAILED = "failed"


class ItemKind(enum.StrEnum):
    FILE = "file"
    FOLDER = "folder"


class ProcoreConnection(Row):
    company_id: int
    client_id: str
    secret_ref: str
    base_url: str
    login_url: str


class MicrosoftConnection(Row):
    tenant_id: str
    client_id: str
    secret_ref: str
    graph_url: str
    authority: str | None = None


class TenantRow(Row):
    tenant_id: str
    name: str
    procore: ProcoreConnection
    microsoft: MicrosoftConnection
    notify: list[str]
    settings: TenantSettings
    api_key_hash: str
    created_at: datetime


class ToolRootState(Row):
    """A tool's Procore root container and the SharePoint folder its items go under, by id."""

    procore_id: str
    sp_item_id: str
    sp_folder_name: str | None = None   # the tool's folder under the link root (None: the root itself)


class LinkRow(Row):
    tenant_id: str
    link_id: str
    procore_company_id: int
    procore_project_id: int | None = None  # None: a company Documents link
    project_name: str
    site_id: str
    drive_id: str
    folder_path: str
    root_item_id: str | None = None        # the SharePoint folder the link syncs into, by id
    initial_sync: InitialSync
    tools: dict[ToolKey, Mode]
    stage: Stage = Stage.INITIAL_SYNC
    stage_reason: str | None = None
    notified_initial_sync: bool = False
    tool_roots: dict[ToolKey, ToolRootState] = {}   # filled when the initial sync starts
    enumerated: list[ToolKey] = []                   # tools whose initial enumeration is complete
    completion_check_pending: bool = False
    sp_enumeration: str | None = None                # from_sharepoint: None | "started" | "done"
    deletes_held: bool = False                       # the mass-delete breaker tripped: deletes wait
    deletes_held_reason: str | None = None
    deletes_released_at: datetime | None = None      # an operator's last release: its burst is approved
    procore_hook_id: int | None = None         # the link's Procore hook (SubscriptionRow kind procore)
    graph_subscription_id: str | None = None   # the drive-root subscription (SubscriptionRow kind graph)
    created_at: datetime
    updated_at: datetime
    paused_from: Stage | None = None           # while paused: the stage a resume goes back to
    pause_cause: str | None = None             # while paused: shared.sync.pausing.PauseCause value
    pause_id: str | None = None                # while paused: names this pause (its one email and event)
    paused_at: datetime | None = None


PART_SEP = ":"   # between a source id and a part in an item's Procore id: "12:pdf", "12:attachment:345"


class ItemKey(BaseModel):
    """Which item a row, a message or a step is about: a tool's source item (a file, folder, record),
    or one part derived from it (`part`: "pdf", "attachments", "attachment:<id>").

    A source item's id is its Procore id as it always was ("42"); a part's is the source id, ":" and the
    part ("12:pdf"), so the items row key (`row_key`: tool, ":" and that id) of every Documents item is
    unchanged and all the parts of one source sort together after `source_prefix`."""

    model_config = ConfigDict(frozen=True)

    tool: ToolKey
    source_id: str = Field(min_length=1)
    part: str | None = Field(None, min_length=1)

    @field_validator("source_id")
    @classmethod
    def _no_separator(cls, value: str) -> str:
        if PART_SEP in value:
            raise ValueError(f"a source id cannot hold {PART_SEP!r} (it separates a part): {value!r}")
        return value

    @classmethod
    def parse_id(cls, tool: ToolKey, procore_id: str) -> ItemKey:
        source, sep, part = procore_id.partition(PART_SEP)
        return cls(tool=tool, source_id=source, part=part if sep else None)

    @classmethod
    def parse(cls, row_key: str) -> ItemKey:
        """The key of an items row key (`row_key`'s inverse)."""
        tool, sep, procore_id = row_key.partition(PART_SEP)
        if not sep:
            raise ValueError(f"not an item key: {row_key!r}")
        return cls.parse_id(ToolKey(tool), procore_id)

    @property
    def procore_id(self) -> str:
        return self.source_id if self.part is None else f"{self.source_id}{PART_SEP}{self.part}"

    @property
    def row_key(self) -> str:
        return f"{self.tool.value}{PART_SEP}{self.procore_id}"

    @property
    def source_prefix(self) -> str:
        """The start every row key of this item's parts shares (not the source's own row key)."""
        return f"{self.tool.value}{PART_SEP}{self.source_id}{PART_SEP}"


class ItemRow(Row):
    """One Procore item and its SharePoint twin, as both sides last agreed."""

    link_id: str
    tool: ToolKey
    procore_id: str
    kind: ItemKind
    state: ItemState = ItemState.PENDING
    reason: str | None = None
    procore_name: str
    procore_parent_id: str | None = None
    procore_version: str | None = None      # opaque token only the tool's adapter compares (compare_versions)
    sp_item_id: str | None = None
    sp_parent_id: str | None = None
    sp_name: str | None = None
    sp_etag: str | None = None
    sp_ctag: str | None = None
    sp_quickxor: str | None = None
    size: int = Field(0, ge=0)
    upload_lease_until: datetime | None = None   # one upload of an item at a time (no duplicate twins/versions)
    awaiting_sp_copy: bool = False               # from_sharepoint: SharePoint's newer copy is on its way
    checkout_wait: str | None = None             # a SharePoint change waiting on a Procore checkout:
                                                 # "upload" | "move" | "recycle" (resumed by the check-in)
    previous_ids: list[str] = []                 # Procore ids this item had before (re-keyed), oldest first
    sp_not_synced: str | None = None             # one-way: the SharePoint state (eTag) whose change was logged
                                                 # as not sent to Procore (each person's change logged once)
    updated_at: datetime

    @property
    def key(self) -> ItemKey:
        return ItemKey.parse_id(self.tool, self.procore_id)


class ActivityRow(Row):
    link_id: str
    day: str                                 # YYYY-MM-DD (UTC): part of the partition
    row_key: str                             # inverted timestamp + unique suffix: newest first
    at: datetime
    event: str                               # synced | skipped | conflict | error | deleted | ...
    tool: ToolKey | None = None
    item: str | None = None                  # Procore id or SharePoint id
    path: str | None = None
    detail: str | None = None
    size: int | None = None                  # a file's bytes (synced: copied, deleted: removed); None: a folder
    latency_ms: int | None = None            # live sync of a file: from the change at its source to this record
    operation_id: str | None = None          # the trace of the change (App Insights operation_Id)
    change: str | None = None                # a synced item: created | updated | renamed | moved (record.change_of)


class SignInRow(Row):
    """A one-time dashboard sign-in code: the caller's key, encrypted with the code's secret (which is never
    stored), good once until `expires_at` (shared/dashboard/signin.py)."""

    code_id: str
    tenant_id: str
    kind: str                                # "tenant" | "operator"
    nonce: str                               # base64
    sealed_key: str                          # base64 AES-GCM of the key
    expires_at: datetime


class SubscriptionKind(enum.StrEnum):
    GRAPH = "graph"
    PROCORE = "procore"


class SubscriptionRow(Row):
    """A Graph subscription or a Procore hook we own; the secret itself only as a hash."""

    kind: SubscriptionKind
    subscription_id: str                     # Graph subscription id / Procore hook id
    tenant_id: str
    link_id: str
    resource: str                            # Graph resource / Procore hook scope
    secret_hash: str                         # sha256 of clientState / hook Authorization value
    expires_at: datetime | None = None
    trigger_ids: list[str] = []              # Procore triggers registered on the hook
    notification_url: str | None = None      # where it delivers (lets a timer re-create it without a request)
    created_at: datetime


class CursorRow(Row):
    """Where a change feed was last read up to: moves only after what it covers is recorded."""

    scope: str                               # link id, or drive_scope(...) for a drive's delta and its lease
    kind: str                                # "graph_delta" | "graph_delta_lease" | "procore_watermark:<tool>"
    value: str
    updated_at: datetime


def drive_scope(tenant_id: str, drive_id: str) -> str:
    """The cursors and leases partition of a tenant's drive: its delta cursor and run lease, shared by its links."""
    return f"drive|{tenant_id}|{drive_id}"


class LeaseRow(Row):
    """One run at a time of a shared job (a drive's delta): who holds it, until when, and whether a
    request came in while it was held. Only the holder extends `expires_at`, so a lease that a crash or
    a lost race leaves behind expires by itself (shared/sync/lease.py)."""

    scope: str                               # drive_scope(...) for a drive's delta run
    name: str                                # "graph_delta"
    holder: str | None = None                # the run holding it (random per run), None when free
    expires_at: datetime | None = None       # a held lease past this time is free for the taking
    again: bool = False                      # asked for while held: the holder runs once more


class NotificationRow(Row):
    """A notification mail being sent or sent: makes sending exactly-once-ish under redelivery."""

    link_id: str
    notification_id: str
    owner: str                               # queue message id of the delivery that claimed it
    state: str                               # "sending" | "sent" | "no_sender" (recorded, not sent)
    claimed_at: datetime


class DeleteRow(Row):
    """A delete detected on one side, waiting for (or past) the mass-delete breaker."""

    link_id: str
    item_key: str                            # items row key (tool:procore id)
    direction: str                           # "to_sharepoint" (deleted in Procore) | "to_procore"
    sp_item_id: str | None = None
    path: str | None = None
    state: str = "pending"                   # pending | applied | held | released | discarded
    detected_at: datetime
