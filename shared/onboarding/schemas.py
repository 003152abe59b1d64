"""Response payloads of the onboarding and status API (the requests are in shared/models/api.py).

They feed both the JSON answers and the OpenAPI document, so a field added here is documented
automatically. Never imports azure.functions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.models.api import InitialSync, Mode, ToolKey
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


class LinkStatus(_Out):
    link_id: str
    stage: Stage
    stage_reason: str | None = None
    counts: StateCounts = Field(description="items (files and folders) of the link by state")
    counts_by_kind: dict[str, StateCounts] = Field(description="the same counts for 'file' and 'folder'")
    project_name: str
    procore_company_id: int
    procore_project_id: int | None = Field(None, description="null for a company Documents link")
    sharepoint: SharePointInfo
    tools: dict[ToolKey, Mode]
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
    tool: ToolKey | None = None
    item: str | None = None
    path: str | None = None
    detail: str | None = None


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
