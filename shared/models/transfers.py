"""The progress row of a large transfer split over several queue steps (table `transfers`).

One row per (link, direction, tool, item, source version): where the bytes are staged, how far the
current phase got (`offset`), the hash state carried between steps, the destination's session (Graph
uploadUrl, or Procore upload uuid and segment ETags) and what to do once done. Never imports azure.functions.
"""

from __future__ import annotations

import enum
from datetime import datetime

from shared.models.api import ToolKey
from shared.models.rows import Row


class Direction(enum.StrEnum):
    TO_SP = "to_sp"            # Procore -> SharePoint: item = Procore id, source version = Procore version id
    #                            (a keep-both copy: item = "beside:<source item>", read from Procore when
    #                            source_url is set, else from the SharePoint item source_item)
    TO_PROCORE = "to_procore"  # SharePoint -> Procore: item = SharePoint item id, source version = its quickXorHash


class Phase(enum.StrEnum):
    FETCH = "fetch"     # source -> staging blob, one range per step
    STAGED = "staged"   # all bytes staged: the upload step (UploadFile / SpToProcore / WriteBeside) decides and starts
    SEND = "send"       # staging blob -> destination session, one range per step


PHASE_ORDER = {Phase.FETCH: 0, Phase.STAGED: 1, Phase.SEND: 2}


class TransferRow(Row):
    link_id: str
    key: str                                  # transfer_key(direction, tool, item, source_version)
    direction: Direction
    tool: ToolKey
    item: str
    source_version: str
    size: int
    staged_blob: str
    phase: Phase = Phase.FETCH
    offset: int = 0                           # next byte of the current phase
    handed_on: bool = False                   # the message for (phase, offset) was sent
    claim_until: datetime | None = None       # a step working on (phase, offset) holds it until then
    updated_at: datetime | None = None
    source_url: str | None = None             # Procore download URL (to_sp)
    source_etag: str | None = None            # SharePoint eTag the range reads must see
    source_item: str | None = None            # the item read, when not `item` (a keep-both copy's loser)
    quickxor_state: str | None = None         # QuickXorHash.state() of the bytes fetched so far
    segment_bytes: int = 0                    # Procore segment size (to_procore)
    segment_sha256: list[str] = []            # one per fetched segment (to_procore)
    upload_message: str | None = None         # JSON of the message that starts the send phase
    session_url: str | None = None            # Graph uploadUrl (carries tempauth: never logged)
    upload_uuid: str | None = None            # Procore upload uuid
    etags: list[str] = []                     # Procore segment ETags so far, in order
    parent_id: str | None = None              # destination parent (SharePoint folder / Procore folder id)
    name: str | None = None                   # destination name (to_procore)
    twin_id: str | None = None                # the destination item replaced, if any (Procore file id)
    lease_until: datetime | None = None       # the item's upload lease held for the send phase
    claimed_at: datetime | None = None        # the itemsBySp claim held for a new Procore file
