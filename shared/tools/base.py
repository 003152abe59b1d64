"""The tool-adapter interface: what the engine needs from a Procore tool, and nothing more.

The engine (shared/sync) talks only to this Protocol, so adding a tool touches shared/tools/ and its
tests, never the engine (style R8). Never imports azure.functions.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from shared.models.api import Mode, ToolKey
from shared.models.rows import ItemKind, LinkRow
from shared.procore.client import ProcoreClient


class SourceItem(BaseModel):
    """One Procore item as the engine sees it (a folder, a file, or a record's PDF/attachment)."""

    model_config = ConfigDict(frozen=True)

    tool: ToolKey
    procore_id: str
    kind: ItemKind
    name: str
    parent_id: str | None            # Procore id of the parent folder; the tool root's id at the top
    version: str | None = None       # what changes when the content changes (file version id, ...)
    size: int | None = None
    updated_at: datetime | None = None   # when the content last changed (the current version's creation)
    deleted: bool = False
    download_url: str | None = None  # where `version`'s bytes are, when the listing already said so


class SourcePage(BaseModel):
    items: list[SourceItem]
    next_page: int | None            # None: this was the last page


class ToolRoot(BaseModel):
    """The Procore container of a tool's items (e.g. the Documents root folder)."""

    procore_id: str
    sp_folder_name: str | None       # folder created under the link's root; None: the link root itself


class ToolAdapter(Protocol):
    key: ToolKey
    allowed_modes: frozenset[Mode]

    def root(self, client: ProcoreClient, link: LinkRow) -> ToolRoot:
        """The tool's root container for this link."""
        ...

    def list_page(self, client: ProcoreClient, link: LinkRow, page: int) -> SourcePage:
        """One page of everything the tool holds (initial sync), in a stable order."""
        ...

    def get(self, client: ProcoreClient, link: LinkRow, procore_id: str, kind: ItemKind) -> SourceItem | None:
        """Re-read one item (a webhook is only a hint); None when it is gone or in the recycle bin."""
        ...

    def fetch(self, client: ProcoreClient, link: LinkRow, item: SourceItem) -> Iterator[bytes]:
        """The item's current bytes, streamed."""
        ...

    def kind_of_resource(self, resource_name: str) -> ItemKind | None:
        """Which item kind a webhook `resource_name` refers to, or None if not this tool's."""
        ...

    def resource_name(self, link: LinkRow, kind: ItemKind) -> str:
        """The webhook `resource_name` Procore sends for an item of this kind (the inverse of the above):
        steps that hand an item to detect without a webhook (reconcile, edit beats delete) say it this way."""
        ...
