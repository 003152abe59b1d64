"""Typed views of what we read from Procore (Documents, Photos, directory). Unknown fields are
ignored; ids are int64; timestamps are aware datetimes.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class UserRef(_Model):
    id: int | None = None
    login: str | None = None
    name: str | None = None


class Company(_Model):
    id: int
    name: str


class Project(_Model):
    id: int
    name: str


class FileVersion(_Model):
    id: int
    file_id: int | None = None
    number: int
    size: int | None = None
    notes: str | None = None
    url: str
    created_at: datetime | None = None
    created_by: UserRef | None = None


class DocFile(_Model):
    id: int
    name: str
    parent_id: int | None = None
    size: int | None = None
    description: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    checked_out_until: datetime | None = None
    checked_out_by: UserRef | None = None
    name_with_path: str | None = None
    is_deleted: bool = False
    file_versions: list[FileVersion] = Field(default_factory=list)

    @property
    def latest_version(self) -> FileVersion | None:
        return max(self.file_versions, key=lambda v: v.number, default=None)


class FolderRef(_Model):
    id: int
    name: str
    parent_id: int | None = None
    is_deleted: bool = False
    is_recycle_bin: bool = False
    updated_at: datetime | None = None
    name_with_path: str | None = None
    has_children: bool = False


class Folder(FolderRef):
    folders: list[FolderRef] = Field(default_factory=list)
    files: list[DocFile] = Field(default_factory=list)


class DocumentFileInfo(_Model):
    checked_out_until: datetime | None = None
    checked_out_by: UserRef | None = None
    file_type: str | None = None
    current_version: FileVersion | None = None


class DocumentItem(_Model):
    """One node of the flat documents index."""

    id: int
    name: str
    name_with_path: str | None = None
    parent_id: int | None = None
    document_type: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    is_deleted: bool = False
    is_recycle_bin: bool = False
    file: DocumentFileInfo | None = None

    @property
    def is_folder(self) -> bool:
        return self.document_type == "folder"


class Album(_Model):
    id: int
    name: str
    private: bool = False
    count: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class Image(_Model):
    id: int
    url: str
    filename: str | None = None
    size: int | None = None
    description: str | None = None
    image_category_id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    taken_at: datetime | None = None
    private: bool = False
    uploader: UserRef | None = None


class Upload(_Model):
    uuid: str
    status: str | None = None
