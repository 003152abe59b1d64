"""The emulator's records (metadata only; file content lives in the BlobStore on disk).

Scope = ("project", project_id) or ("company", company_id): Documents exist at both levels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Scope = tuple[str, int]


@dataclass
class Folder:
    id: int
    scope: Scope
    name: str
    parent_id: int | None
    created_at: float
    updated_at: float
    created_by: dict[str, Any]
    is_recycle_bin: bool = False
    private: bool = False
    is_tracked: bool = False
    is_deleted: bool = False
    deleted_at: float | None = None


@dataclass
class FileVersion:
    id: int
    file_id: int
    number: int
    blob_key: str
    size: int
    created_at: float
    created_by: dict[str, Any]
    notes: str | None = None
    name: str = ""


@dataclass
class File:
    id: int
    scope: Scope
    name: str
    parent_id: int
    created_at: float
    updated_at: float
    created_by: dict[str, Any]
    versions: list[int] = field(default_factory=list)
    description: str | None = None
    checked_out_until: float | None = None
    checked_out_by: dict[str, Any] | None = None
    private: bool = False
    is_deleted: bool = False
    deleted_at: float | None = None


@dataclass
class Segment:
    size: int
    sha256: str
    md5: str | None
    etag: str | None = None
    path: str | None = None


@dataclass
class Upload:
    uuid: str
    scope: Scope
    owner_user_id: int
    created_at: float
    key: str
    filename: str
    content_type: str
    segments: list[Segment] | None        # None: non-segmented (POST policy)
    status: str = "ready"                  # ready -> complete -> (attached)
    blob_key: str | None = None
    attached: bool = False
    start_deadline: float = 0.0
    attach_deadline: float = 0.0


@dataclass
class Album:
    id: int
    project_id: int
    name: str
    created_at: float
    updated_at: float
    position: int = 0
    private: bool = False
    album_cover_id: int | None = None
    is_deleted: bool = False


@dataclass
class Image:
    id: int
    project_id: int
    album_id: int | None
    blob_key: str
    filename: str
    size: int
    created_at: float
    updated_at: float
    uploader: dict[str, Any]
    description: str = ""
    taken_at: float | None = None
    private: bool = False
    starred: bool = False
    width: int = 0
    height: int = 0
    is_deleted: bool = False
    permanently_deleted: bool = False


@dataclass
class Attachment:
    id: int
    blob_key: str
    filename: str
    content_type: str


@dataclass
class Record:
    """A record of a one-way tool (RFI, submittal, drawing revision, form, ...)."""

    tool: str
    id: int
    project_id: int
    fields: dict[str, Any]
    created_at: float
    updated_at: float
    created_by: dict[str, Any]
    attachments: list[Attachment] = field(default_factory=list)
    parent_id: int | None = None           # RFI reply -> rfi id, drawing revision -> drawing id ...
    deleted_at: float | None = None
    pdf_blob_key: str | None = None        # fillable / drawing PDF stored as content
