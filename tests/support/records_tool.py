"""A one-way records tool over an in-memory project, for tests of derived items: a real subclass of the
ToolAdapter interface (no mock), one PDF per record named from its number and title and its attachments
in a folder of the same stem, each a part keyed under the record; versions are `updated_at` times."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from shared.models.api import Mode, ToolKey
from shared.models.rows import ItemKey, ItemKind, LinkRow
from shared.procore.client import ProcoreClient
from shared.procore.scope import Scope
from shared.safety.watermark import Changed
from shared.sync.context import LinkContext
from shared.tools.base import (
    Capabilities,
    SourceItem,
    SourcePage,
    ToolAdapter,
    ToolRoot,
    VersionOrder,
    compare_timestamps,
    part_of,
)

ROOT_ID = "900"
RESOURCE = "RFIs"


@dataclass(frozen=True)
class Attachment:
    id: int
    name: str
    uploaded: str                  # attachments never change in place: a new one has a new id


@dataclass(frozen=True)
class Record:
    id: int
    number: int
    title: str
    updated_at: str
    attachments: tuple[Attachment, ...] = field(default=())
    private: bool = False          # marked private in Procore (each part is marked too)


class OneWayRecords(ToolAdapter):
    """A records tool over an in-memory project (`records`, changed by the tests as people would)."""

    key = ToolKey.RFIS
    title = "RFIs"
    allowed_modes = frozenset({Mode.ONE_WAY, Mode.OFF})
    capabilities = Capabilities(available=True, two_way=False, tree=False, derived_items=True)

    def __init__(self, *records: Record) -> None:
        self.records = {r.id: r for r in records}

    def put(self, record: Record) -> None:
        self.records[record.id] = record

    def remove(self, record_id: int) -> None:
        del self.records[record_id]

    def _source(self, record: Record) -> SourceItem:
        return SourceItem(tool=self.key, procore_id=str(record.id), kind=ItemKind.FILE, name=record.title,
                          parent_id=ROOT_ID, version=record.updated_at,
                          updated_at=datetime.fromisoformat(record.updated_at), private=record.private)

    def root(self, client: ProcoreClient, link: LinkRow) -> ToolRoot:
        return ToolRoot(procore_id=ROOT_ID, sp_folder_name="RFIs")

    def list_page(self, client: ProcoreClient, link: LinkRow, page: int) -> SourcePage:
        return SourcePage(items=[self._source(r) for _, r in sorted(self.records.items())], next_page=None)

    def get(self, client: ProcoreClient, link: LinkRow, procore_id: str, kind: ItemKind) -> SourceItem | None:
        key = ItemKey.parse_id(self.key, procore_id)
        record = self.records.get(int(key.source_id))
        if record is None:
            return None
        source = self._source(record)
        if key.part is None:
            return source
        return next((p for p in self.parts(client, link, source) if p.procore_id == procore_id), None)

    def children(self, client: ProcoreClient, link: LinkRow, container_id: str) -> list[SourceItem]:
        if container_id == ROOT_ID:
            return [p for s in self.list_page(client, link, 1).items for p in self.parts(client, link, s)
                    if p.parent_id == ROOT_ID]
        folder = self.get(client, link, container_id, ItemKind.FOLDER)
        parts = self.parts(client, link, self._source(self.records[int(folder.key.source_id)])) if folder else []
        return [p for p in parts if p.parent_id == container_id]

    def parts(self, client: ProcoreClient, link: LinkRow, item: SourceItem) -> list[SourceItem]:
        record = self.records[int(item.key.source_id)]
        stem = f"RFI {record.number:03d} - {record.title}"
        pdf = part_of(item, "pdf", kind=ItemKind.FILE, name=f"{stem}.pdf", parent_id=ROOT_ID, version=item.version)
        if not record.attachments:
            return [pdf.model_copy(update={"private": record.private})]
        folder = part_of(item, "attachments", kind=ItemKind.FOLDER, name=stem, parent_id=ROOT_ID)
        parts = [pdf, folder, *(part_of(item, f"attachment:{a.id}", kind=ItemKind.FILE, name=a.name,
                                        parent_id=folder.procore_id, version=a.uploaded)
                                for a in record.attachments)]
        return [p.model_copy(update={"private": record.private}) for p in parts]

    def compare_versions(self, candidate: str, recorded: str) -> VersionOrder:
        return compare_timestamps(candidate, recorded)

    # The rest is I/O a one-way record tool's planning never reaches.
    def fetch(self, client: ProcoreClient, link: LinkRow, item: SourceItem) -> Iterator[bytes]:
        raise NotImplementedError("bytes are not part of planning")

    def changes(self, client: ProcoreClient, link: LinkRow, since: datetime, until: datetime) -> Iterator[Changed]:
        raise NotImplementedError("no change feed")

    def check_access(self, client: ProcoreClient, scope: Scope) -> None:
        return None

    def webhook_resources(self, *, company: bool) -> tuple[str, ...]:
        return (RESOURCE,)

    def owns_resource(self, resource_name: str) -> bool:
        return resource_name == RESOURCE

    def kind_of_resource(self, resource_name: str) -> ItemKind | None:
        return ItemKind.FILE if self.owns_resource(resource_name) else None

    def resource_name(self, link: LinkRow, kind: ItemKind) -> str:
        return RESOURCE

    def create_container(self, client: ProcoreClient, link: LinkRow, parent_id: str, name: str) -> SourceItem:
        raise NotImplementedError("one-way: never written")

    def create_content(self, client: ProcoreClient, link: LinkRow, parent_id: str, name: str,
                       upload_uuid: str) -> SourceItem:
        raise NotImplementedError("one-way: never written")

    def replace_content(self, client: ProcoreClient, link: LinkRow, procore_id: str, upload_uuid: str) -> SourceItem:
        raise NotImplementedError("one-way: never written")

    def move(self, client: ProcoreClient, link: LinkRow, procore_id: str, kind: ItemKind, *,
             name: str | None = None, parent_id: str | None = None) -> None:
        raise NotImplementedError("one-way: never written")

    def delete(self, client: ProcoreClient, link: LinkRow, procore_id: str, kind: ItemKind) -> None:
        raise NotImplementedError("one-way: never written")

    def sp_columns(self, item: SourceItem) -> dict[str, str]:
        return {}


@dataclass
class RecordsContext(LinkContext):
    """A step's context whose RFIs tool is the in-memory one (the registry's RFIs tool talks to Procore)."""

    tool: OneWayRecords = field(default_factory=OneWayRecords)

    def adapter(self, tool: ToolKey) -> ToolAdapter:
        assert tool is ToolKey.RFIS
        return self.tool
