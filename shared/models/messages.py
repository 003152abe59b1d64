"""Queue messages of the pipeline (architecture §3): one pydantic model per step, tagged by `kind`.

Each queue carries a discriminated union, so a trigger parses with one call and an unknown kind is
a loud error (poison), never a silent no-op. Every message names its tenant and link, and the
`lane` (initial sync or live) that decides which queues its follow-up steps go to. A message about
an item names its `tool` explicitly, with no default: messages queued before SharePoint -> Procore
messages lost their default still parse, because a message is queued as `model_dump_json()`, which
writes the default (`"tool": "documents"`) too. Never imports azure.functions.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from shared.models.api import ToolKey
from shared.telemetry.carrier import TraceCarrier


class Lane(enum.StrEnum):
    INITIAL = "initial"
    LIVE = "live"


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: int = 1
    tenant_id: str
    link_id: str
    lane: Lane = Lane.LIVE
    attempt: int = Field(0, ge=0)    # times this step was put back after a transient failure
    trace: TraceCarrier | None = None  # W3C trace context of the step that queued it (None: a new trace)


class StartInitialSync(_Message):
    """Enumerate the link's tools and plan every item (initial-sync queue)."""

    kind: Literal["start_initial_sync"] = "start_initial_sync"
    lane: Lane = Lane.INITIAL


class EnumeratePage(_Message):
    """One page of a tool's source listing during the initial sync (initial-sync queue)."""

    kind: Literal["enumerate_page"] = "enumerate_page"
    lane: Lane = Lane.INITIAL
    tool: ToolKey
    page: int = Field(ge=1)


class ProcoreChange(_Message):
    """A Procore webhook delivery, reduced to what detect needs: a hint, re-read before acting."""

    kind: Literal["procore_change"] = "procore_change"
    tool: ToolKey
    resource_name: str
    resource_id: int
    event_type: str
    source_application_id: str | None = None


class MirrorFolder(_Message):
    """Create (or find) the SharePoint twin of a Procore folder (metadata queue)."""

    kind: Literal["mirror_folder"] = "mirror_folder"
    tool: ToolKey
    procore_id: str


class FetchFile(_Message):
    """Copy one Procore file version into a staging blob (transfer queue)."""

    kind: Literal["fetch_file"] = "fetch_file"
    tool: ToolKey
    procore_id: str
    version: str
    download_url: str | None = None   # from a fresh listing (initial sync): fetch without re-reading
    size: int | None = None
    modified_at: datetime | None = None   # when the listed version was made (conflict/newest rules)
    name: str | None = None               # the Procore name and parent when planned (a rename that
    parent_id: str | None = None          # raced a pending copy is applied after it, not lost)
    kept_beside: str | None = None        # hash of a conflict's loser whose keep-both copy is written already
    columns: dict[str, str] = {}          # SharePoint column values of the twin, by title (adapter.sp_columns)


class UploadFile(_Message):
    """Upload a staged file to SharePoint (transfer queue)."""

    kind: Literal["upload_file"] = "upload_file"
    tool: ToolKey
    procore_id: str
    version: str
    staged_blob: str
    size: int
    sha256: str
    quickxor: str
    modified_at: datetime | None = None   # when this version was made in Procore (conflict policy)
    name: str | None = None               # the Procore name and parent the fetch saw
    parent_id: str | None = None
    kept_beside: str | None = None        # as FetchFile's: that copy is not written again
    columns: dict[str, str] = {}          # SharePoint column values written after the upload, by title


class BatchedFile(BaseModel):
    """One small file of a CopyBatch: its own FetchFile (sent as it is when the file falls back to the
    per-file path) and where it goes in SharePoint (the parent folder's id and the legal name, as planned)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fetch: FetchFile
    sp_parent_id: str
    sp_name: str


class CopyBatch(_Message):
    """Initial sync: small new files of one tool copied Procore -> SharePoint in one step, each by simple
    upload into its known parent (transfer-initial queue); a file that is not plain goes to its FetchFile."""

    kind: Literal["copy_batch"] = "copy_batch"
    lane: Lane = Lane.INITIAL
    tool: ToolKey
    files: list[BatchedFile] = Field(min_length=1)


class TransferChunk(_Message):
    """One step of a large transfer (transfer queue): the range at `offset` of the transfer's phase.
    Keyed like its progress row (direction, tool, item, source version): a step whose offset is
    already past does nothing, so duplicate and late deliveries are harmless."""

    kind: Literal["transfer_chunk"] = "transfer_chunk"
    tool: ToolKey
    direction: Literal["to_sp", "to_procore"]
    item: str
    source_version: str
    phase: Literal["fetch", "send"]
    offset: int = Field(ge=0)


class WriteBeside(_Message):
    """keep_both's copy of a large loser, written in steps before the conflict's winner (transfer queue):
    the loser's bytes (a SharePoint item or a Procore version, `source_item` at `source_version`) are
    staged, then sent as a new SharePoint file `name` in `parent_id`; `then` carries the winner on."""

    kind: Literal["write_beside"] = "write_beside"
    tool: ToolKey
    source_item: str
    source_version: str
    parent_id: str
    name: str
    size: int = Field(ge=0)
    staged_blob: str
    to_procore: bool = False              # two-way: the copy then goes to Procore as a new file
    then: FetchFile | None = None         # the winner's copy, delivered again once this one is written


class SpMetadata(_Message):
    """Rename, move or recycle the SharePoint twin of a Procore item (metadata queue)."""

    kind: Literal["sp_metadata"] = "sp_metadata"
    tool: ToolKey
    procore_id: str
    action: Literal["rename", "move", "recycle"]


class RecordResult(_Message):
    """A step's outcome for the recorder (items row, reverse index, activity). Never queued: the step that
    wrote records inline, so the twin's id is known before any other step of the item runs."""

    kind: Literal["record_result"] = "record_result"
    tool: ToolKey
    procore_id: str
    outcome: Literal["synced", "skipped", "failed", "deleted"]
    version: str | None = None
    procore_name: str | None = None
    procore_parent_id: str | None = None
    reason: str | None = None
    sp_item_id: str | None = None
    sp_parent_id: str | None = None
    sp_name: str | None = None
    sp_etag: str | None = None
    sp_ctag: str | None = None
    sp_quickxor: str | None = None
    size: int | None = None
    changed_at: datetime | None = None   # when the change was made at its source (the live latency's start)


class CheckCompletion(_Message):
    """Is the initial sync done? Debounced: at most one is pending per link (initial-sync queue)."""

    kind: Literal["check_completion"] = "check_completion"
    lane: Lane = Lane.INITIAL


class DriveDelta(_Message):
    """Read the link's drive changes since the stored delta cursor (coalesced: one run at a time)."""

    kind: Literal["drive_delta"] = "drive_delta"
    lease_holder: str | None = None    # a paced run's next step: the drive's lease was passed to it


class SpChange(_Message):
    """One SharePoint item changed (from delta): a hint for detect, with the state delta reported."""

    kind: Literal["sp_change"] = "sp_change"
    sp_item_id: str
    deleted: bool = False
    is_folder: bool = False
    name: str | None = None
    parent_id: str | None = None
    etag: str | None = None
    quickxor: str | None = None
    size: int | None = None
    modified_by_app: str | None = None    # lastModifiedBy.application.id
    modified_at: datetime | None = None   # lastModifiedDateTime: when the quiet period starts


class SpToProcore(_Message):
    """Copy a SharePoint file to Procore: fetch (SharePoint -> staging), then upload (staging -> Procore)."""

    kind: Literal["sp_to_procore"] = "sp_to_procore"
    tool: ToolKey
    sp_item_id: str
    phase: Literal["fetch", "upload"] = "fetch"
    staged_blob: str | None = None
    quickxor: str | None = None
    etag: str | None = None
    size: int | None = None
    conflict_resolved: bool = False   # a conflict was already decided for SharePoint: do not re-check
    seen_etag: str | None = None      # the eTag detect saw: a newer save by someone else supersedes this copy
    sp_quickxor: str | None = None    # SharePoint's own hash of the item when fetched (server to server compares)


class ProcoreMetadata(_Message):
    """Mirror a SharePoint folder into Procore, or follow a rename/move/delete made in SharePoint."""

    kind: Literal["procore_metadata"] = "procore_metadata"
    tool: ToolKey
    sp_item_id: str
    action: Literal["mirror_folder", "move", "recycle"]


class RenewLink(_Message):
    """Safety net: renew the link's Graph subscription, re-create a missing one, check the Procore hook."""

    kind: Literal["renew_link"] = "renew_link"


class ReconcileLink(_Message):
    """Safety net: a Graph delta run plus the Procore changes since the watermark, as detect hints."""

    kind: Literal["reconcile_link"] = "reconcile_link"
    graph: bool = True        # False on a continuation that only reads more Procore changes
    procore: bool = True      # False when it is not the link's turn for the Procore pass (its company's budget)
    privacy: tuple[ToolKey, ...] = ()   # a privacy pass instead (include_private changed): these tools, in turn


class CheckLink(_Message):
    """Cheap check (every couple of minutes): the link's Procore changes since the watermark, as detect hints."""

    kind: Literal["check_link"] = "check_link"


class EnumerateSp(_Message):
    """Initial sync from SharePoint, second phase: copy what exists only in SharePoint (initial-sync queue)."""

    kind: Literal["enumerate_sp"] = "enumerate_sp"
    lane: Lane = Lane.INITIAL


class SendNotification(_Message):
    """Email the tenant's notify addresses (notify queue)."""

    kind: Literal["send_notification"] = "send_notification"
    notification_id: str            # the same notification is sent once, however often it is delivered
    subject: str
    body: str
    list_held_deletes: bool = False  # append the paths the mass-delete breaker holds (read at send time)
    # The weekly digest: subject and body are the tenant's [digest_since, digest_until), read at send time.
    digest_since: datetime | None = None
    digest_until: datetime | None = None


class GraphNotice(BaseModel):
    """One distinct notification of a Graph batch as the receiver kept it: the subscription id, the
    SHA-256 of the clientState presented (the secret itself never goes on a queue), any lifecycle event."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sid: str
    state_hash: str
    lifecycle: str | None = None


class GraphNotices(BaseModel):
    """A Graph notification batch (or a slice of a large one), checked on the live queue, not in the
    HTTP request: known subscriptions with the right clientState become DriveDelta runs, the rest are
    dropped. Not bound to one link, so it is not a `_Message`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: int = 1
    kind: Literal["graph_notices"] = "graph_notices"
    notices: list[GraphNotice]
    attempt: int = Field(0, ge=0)
    trace: TraceCarrier | None = None


# Models that share the message fields but never go on a queue (passed in process to the recorder).
IN_PROCESS_MESSAGES: tuple[type[BaseModel], ...] = (RecordResult,)

# Messages not bound to one link: dispatch runs them without loading a link context.
UNBOUND_MESSAGES: tuple[type[BaseModel], ...] = (GraphNotices,)

DetectMessage = Annotated[
    StartInitialSync | EnumeratePage | ProcoreChange | CheckCompletion | DriveDelta | SpChange | EnumerateSp | RenewLink
    | ReconcileLink | GraphNotices | CheckLink,
    Field(discriminator="kind"),
]
TransferMessage = Annotated[FetchFile | UploadFile | SpToProcore | TransferChunk | WriteBeside | CopyBatch,
                            Field(discriminator="kind")]
MetadataMessage = Annotated[MirrorFolder | SpMetadata | ProcoreMetadata, Field(discriminator="kind")]

DETECT = TypeAdapter(DetectMessage)
TRANSFER = TypeAdapter(TransferMessage)
METADATA = TypeAdapter(MetadataMessage)
NOTIFY = TypeAdapter(SendNotification)
