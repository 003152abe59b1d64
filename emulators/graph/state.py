"""The emulated tenant's records: identities, sites, drives, driveItems, sessions, subscriptions.

Plain dataclasses; Store (store.py) owns them and is the only writer. File bytes are not here: they
live on disk under the data dir (blobs.py); an item only holds its blob path.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def iso(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Identity:
    """An Entra ID app registration; kind "user" stands for a person (delegated-looking changes)."""

    client_id: str
    client_secret: str
    kind: str                    # "app" | "user"
    display_name: str
    object_id: str               # the user's or the service principal's id
    email: str | None = None
    certificates: list[str] = field(default_factory=list)   # PEM public certificates


@dataclass
class Site:
    id: str
    hostname: str
    path: str                    # server-relative, e.g. "/sites/Projects"
    name: str
    site_guid: str
    web_guid: str
    created: dt.datetime
    drive_ids: list[str] = field(default_factory=list)

    @property
    def web_url(self) -> str:
        return f"https://{self.hostname}{self.path}"


@dataclass
class Column:
    name: str
    display_name: str
    kind: str                    # "text" | "number" | "boolean" | "dateTime" | "choice"
    definition: dict[str, Any]
    id: str


@dataclass
class PriorVersion:
    """A file's earlier content, kept when new content replaces it (SharePoint version history)."""

    number: int
    size: int
    modified: dt.datetime
    modified_by: Identity
    blob: Path | None


@dataclass
class Item:
    id: str
    drive_id: str
    name: str
    parent_id: str | None        # None only for the root
    is_folder: bool
    guid: str                    # the GUID inside eTag/cTag
    created: dt.datetime
    modified: dt.datetime
    created_by: Identity
    modified_by: Identity
    list_item_id: int
    list_item_guid: str
    etag_version: int = 1
    ctag_version: int = 1
    size: int = 0
    blob: Path | None = None
    quick_xor: str | None = None
    mime_type: str | None = None
    fs_created: dt.datetime | None = None
    fs_modified: dt.datetime | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    fields_version: int = 1
    change_seq: int = 0          # drive sequence number of the last change (delta)
    deleted: bool = False
    lock: str | None = None      # "checkout" | "edit" (test switch) -> writes answer 423
    children: dict[str, str] = field(default_factory=dict)   # lower(name) -> child id
    versions: list[PriorVersion] = field(default_factory=list)  # older content, oldest first


    @property
    def etag(self) -> str:
        return f'"{{{self.guid.upper()}}},{self.etag_version}"'

    @property
    def ctag(self) -> str:
        return f'"c:{{{self.guid.upper()}}},{self.ctag_version}"'


@dataclass
class Drive:
    id: str
    site_id: str
    name: str
    list_id: str
    root_id: str
    created: dt.datetime
    items: dict[str, Item] = field(default_factory=dict)
    seq: int = 0                 # bumps on every change; delta tokens point into it
    delta_epoch: int = 0         # bumping it invalidates every delta token (forced 410)
    next_list_item_id: int = 1
    columns: dict[str, Column] = field(default_factory=dict)
    recycle_bin: list[str] = field(default_factory=list)     # ids of deleted items, newest last


@dataclass
class UploadSession:
    id: str
    tempauth: str
    drive_id: str
    parent_id: str
    name: str
    target_id: str | None        # the item being replaced, when addressed by id
    conflict_behavior: str
    expires: dt.datetime
    path: Path
    identity: Identity
    defer_commit: bool = False
    declared_size: int | None = None
    total: int | None = None
    received: int = 0
    fs_created: dt.datetime | None = None
    fs_modified: dt.datetime | None = None
    if_match: str | None = None
    rewritten: bool = False      # the office_rewrite switch already rewrote the staged bytes


@dataclass
class Subscription:
    id: str
    resource: str
    drive_id: str
    change_type: str
    notification_url: str
    lifecycle_url: str | None
    client_state: str | None
    expires: dt.datetime
    creator_client_id: str
    tls_version: str | None = None


@dataclass
class Message:
    id: str
    mailbox: str
    created: dt.datetime
    body: dict[str, Any]
