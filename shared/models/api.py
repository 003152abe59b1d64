"""Onboarding API payloads (contract §4), validated strictly: unknown fields are errors too.

A typo such as `"initial_synk"` must come back as a 4xx naming the field, not be ignored and
silently fall back to a default; likewise a wrong JSON type (`"101"` or `true` for an id) is an
error, not a coercion, and ids must fit Int64. Never imports azure.functions.
"""

from __future__ import annotations

import enum
import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic import Strict as StrictType

DEFAULT_PROCORE_BASE_URL = "https://api.procore.com"
DEFAULT_PROCORE_LOGIN_URL = "https://login.procore.com"
DEFAULT_GRAPH_URL = "https://graph.microsoft.com/v1.0"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://[^\s/]+(/\S*)?$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ToolKey(enum.StrEnum):
    DOCUMENTS = "documents"
    PHOTOS = "photos"
    RFIS = "rfis"
    SUBMITTALS = "submittals"
    DRAWINGS = "drawings"
    FORMS = "forms"
    OBSERVATIONS = "observations"
    INSPECTIONS = "inspections"
    INCIDENTS = "incidents"
    COMMITMENTS = "commitments"


class Mode(enum.StrEnum):
    TWO_WAY = "two_way"
    ONE_WAY = "one_way"
    OFF = "off"


# Contract §4 as it validates a request. Everything else asks the tool registry (shared.tools: each
# adapter's capabilities), which tests/unit/tools/test_registry.py keeps equal to these two sets.
TWO_WAY_TOOLS = frozenset({ToolKey.DOCUMENTS, ToolKey.PHOTOS})
COMPANY_TOOLS = frozenset({ToolKey.DOCUMENTS})
DEFAULT_PROJECT_TOOLS: dict[ToolKey, Mode] = {
    key: (Mode.TWO_WAY if key in TWO_WAY_TOOLS else Mode.ONE_WAY) for key in ToolKey
}


class Direction(enum.StrEnum):
    """The tenant's direction: `one_way` makes every two-way tool of every link one-way (Procore ->
    SharePoint), whatever the link's own modes say; `two_way` leaves the links' modes as they are."""

    TWO_WAY = "two_way"
    ONE_WAY = "one_way"


def effective_mode(mode: Mode, direction: Direction) -> Mode:
    """A tool's mode as the engine applies it: the link's, capped at one-way by a one-way tenant."""
    return Mode.ONE_WAY if mode is Mode.TWO_WAY and direction is Direction.ONE_WAY else mode


def effective_tools(tools: dict[ToolKey, Mode], direction: Direction) -> dict[ToolKey, Mode]:
    """Every tool's `effective_mode` (the stored modes stay as they are, so `two_way` comes back with the
    tenant's direction)."""
    return {tool: effective_mode(mode, direction) for tool, mode in tools.items()}


class ConflictPolicy(enum.StrEnum):
    NEWEST_WINS = "newest_wins"
    KEEP_BOTH = "keep_both"


class InitialSync(enum.StrEnum):
    STANDARD = "standard"
    FROM_SHAREPOINT = "from_sharepoint"


def _url(value: str | None) -> str | None:
    if value is not None and not _URL.fullmatch(value):
        raise ValueError("must be an http(s) URL")
    return value.rstrip("/") if value else value


INT64_MAX = 2**63 - 1
# Ids and numbers of the API: a JSON number of the right type only (no "101", no true), within Int64.
Id64 = Annotated[int, StrictType(), Field(gt=0, le=INT64_MAX)]
StrictCount = Annotated[int, StrictType(), Field(le=INT64_MAX)]
StrictNumber = Annotated[float, StrictType()]
StrictFlag = Annotated[bool, StrictType()]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Ident = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^\S+$")]


class ProcoreCredentials(Strict):
    company_id: Id64
    client_id: Ident
    client_secret: SecretStr = Field(min_length=1)
    base_url: str = DEFAULT_PROCORE_BASE_URL
    login_url: str = DEFAULT_PROCORE_LOGIN_URL

    _check_urls = field_validator("base_url", "login_url")(_url)


class MicrosoftCredentials(Strict):
    tenant_id: Ident
    client_id: Ident
    client_secret: SecretStr = Field(min_length=1)
    graph_url: str = DEFAULT_GRAPH_URL
    authority: str | None = None

    _check_urls = field_validator("graph_url", "authority")(_url)


class TenantSettings(Strict):
    direction: Direction = Field(Direction.TWO_WAY, description=(
        "one_way: every link of the tenant syncs Procore -> SharePoint only, whatever its tools' modes say "
        "(SharePoint edits, renames and deletes are never sent to Procore); two_way: the links' own modes"))
    conflict_policy: ConflictPolicy = ConflictPolicy.NEWEST_WINS
    delete_sync: StrictFlag = True
    mass_delete_share: StrictNumber = Field(0.2, gt=0, le=1)
    mass_delete_count_24h: StrictCount = Field(200, ge=1)
    mass_delete_burst_gap_s: StrictNumber = Field(60.0, ge=1, le=3600, description=(
        "deletes detected less than this apart are one burst: a release of held deletes applies the rest of "
        "its burst too; a later burst, after such a quiet gap, trips again"))
    quiet_period_s: StrictNumber = Field(5.0, ge=0, le=300, description=(
        "saves of a SharePoint file that follow a save within this long are copied to Procore once it has "
        "not been saved for this long (rapid autosaves coalesce; a quiet file's first save goes at once); "
        "0 copies every save at once"))
    mail_from: str | None = Field(None, description="mailbox (UPN or user id) notifications are sent from; "
                                  "default: the deployment's PCSYNC_MAIL_SENDER")
    weekly_digest: StrictFlag = Field(True, description=(
        "email the notify addresses a weekly digest (Mondays): files and records synced per link and tool, "
        "conflicts, skipped and failed items with reasons, held deletes; false turns it off"))
    include_private: StrictFlag = Field(False, description=(
        "copy records marked private in Procore (RFIs, Submittals, ...) too; by default each is skipped with "
        "the reason 'private in Procore', since a SharePoint site is usually readable by more people"))

    @field_validator("mail_from")
    @classmethod
    def _mailbox(cls, value: str | None) -> str | None:
        if value is not None and not (_EMAIL.fullmatch(value) or re.fullmatch(r"[0-9a-fA-F-]{36}", value)):
            raise ValueError("must be a mailbox UPN (name@domain) or a user id (GUID)")
        return value


class CreateTenantRequest(Strict):
    name: Name
    procore: ProcoreCredentials
    microsoft: MicrosoftCredentials
    notify: list[str] = Field(min_length=1, max_length=50)
    settings: TenantSettings = TenantSettings()

    @field_validator("notify")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not _EMAIL.fullmatch(v)]
        if bad:
            raise ValueError(f"not an email address: {', '.join(bad)}")
        return value


class CreateTenantResponse(BaseModel):
    tenant_id: str
    api_key: str


class SharePointTarget(Strict):
    site_id: Ident
    drive_id: Ident
    folder_path: str = Field("", max_length=380)

    @field_validator("folder_path")
    @classmethod
    def _relative_path(cls, value: str) -> str:
        path = value.strip("/")
        if any(part in ("", ".", "..") for part in path.split("/")) and path:
            raise ValueError("must be a folder path like 'Projects/Tower A' (no empty, '.' or '..' segments)")
        return path


class CreateLinkRequest(Strict):
    procore_project_id: Id64 | None = None
    procore_company_documents: StrictFlag | None = None
    sharepoint: SharePointTarget
    initial_sync: InitialSync = InitialSync.STANDARD
    tools: dict[ToolKey, Mode] = {}

    @model_validator(mode="after")
    def _consistent(self) -> CreateLinkRequest:
        if (self.procore_project_id is None) == (not self.procore_company_documents):
            raise ValueError("give exactly one of procore_project_id or procore_company_documents: true")
        allowed = COMPANY_TOOLS if self.is_company else set(ToolKey)
        for key, mode in self.tools.items():
            if key not in allowed:
                raise ValueError(f"tools.{key.value}: a company link syncs only documents")
            if mode is Mode.TWO_WAY and key not in TWO_WAY_TOOLS:
                raise ValueError(f"tools.{key.value}: two_way is only for documents and photos")
        if self.initial_sync is InitialSync.FROM_SHAREPOINT and self.effective_tools[ToolKey.DOCUMENTS] is Mode.OFF:
            raise ValueError("initial_sync: from_sharepoint needs the documents tool on")
        return self

    @property
    def is_company(self) -> bool:
        return bool(self.procore_company_documents)

    @property
    def effective_tools(self) -> dict[ToolKey, Mode]:
        """The request's modes over the product defaults (a company link: documents only)."""
        base = {ToolKey.DOCUMENTS: Mode.TWO_WAY} if self.is_company else dict(DEFAULT_PROJECT_TOOLS)
        return {**base, **self.tools}


class CreateLinkResponse(BaseModel):
    link_id: str
