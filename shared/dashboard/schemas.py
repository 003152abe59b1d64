"""Request and response payloads of the dashboard's API routes (overview figures, item lists, actions,
sign-in codes). They feed the JSON answers and the OpenAPI document. Never imports azure.functions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.models.api import ToolKey
from shared.models.rows import Stage
from shared.onboarding.schemas import StateCounts

Window = Literal["12h", "24h", "2d", "7d", "30d"]
WINDOW_HOURS: dict[str, int] = {"12h": 12, "24h": 24, "2d": 48, "7d": 168, "30d": 720}
DEFAULT_WINDOW: Window = "24h"
SIGN_IN_CODE_TTL_S = 600            # a one-time sign-in code is good for ten minutes
DEFAULT_ITEMS_LIMIT = 100
MAX_ITEMS_LIMIT = 500


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class TransferBucket(_Out):
    start: datetime
    transferred_files: int = 0
    transferred_bytes: int = 0
    deleted_files: int = 0
    deleted_bytes: int = 0


class LatencyBucket(_Out):
    """Live sync latency (change made at its source -> recorded) in one bucket, seconds; None: no sample."""

    start: datetime
    to_sharepoint_p50_s: float | None = None
    to_sharepoint_p90_s: float | None = None
    to_procore_p50_s: float | None = None
    to_procore_p90_s: float | None = None


class LatencySummary(_Out):
    direction: Literal["to_sharepoint", "to_procore"]
    samples: int
    p50_s: float | None = None
    p90_s: float | None = None
    p99_s: float | None = None


class LinkFigures(_Out):
    link_id: str
    project_name: str
    stage: Stage
    counts: StateCounts
    progress: float | None = Field(None, description="initial sync only: share of items done (synced, skipped "
                                   "or failed), 0..1")
    storage_bytes: int = Field(description="bytes of the link's synced files (their last agreed sizes)")
    files_per_hour: float | None = Field(None, description="initial sync only: files synced per hour so far")
    expected_finish: datetime | None = Field(None, description="initial sync only: when the pending items are "
                                             "done at the current pace")
    last_to_sharepoint: datetime | None = Field(None, description="last file synced Procore -> SharePoint "
                                                "(within the window)")
    last_to_procore: datetime | None = Field(None, description="last file synced SharePoint -> Procore "
                                             "(within the window)")
    held_deletes: int = 0
    conflicts: int = Field(0, description="conflicts within the window")


class ServiceReachability(_Out):
    service: Literal["procore", "microsoft"]
    state: Literal["ok", "throttled", "unreachable", "refused", "unknown"]
    detail: str | None = None
    retry_after_s: float | None = None
    latency_ms: int | None = None
    checked_at: datetime


class Overview(_Out):
    """Figures for a tenant's dashboard, computed from what the store records."""

    tenant_id: str
    tenant_name: str
    window: Window
    generated_at: datetime
    bucket_seconds: int
    transfers: list[TransferBucket] = Field(description="files copied and deleted per bucket, oldest first "
                                            "(either direction)")
    latency: list[LatencyBucket] = Field(description="live sync latency percentiles per bucket and direction")
    latency_summary: list[LatencySummary] = Field(description="the same over the whole window")
    links: list[LinkFigures]
    largest_links: list[str] = Field(description="link ids by storage, largest first")
    services: list[ServiceReachability] = Field(description="Procore and Microsoft Graph, probed now with the "
                                                "tenant's credentials (cached for half a minute)")


class ItemEntry(_Out):
    tool: ToolKey
    procore_id: str
    name: str
    kind: str
    state: str
    reason: str | None = None
    sp_item_id: str | None = None
    size: int = 0
    updated_at: datetime
    procore_url: str | None = Field(None, description="the item's page in Procore's web app (null where none is "
                                    "known: Documents and Photos items)")


class ItemPage(_Out):
    items: list[ItemEntry] = Field(description="the link's items in the state asked for")


class ItemLocation(_Out):
    tool: ToolKey
    procore_id: str
    name: str
    sharepoint_url: str | None = Field(None, description="the item's SharePoint web address (null when it has no "
                                       "twin yet, or the twin is gone)")
    procore_url: str | None = Field(None, description="the item's page in Procore's web app: a record's page, a "
                                    "drawing's current revision; null where no real address is known (Documents "
                                    "and Photos: Procore's API gives none)")


class RetryRequest(BaseModel):
    """Which failed item to copy again (as listed by the items route)."""

    model_config = ConfigDict(extra="forbid")

    tool: ToolKey
    procore_id: str = Field(min_length=1, max_length=300)


class RetryResponse(_Out):
    tool: ToolKey
    procore_id: str
    state: str = Field(description="pending: the copy is queued again")


class ResyncResponse(_Out):
    link_id: str
    queued: bool = Field(description="a reconciliation pass is queued")


class TenantSummary(_Out):
    tenant_id: str
    name: str
    links: int


class TenantList(_Out):
    items: list[TenantSummary]


class SignInCode(_Out):
    code: str = Field(description="one-time code; POST it to /api/sign-in once, before it expires")
    expires_at: datetime
    sign_in_url: str = Field(description="the dashboard with the code in its fragment (never sent to a server)")


class SignInRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=10, max_length=200, pattern=r"^[A-Za-z0-9_.-]+$")


class SignInResponse(_Out):
    kind: Literal["tenant", "operator"] = Field(description="tenant: send `key` as the bearer token; operator: "
                                                "send it as x-functions-key")
    tenant_id: str = Field(description="the tenant the code was made for (an operator sees every tenant)")
    key: str
