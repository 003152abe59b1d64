"""The one-way record tools (RFIs, Submittals, ...): one adapter class over the RecordTool rows
(shared/tools/record_kinds.py).

A record gives SharePoint derived items (the engine's `parts`): its PDF named from its number and title
(`RFI 012 - Slab edge detail.pdf`; Procore's own, behind a cover page naming the record when Procore's
does not: a form's filled-in template), and, when it has attachments, a folder of the same stem holding each
attachment. The PDF's version is the record's `updated_at` and a digest of what the PDF shows (a reply or
a new attachment changes it); an attachment's is its id (Procore never changes one in place). Records are
read with the shared Procore client (shared/procore/records.py); nothing is ever written to Procore.
Never imports azure.functions.
"""

from __future__ import annotations

import heapq
import threading
from collections import OrderedDict
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, NoReturn

from shared import errors
from shared.models.api import Mode
from shared.models.rows import ItemKey, ItemKind, LinkRow
from shared.procore.client import ProcoreClient
from shared.procore.paging import DEFAULT_LAG, dedupe
from shared.procore.records import SPECS, RecordToolSpec, ToolRecord, find_attachments
from shared.procore.scope import Scope
from shared.safety.watermark import Changed
from shared.tools.base import (
    Capabilities,
    SourceItem,
    SourcePage,
    ToolRoot,
    VersionOrder,
    part_of,
)
from shared.tools.cover import covered
from shared.tools.record_kinds import (
    COLUMN_MAX,
    COLUMN_TITLES,
    RecordTool,
    compare_record_versions,
    cover_sheet,
    field_text,
    first_field,
    iso_text,
    record_number,
    record_sheet,
    record_stem,
    record_version,
    web_url,
)
from shared.tools.render import render_pdf

PAGE_SIZE = 100
ROOT_ID = "root"                  # the tool's container: records have no Procore folder of their own
PAGE_STRIDE = 1_000_000           # list_page numbers: spec index * stride + the page within that spec
CACHE_SIZE = 2_000                # records read by a listing, kept until their parts are asked for
LISTED_PDF = ("redirect", "fillable", "field")   # PDF styles whose URL is known without another call
RENDERED = "none"                                 # Procore has no PDF: we render one (shared/tools/render.py)
EXPORT = "export"                                 # an asynchronous export: 202 while it runs, then a redirect
COVERED = ("fillable",)           # Procore's PDF does not name the record: a cover page does (shared/tools/cover.py)
PDF_PART = "pdf"
FOLDER_PART = "attachments"
ATTACHMENT_PART = "attachment:"
_EARLIEST = datetime.min.replace(tzinfo=UTC)


class RecordsAdapter:
    """A one-way record tool (style R8: one class, one RecordTool row per tool)."""

    allowed_modes = frozenset({Mode.ONE_WAY, Mode.OFF})
    capabilities = Capabilities(available=True, two_way=False, versioned=True, tree=False, derived_items=True,
                                change_feed=True, private_items=True)

    def __init__(self, tool: RecordTool) -> None:
        self.tool = tool
        self.key = tool.key
        self.title = tool.title
        self.specs: tuple[RecordToolSpec, ...] = tuple(s for kind in tool.kinds for s in SPECS if s.kind == kind)
        self._rendered = all(s.pdf == RENDERED for s in self.specs)
        self._covered = all(s.pdf in COVERED for s in self.specs)
        self._cache: OrderedDict[tuple[str, str], tuple[RecordToolSpec, ToolRecord]] = OrderedDict()
        self._lock = threading.Lock()

    # ---- reading records ---------------------------------------------------------------------------------
    @staticmethod
    def _project(link: LinkRow) -> int:
        if link.procore_project_id is None:
            raise errors.InvariantBroken("record tools are project tools: the link has no project")
        return link.procore_project_id

    def _remember(self, link: LinkRow, spec: RecordToolSpec, record: ToolRecord) -> None:
        with self._lock:
            self._cache[(link.link_id, str(record.id))] = (spec, record)
            self._cache.move_to_end((link.link_id, str(record.id)))
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)

    def _show(self, client: ProcoreClient, link: LinkRow, source_id: str) -> tuple[RecordToolSpec, ToolRecord] | None:
        """The live record (None: gone or in the recycle bin), from whichever of the tool's kinds holds it (the
        kind it was last read from first)."""
        with self._lock:
            known = self._cache.get((link.link_id, source_id))
        specs = sorted(self.specs, key=lambda s: known is None or s.kind != known[0].kind)
        for spec in specs:
            try:
                record = client.records.show(spec, self._project(link), int(source_id))
            except errors.NotFound:
                continue
            if record.deleted_at is not None:
                return None
            self._remember(link, spec, record)
            return spec, record
        return None

    def _record_of(self, client: ProcoreClient, link: LinkRow,
                   item: SourceItem) -> tuple[RecordToolSpec, ToolRecord] | None:
        """The record a listed item came from, as listed when its version matches (no second read)."""
        with self._lock:
            found = self._cache.get((link.link_id, item.key.source_id))
        if found is not None and self._version(found[1]) == item.version:
            return found
        return self._show(client, link, item.key.source_id)

    def _version(self, record: ToolRecord) -> str | None:
        return record_version(self.tool, record, rendered=self._rendered)

    def _source(self, record: ToolRecord) -> SourceItem:
        raw = record.raw()
        return SourceItem(tool=self.key, procore_id=str(record.id), kind=ItemKind.FILE,
                          name=record_stem(self.tool, raw) + ".pdf", parent_id=ROOT_ID, version=self._version(record),
                          updated_at=record.updated_at, changed_at=record.updated_at,
                          deleted=record.deleted_at is not None, private=raw.get("private") is True)

    # ---- read half ---------------------------------------------------------------------------------------
    def root(self, client: ProcoreClient, link: LinkRow) -> ToolRoot:
        return ToolRoot(procore_id=ROOT_ID, sp_folder_name=self.tool.title, sp_columns=COLUMN_TITLES)

    def list_page(self, client: ProcoreClient, link: LinkRow, page: int) -> SourcePage:
        index, number = divmod(page, PAGE_STRIDE)
        spec = self.specs[index]
        params: dict[str, Any] = {"page": number, "per_page": PAGE_SIZE}
        if spec.project_in_query:
            params["project_id"] = self._project(link)
        path = spec.list_path.format(project_id=self._project(link))
        response = client.session.request("GET", path, route=spec.list_path, params=params)
        raw = response.json()
        records = [ToolRecord.model_validate(entry) for entry in raw]
        for record in records:
            self._remember(link, spec, record)
        total = response.headers.get("Total")
        more = (number * PAGE_SIZE < int(total)) if total and total.isdigit() else len(raw) == PAGE_SIZE
        following = page + 1 if more else (index + 1) * PAGE_STRIDE + 1 if index + 1 < len(self.specs) else None
        return SourcePage(items=[s for s in map(self._source, records) if not s.deleted], next_page=following)

    def get(self, client: ProcoreClient, link: LinkRow, procore_id: str, kind: ItemKind) -> SourceItem | None:
        key = ItemKey.parse_id(self.key, procore_id)
        shown = self._show(client, link, key.source_id)
        if shown is None:
            return None
        source = self._source(shown[1])
        if key.part is None:
            return source
        return next((p for p in self.parts(client, link, source) if p.procore_id == procore_id), None)

    def children(self, client: ProcoreClient, link: LinkRow, container_id: str) -> list[SourceItem]:
        if container_id == ROOT_ID:
            found: list[SourceItem] = []
            page: int | None = 1
            while page is not None:
                listing = self.list_page(client, link, page)
                found += [p for s in listing.items for p in self.parts(client, link, s) if p.parent_id == ROOT_ID]
                page = listing.next_page
            return found
        folder = self.get(client, link, container_id, ItemKind.FOLDER)
        if folder is None:
            return []
        source = self.get(client, link, folder.key.source_id, ItemKind.FILE)
        return [p for p in (self.parts(client, link, source) if source else []) if p.parent_id == container_id]

    def parts(self, client: ProcoreClient, link: LinkRow, item: SourceItem) -> list[SourceItem]:
        """The record's PDF, then (when it has attachments) their folder and each attachment."""
        found = self._record_of(client, link, item)
        if found is None:
            return []
        spec, record = found
        raw = record.raw()
        source = self._source(record)
        stem = record_stem(self.tool, raw)
        columns = self._columns(client, link, record)
        linked = {k: v for k, v in columns.items() if k in ("Procore Tool", "Number", "Procore Link")}
        pdf_url = client.records.pdf_url(spec, self._project(link), record) if spec.pdf in LISTED_PDF else None
        pdf = part_of(source, PDF_PART, kind=ItemKind.FILE, name=f"{stem}.pdf", parent_id=ROOT_ID,
                      version=source.version, download_url=pdf_url)
        out = [pdf.model_copy(update={"columns": columns})]
        attachments = find_attachments(raw)
        if attachments:
            folder = part_of(source, FOLDER_PART, kind=ItemKind.FOLDER, name=stem, parent_id=ROOT_ID)
            out.append(folder)
            out += [part_of(source, f"{ATTACHMENT_PART}{a.id}", kind=ItemKind.FILE, name=a.display_name,
                            parent_id=folder.procore_id, version=str(a.id), download_url=a.url)
                    .model_copy(update={"columns": linked}) for a in attachments]
        return [p.model_copy(update={"private": source.private}) for p in out]

    def _columns(self, client: ProcoreClient, link: LinkRow, record: ToolRecord) -> dict[str, str]:
        raw = record.raw()
        link_url = web_url(client.session.base_url,
                           self.tool.web_path.format(project_id=self._project(link), id=record.id))
        values = {"Procore Tool": self.tool.title, "Number": record_number(self.tool, raw),
                  "Title": first_field(raw, self.tool.title_fields), "Status": field_text(raw.get("status")),
                  "Created": iso_text(record.created_at), "Updated": iso_text(record.updated_at),
                  "Procore Link": link_url}
        return {k: v[:COLUMN_MAX] for k, v in values.items()}

    def fetch(self, client: ProcoreClient, link: LinkRow, item: SourceItem) -> Iterator[bytes]:
        if self._rendered and item.key.part == PDF_PART:
            shown = self._record_of(client, link, item)
            if shown is None:
                raise errors.NotFound(f"{self.key.value} {item.procore_id} is gone")
            return iter([render_pdf(record_sheet(self.tool, shown[1]))])
        url = item.download_url
        if url is None and item.key.part == PDF_PART and any(s.pdf == EXPORT for s in self.specs):
            url = self._export_ready(client, link, item)
        if url is None:
            url = self._url(client, link, item)
        if url is None:
            raise errors.NotFound(f"{self.key.value} {item.procore_id} has nothing to download")
        if self._covered and item.key.part == PDF_PART:        # Procore's PDF does not name the record
            shown = self._record_of(client, link, item)
            if shown is None:
                raise errors.NotFound(f"{self.key.value} {item.procore_id} is gone")
            return covered(render_pdf(cover_sheet(self.tool, shown[1])), client.downloads.iter_bytes(url))
        return client.downloads.iter_bytes(url)

    def _export_ready(self, client: ProcoreClient, link: LinkRow, item: SourceItem) -> str:
        """The URL of the record's finished PDF export. Procore makes it asynchronously (202 until ready):
        an export not started is started, and while it runs errors.Unavailable puts the step back on its
        queue with backoff (the queue polls; no function ever sleeps on it)."""
        shown = self._record_of(client, link, item)
        if shown is None:
            raise errors.NotFound(f"{self.key.value} {item.procore_id} is gone")
        spec, record = shown
        return client.records.export_pdf_url(spec, self._project(link), record.id)

    def _url(self, client: ProcoreClient, link: LinkRow, item: SourceItem) -> str | None:
        key = item.key
        shown = self._record_of(client, link, item)
        if shown is None:
            return None
        spec, record = shown
        if key.part == PDF_PART:
            return client.records.pdf_url(spec, self._project(link), record)
        wanted = (key.part or "").removeprefix(ATTACHMENT_PART)
        return next((a.url for a in find_attachments(record.raw()) if str(a.id) == wanted), None)

    def compare_versions(self, candidate: str, recorded: str) -> VersionOrder:
        return compare_record_versions(candidate, recorded)

    def changes(self, client: ProcoreClient, link: LinkRow, since: datetime, until: datetime) -> Iterator[Changed]:
        """Records changed in [since, until]: the live list by `filters[updated_at]` and the recycle bin
        (its deletion moves `updated_at`), merged by time."""
        streams = []
        for spec in self.specs:
            live = client.records.list_changed(spec, self._project(link), since=since, until=until)
            low = since - DEFAULT_LAG
            binned = (r for r in client.records.recycle_bin(spec, self._project(link))
                      if r.updated_at is not None and low <= r.updated_at <= until)
            streams += [map(self._changed, live), map(self._changed, sorted(binned, key=_time))]
        merged = heapq.merge(*streams, key=lambda c: c.updated_at or _EARLIEST)
        return dedupe(merged, key=lambda change: change.procore_id)

    @staticmethod
    def _changed(record: ToolRecord) -> Changed:
        return Changed(procore_id=str(record.id), kind=ItemKind.FILE, updated_at=record.updated_at)

    def check_access(self, client: ProcoreClient, scope: Scope) -> None:
        spec = self.specs[0]
        params: dict[str, Any] = {"page": 1, "per_page": 1}
        if spec.project_in_query:
            params["project_id"] = scope.id
        client.session.request("GET", spec.list_path.format(project_id=scope.id), route=spec.list_path, params=params)

    # ---- webhooks ----------------------------------------------------------------------------------------
    def webhook_resources(self, *, company: bool) -> tuple[str, ...]:
        return () if company else tuple(dict.fromkeys(s.resource_name for s in self.specs))

    def owns_resource(self, resource_name: str) -> bool:
        return resource_name in self.webhook_resources(company=False)

    def kind_of_resource(self, resource_name: str) -> ItemKind | None:
        return ItemKind.FILE if self.owns_resource(resource_name) else None

    def resource_name(self, link: LinkRow, kind: ItemKind) -> str:
        return self.specs[0].resource_name

    # ---- write half: one-way, never written ------------------------------------------------------------
    def _one_way(self) -> NoReturn:
        raise errors.InvariantBroken(f"{self.key.value} is one-way: nothing is written to Procore")

    def create_container(self, client: ProcoreClient, link: LinkRow, parent_id: str, name: str) -> SourceItem:
        self._one_way()

    def create_content(self, client: ProcoreClient, link: LinkRow, parent_id: str, name: str,
                       upload_uuid: str) -> SourceItem:
        self._one_way()

    def replace_content(self, client: ProcoreClient, link: LinkRow, procore_id: str, upload_uuid: str) -> SourceItem:
        self._one_way()

    def move(self, client: ProcoreClient, link: LinkRow, procore_id: str, kind: ItemKind, *,
             name: str | None = None, parent_id: str | None = None) -> None:
        self._one_way()

    def delete(self, client: ProcoreClient, link: LinkRow, procore_id: str, kind: ItemKind) -> None:
        self._one_way()

    # ---- SharePoint --------------------------------------------------------------------------------------
    def sp_columns(self, item: SourceItem) -> dict[str, str]:
        return dict(item.columns)

    def web_url(self, scope: Scope, item: SourceItem, *, api_base: str) -> str | None:
        """The record's page in Procore's web app (the tool's `web_path`, as in the PDF's "Procore Link" column),
        for the record and each item derived from it (its PDF, its attachments); None outside a project."""
        source_id = item.key.source_id
        if scope.kind != "project" or not source_id.isdigit():
            return None
        return web_url(api_base, self.tool.web_path.format(project_id=scope.id, id=source_id))


def _time(record: ToolRecord) -> datetime:
    return record.updated_at or _EARLIEST
