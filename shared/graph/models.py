"""Pydantic models of the Graph payloads the product reads (only the fields it uses; extras ignored)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Graph(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)


class Identity(_Graph):
    id: str | None = None
    display_name: str | None = Field(None, alias="displayName")
    email: str | None = None


class IdentitySet(_Graph):
    application: Identity | None = None
    user: Identity | None = None


class Hashes(_Graph):
    quick_xor_hash: str | None = Field(None, alias="quickXorHash")


class FileFacet(_Graph):
    mime_type: str | None = Field(None, alias="mimeType")
    hashes: Hashes | None = None


class FolderFacet(_Graph):
    child_count: int | None = Field(None, alias="childCount")


class DeletedFacet(_Graph):
    state: str | None = None


class ParentReference(_Graph):
    drive_id: str | None = Field(None, alias="driveId")
    id: str | None = None
    path: str | None = None


class FileSystemInfo(_Graph):
    created: dt.datetime | None = Field(None, alias="createdDateTime")
    last_modified: dt.datetime | None = Field(None, alias="lastModifiedDateTime")


class DriveItem(_Graph):
    id: str
    name: str | None = None
    etag: str | None = Field(None, alias="eTag")
    ctag: str | None = Field(None, alias="cTag")
    size: int | None = None
    created: dt.datetime | None = Field(None, alias="createdDateTime")
    last_modified: dt.datetime | None = Field(None, alias="lastModifiedDateTime")
    last_modified_by: IdentitySet | None = Field(None, alias="lastModifiedBy")
    parent_reference: ParentReference | None = Field(None, alias="parentReference")
    file: FileFacet | None = None
    folder: FolderFacet | None = None
    deleted: DeletedFacet | None = None
    root: dict[str, Any] | None = None
    web_url: str | None = Field(None, alias="webUrl")
    download_url: str | None = Field(None, alias="@microsoft.graph.downloadUrl")
    file_system_info: FileSystemInfo | None = Field(None, alias="fileSystemInfo")

    @property
    def is_folder(self) -> bool:
        return self.folder is not None or self.root is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted is not None

    @property
    def parent_id(self) -> str | None:
        return self.parent_reference.id if self.parent_reference else None

    @property
    def quick_xor_hash(self) -> str | None:
        return self.file.hashes.quick_xor_hash if self.file and self.file.hashes else None

    @property
    def modified_by_app(self) -> str | None:
        """lastModifiedBy.application.id: the app whose write made this state (ours means: not a person's edit)."""
        by = self.last_modified_by
        return by.application.id if by is not None and by.application is not None else None


class Site(_Graph):
    id: str
    name: str | None = None
    display_name: str | None = Field(None, alias="displayName")
    web_url: str | None = Field(None, alias="webUrl")


class Drive(_Graph):
    id: str
    name: str | None = None
    drive_type: str | None = Field(None, alias="driveType")
    web_url: str | None = Field(None, alias="webUrl")


class UploadSessionInfo(_Graph):
    upload_url: str | None = Field(None, alias="uploadUrl")
    expiration: dt.datetime | None = Field(None, alias="expirationDateTime")
    next_expected_ranges: list[str] = Field(default_factory=list, alias="nextExpectedRanges")


class Subscription(_Graph):
    id: str
    resource: str
    change_type: str = Field(alias="changeType")
    notification_url: str = Field(alias="notificationUrl")
    expiration: dt.datetime = Field(alias="expirationDateTime")
    client_state: str | None = Field(None, alias="clientState")
    lifecycle_notification_url: str | None = Field(None, alias="lifecycleNotificationUrl")
