"""Response payloads of the onboarding and status API (the requests are in shared/models/api.py).

They feed both the JSON answers and the OpenAPI document, so a field added here is documented
automatically. Never imports azure.functions.
"""

from __future__ import annotations

import enum
import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from shared.models.api import (
    ConflictPolicy,
    Direction,
    InitialSync,
    Mode,
    TenantSettings,
    ToolKey,
)
from shared.models.rows import Stage

DEFAULT_SKIPPED_SHOWN = 50
DEFAULT_ACTIVITY_LIMIT = 50
MAX_ACTIVITY_LIMIT = 500


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class FieldProblem(_Out):
    field: str = Field(description="dotted path of the field in the request body ('body' for the whole body)")
    problem: str


class ErrorBody(_Out):
    error: str = Field(description="machine-readable code, e.g. invalid_request, procore_project_not_found")
    message: str = Field(description="what went wrong and what to do about it")
    problems: list[FieldProblem] = []


class StateCounts(_Out):
    synced: int = 0
    pending: int = 0
    skipped: int = 0
    failed: int = 0


class SharePointInfo(_Out):
    site_id: str
    drive_id: str
    folder_path: str
    root_item_id: str | None = Field(None, description="the target folder by id (renames keep the link)")


class SkippedItem(_Out):
    tool: ToolKey
    procore_id: str
    name: str
    kind: str
    reason: str | None = None
    procore_url: str | None = Field(None, description="the item's page in Procore's web app (null where none is "
                                    "known)")


class ToolState(enum.StrEnum):
    SYNCING = "syncing"              # initial copy running, or changes waiting to be applied
    IDLE = "idle"                    # on and up to date
    PAUSED = "paused"                # the link is paused (reason: why)
    ERROR = "error"                  # the link failed, or items of the tool failed (reason: what)
    OFF = "off"
    NOT_AVAILABLE = "not_available"  # the product cannot sync this tool yet


class ToolStatus(_Out):
    mode: Mode
    state: ToolState
    reason: str | None = None
    counts: StateCounts = Field(description="the tool's items by state")


class LinkStatus(_Out):
    link_id: str
    stage: Stage
    stage_reason: str | None = None
    pause_cause: str | None = Field(None, description="while paused: sharepoint_folder_gone, sharepoint_drive_gone, "
                                    "sharepoint_access, microsoft_credentials, procore_credentials, "
                                    "procore_project_unreachable, by_request or configuration")
    resumes_by_itself: bool = Field(False, description="while paused: the link resumes once its cause is fixed")
    paused_at: datetime | None = None
    tool_status: dict[ToolKey, ToolStatus] = Field(
        default_factory=dict, description="per tool: its mode, what it is doing (state, reason) and its item counts")
    counts: StateCounts = Field(description="items (files and folders) of the link by state")
    counts_by_kind: dict[str, StateCounts] = Field(description="the same counts for 'file' and 'folder'")
    project_name: str
    procore_company_id: int
    procore_project_id: int | None = Field(None, description="null for a company Documents link")
    sharepoint: SharePointInfo
    tools: dict[ToolKey, Mode]
    effective_tools: dict[ToolKey, Mode] = Field(default_factory=dict, description=(
        "the modes the sync applies: the tenant's settings.direction one_way makes every two_way tool one_way"))
    initial_sync: InitialSync
    skipped_items: list[SkippedItem] = Field(description=f"the first {DEFAULT_SKIPPED_SHOWN} skipped items")
    deletes_held: bool = Field(False, description="the mass-delete breaker holds deletes for an operator")
    deletes_held_reason: str | None = None
    held_deletes: list[str] = Field(default_factory=list, description="paths whose delete is held (first 100)")
    created_at: datetime
    updated_at: datetime


class ActivityEntry(_Out):
    at: datetime
    event: str
    kind: str = Field("link", description="created, updated, renamed, moved, deleted, conflict, skipped, failed "
                      "(what happened to the item), or link (an event about the link itself)")
    tool: ToolKey | None = None
    item: str | None = None
    path: str | None = None
    detail: str | None = None
    operation_id: str | None = Field(None, description="the change's trace: operation_Id in Application Insights")
    procore_url: str | None = Field(None, description="the item's page in Procore's web app where the event's "
                                    "tool and id say it (a record's page); otherwise null: ask the item's location")


class ActivityPage(_Out):
    items: list[ActivityEntry] = Field(description="newest first")
    continuation: str | None = Field(None, description="pass as ?continuation= for the next page; null at the end")


class HeldDeletesRequest(BaseModel):
    """What to do with the deletes the mass-delete breaker holds."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["release", "discard"] = Field(
        description="release: apply them on the other side; discard: undo them by copying the items back")


class HeldDeletesResponse(_Out):
    action: str
    count: int


class LinkSummary(_Out):
    link_id: str
    stage: Stage
    stage_reason: str | None = None
    project_name: str
    procore_project_id: int | None = Field(None, description="null for a company Documents link")
    sharepoint: SharePointInfo
    tools: dict[ToolKey, Mode]
    created_at: datetime
    updated_at: datetime


class LinkList(_Out):
    items: list[LinkSummary] = Field(description="the tenant's links (stopped ones left out), oldest first")


class ProcoreInfo(_Out):
    company_id: int
    client_id: str
    base_url: str
    login_url: str


class MicrosoftInfo(_Out):
    tenant_id: str
    client_id: str
    graph_url: str
    authority: str | None = None


class TenantInfo(_Out):
    """A tenant as stored; the client secrets and the API key are never returned."""

    tenant_id: str
    name: str
    procore: ProcoreInfo
    microsoft: MicrosoftInfo
    notify: list[str]
    settings: TenantSettings
    created_at: datetime


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://[^\s/]+(/\S*)?$")
_Ident = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^\S+$")]


def _url(value: str | None) -> str | None:
    if value is not None and not _URL.fullmatch(value):
        raise ValueError("must be an http(s) URL")
    return value.rstrip("/") if value else value


class _Patch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProcoreCredentialsUpdate(_Patch):
    """New Procore credentials; checked against Procore (a token and a read of the company) before saving.
    The company cannot change (the links belong to it)."""

    client_id: _Ident | None = None
    client_secret: SecretStr | None = Field(None, min_length=1)
    base_url: str | None = None
    login_url: str | None = None

    _check_urls = field_validator("base_url", "login_url")(_url)


class MicrosoftCredentialsUpdate(_Patch):
    """New Microsoft credentials; checked (a token, and a read of each linked site) before saving. The
    Entra tenant cannot change."""

    client_id: _Ident | None = None
    client_secret: SecretStr | None = Field(None, min_length=1)
    graph_url: str | None = None
    authority: str | None = None

    _check_urls = field_validator("graph_url", "authority")(_url)


class TenantSettingsUpdate(_Patch):
    """Only the settings given change (see TenantSettings for each one's meaning and default)."""

    direction: Direction | None = None
    conflict_policy: ConflictPolicy | None = None
    delete_sync: bool | None = None
    mass_delete_share: float | None = Field(None, gt=0, le=1)
    mass_delete_count_24h: int | None = Field(None, ge=1)
    mass_delete_burst_gap_s: float | None = Field(None, ge=1, le=3600)
    quiet_period_s: float | None = Field(None, ge=0, le=300)
    mail_from: str | None = None
    weekly_digest: bool | None = None
    include_private: bool | None = None


class UpdateTenantRequest(_Patch):
    """Every field is optional; what is given replaces the stored value (settings: per setting)."""

    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    notify: list[str] | None = Field(None, min_length=1, max_length=50)
    settings: TenantSettingsUpdate | None = None
    procore: ProcoreCredentialsUpdate | None = None
    microsoft: MicrosoftCredentialsUpdate | None = None

    @field_validator("notify")
    @classmethod
    def _emails(cls, value: list[str] | None) -> list[str] | None:
        bad = [v for v in value or [] if not _EMAIL.fullmatch(v)]
        if bad:
            raise ValueError(f"not an email address: {', '.join(bad)}")
        return value


class UpdateLinkRequest(_Patch):
    """New modes for some of the link's tools (the others keep theirs)."""

    tools: dict[ToolKey, Mode] = Field(min_length=1)
