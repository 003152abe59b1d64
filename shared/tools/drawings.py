"""Drawings: one PDF per drawing (its current revision) under `Drawings/<drawing area>/`, one-way.

A drawing is the source item (keyed by the drawing's id) and its PDF the one derived item; a new revision
is a new version of that same PDF (its version is the current revision's id, which grows), so the
revision history stays in SharePoint's version history. Drawing areas are folders (`area-<id>`) that the
engine mirrors on demand when a drawing's PDF needs its parent. Procore's webhooks and change feed
name revisions ("Drawings" events carry a revision id): `get` resolves a revision to its drawing (a
recycled revision through the recycle bin), and a drawing left with no live revision is reported
deleted, so its PDF goes to the SharePoint recycle bin. Never imports azure.functions.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import NoReturn

from pydantic import BaseModel, ConfigDict

from shared import errors
from shared.models.api import Mode, ToolKey
from shared.models.rows import ItemKey, ItemKind, LinkRow
from shared.procore.client import ProcoreClient
from shared.procore.paging import DEFAULT_LAG, iterate
from shared.procore.records import SPECS_BY_KIND, ToolRecord
from shared.procore.scope import Scope
from shared.safety.watermark import Changed
from shared.tools.base import (
    Capabilities,
    SourceItem,
    SourcePage,
    ToolRoot,
    VersionOrder,
    compare_increasing_ids,
    part_of,
)
from shared.tools.record_kinds import COLUMN_MAX, COLUMN_TITLES, web_url
from shared.tools.records import PDF_PART, ROOT_ID

AREAS_PATH = "/rest/v1.1/projects/{project_id}/drawing_areas"
DRAWINGS_PATH = "/rest/v1.1/drawing_areas/{area_id}/drawings"
AREA_PREFIX = "area-"
RESOURCE = "Drawings"
WEB_PATH = "/{project_id}/project/drawing_log/view_fullscreen/{revision_id}"
REVISIONS = SPECS_BY_KIND["drawing_revisions"]
AREAS_PER_PAGE = 20
_EARLIEST = datetime.min.replace(tzinfo=UTC)


class Area(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: int
    name: str


class Revision(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: int
    revision_number: str | None = None
    pdf_url: str | None = None
    pdf_size: int | None = None
    updated_at: datetime | None = None


class Drawing(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: int
    number: str | None = None
    title: str | None = None
    updated_at: datetime | None = None
    current_revision: Revision | None = None

    @property
    def stem(self) -> str:
        return " - ".join(part for part in (self.number or "", self.title or "") if part) or f"Drawing {self.id}"


def _area_id(procore_id: str) -> str:
    return f"{AREA_PREFIX}{procore_id}"


class DrawingsAdapter:
    key = ToolKey.DRAWINGS
    title = "Drawings"
    allowed_modes = frozenset({Mode.ONE_WAY, Mode.OFF})
    capabilities = Capabilities(available=True, two_way=False, versioned=True, tree=False, derived_items=True,
                                change_feed=True)

    @staticmethod
    def _project(link: LinkRow) -> int:
        if link.procore_project_id is None:
            raise errors.InvariantBroken("drawings are a project tool: the link has no project")
        return link.procore_project_id

    # ---- reading --------------------------------------------------------------------------------------------
    def _areas(self, client: ProcoreClient, link: LinkRow) -> Iterator[Area]:
        return iterate(client.session, AREAS_PATH.format(project_id=self._project(link)), route=AREAS_PATH,
                       parse=Area.model_validate)

    def _drawings(self, client: ProcoreClient, link: LinkRow, area: Area) -> Iterator[Drawing]:
        return iterate(client.session, DRAWINGS_PATH.format(area_id=area.id), route=DRAWINGS_PATH,
                       params={"project_id": self._project(link)}, parse=Drawing.model_validate)

    def _source(self, client: ProcoreClient, link: LinkRow, area: Area, drawing: Drawing) -> SourceItem | None:
        """The drawing as a source item, its one part (the PDF) already made: None without a revision."""
        rev = drawing.current_revision
        if rev is None:
            return None
        return SourceItem(tool=self.key, procore_id=str(drawing.id), kind=ItemKind.FILE, name=f"{drawing.stem}.pdf",
                          parent_id=_area_id(str(area.id)), version=str(rev.id), size=rev.pdf_size,
                          updated_at=rev.updated_at, changed_at=drawing.updated_at, download_url=rev.pdf_url,
                          columns=self._columns(client, link, drawing, rev))

    def _columns(self, client: ProcoreClient, link: LinkRow, drawing: Drawing, rev: Revision) -> dict[str, str]:
        updated = rev.updated_at.isoformat() if rev.updated_at else ""
        link_url = web_url(client.session.base_url,
                           WEB_PATH.format(project_id=self._project(link), revision_id=rev.id))
        values = {"Procore Tool": self.title, "Number": drawing.number or "", "Title": drawing.title or "",
                  "Status": f"Revision {rev.revision_number}" if rev.revision_number else "",
                  "Created": updated, "Updated": updated, "Procore Link": link_url}
        return {k: v[:COLUMN_MAX] for k, v in values.items()}

    def _find(self, client: ProcoreClient, link: LinkRow, drawing_id: int,
              area_id: int | None = None) -> SourceItem | None:
        for area in self._areas(client, link):
            if area_id is not None and area.id != area_id:
                continue
            for drawing in self._drawings(client, link, area):
                if drawing.id == drawing_id:
                    return self._source(client, link, area, drawing)
        return None

    def _revision(self, client: ProcoreClient, link: LinkRow, revision_id: int) -> ToolRecord | None:
        """The revision, live or recycled (a recycled one that `show` no longer serves, from the bin)."""
        try:
            return client.records.show(REVISIONS, self._project(link), revision_id)
        except errors.NotFound:
            pass
        binned = client.records.recycle_bin(REVISIONS, self._project(link))
        return next((r for r in binned if r.id == revision_id), None)

    def _gone(self, drawing_id: int, revision: ToolRecord) -> SourceItem:
        """A drawing with no live revision left (each recycled, or the drawing itself gone): deleted."""
        raw = revision.raw()
        stem = Drawing(id=drawing_id, number=raw.get("number"), title=raw.get("title")).stem
        placed = raw.get("drawing_area")
        area = placed.get("id") if isinstance(placed, dict) else None
        return SourceItem(tool=self.key, procore_id=str(drawing_id), kind=ItemKind.FILE, name=f"{stem}.pdf",
                          parent_id=_area_id(str(area)) if area is not None else ROOT_ID, version=str(revision.id),
                          updated_at=revision.updated_at, deleted=True)

    # ---- read half ----------------------------------------------------------------------------------------
    def root(self, client: ProcoreClient, link: LinkRow) -> ToolRoot:
        return ToolRoot(procore_id=ROOT_ID, sp_folder_name=self.title, sp_columns=COLUMN_TITLES)

    def list_page(self, client: ProcoreClient, link: LinkRow, page: int) -> SourcePage:
        """Page `page` of the drawing areas, with every drawing of each."""
        path = AREAS_PATH.format(project_id=self._project(link))
        raw = client.session.get_json(path, route=AREAS_PATH, params={"page": page, "per_page": AREAS_PER_PAGE})
        items: list[SourceItem] = []
        for area in (Area.model_validate(a) for a in raw):
            items += [s for d in self._drawings(client, link, area) if (s := self._source(client, link, area, d))]
        return SourcePage(items=items, next_page=page + 1 if len(raw) == AREAS_PER_PAGE else None)

    def get(self, client: ProcoreClient, link: LinkRow, procore_id: str, kind: ItemKind) -> SourceItem | None:
        key = ItemKey.parse_id(self.key, procore_id)
        if key.source_id.startswith(AREA_PREFIX):
            wanted = key.source_id.removeprefix(AREA_PREFIX)
            area = next((a for a in self._areas(client, link) if str(a.id) == wanted), None)
            return None if area is None else SourceItem(tool=self.key, procore_id=procore_id, kind=ItemKind.FOLDER,
                                                        name=area.name, parent_id=ROOT_ID)
        if key.part is not None:                # a part's id is the drawing's
            source = self._find(client, link, int(key.source_id))
            return None if source is None else next(
                (p for p in self.parts(client, link, source) if p.procore_id == procore_id), None)
        revision = self._revision(client, link, int(key.source_id))   # a webhook or the feed: a revision's id
        if revision is None:
            return self._find(client, link, int(key.source_id))
        raw = revision.raw()
        placed = raw.get("drawing_area") or {}
        drawing_id = raw.get("drawing_id")
        if not isinstance(drawing_id, int):
            return None
        found = self._find(client, link, drawing_id, placed.get("id") if isinstance(placed, dict) else None)
        return found if found is not None else self._gone(drawing_id, revision)

    def children(self, client: ProcoreClient, link: LinkRow, container_id: str) -> list[SourceItem]:
        if container_id == ROOT_ID:
            return [SourceItem(tool=self.key, procore_id=_area_id(str(a.id)), kind=ItemKind.FOLDER, name=a.name,
                               parent_id=ROOT_ID) for a in self._areas(client, link)]
        wanted = container_id.removeprefix(AREA_PREFIX)
        area = next((a for a in self._areas(client, link) if str(a.id) == wanted), None)
        if area is None:
            return []
        sources = [s for d in self._drawings(client, link, area) if (s := self._source(client, link, area, d))]
        return [p for s in sources for p in self.parts(client, link, s)]

    def parts(self, client: ProcoreClient, link: LinkRow, item: SourceItem) -> list[SourceItem]:
        """The drawing's PDF (its current revision), in its area's folder; none once the drawing is deleted."""
        if item.deleted:
            return []
        pdf = part_of(item, PDF_PART, kind=ItemKind.FILE, name=item.name, parent_id=item.parent_id,
                      version=item.version, size=item.size, download_url=item.download_url)
        return [pdf.model_copy(update={"columns": item.columns})]

    def fetch(self, client: ProcoreClient, link: LinkRow, item: SourceItem) -> Iterator[bytes]:
        url = item.download_url
        if url is None:
            current = self.get(client, link, item.procore_id, ItemKind.FILE)
            url = current.download_url if current else None
        if url is None:
            raise errors.NotFound(f"drawing {item.procore_id} has no revision to download")
        return client.downloads.iter_bytes(url)

    def compare_versions(self, candidate: str, recorded: str) -> VersionOrder:
        return compare_increasing_ids(candidate, recorded)   # revision ids grow with each new revision

    def changes(self, client: ProcoreClient, link: LinkRow, since: datetime, until: datetime) -> Iterator[Changed]:
        """Revisions changed in [since, until], live and deleted, by time (each resolved to its drawing by
        detect, through `get`)."""
        live = client.records.list_changed(REVISIONS, self._project(link), since=since, until=until)
        binned = (r for r in client.records.recycle_bin(REVISIONS, self._project(link))
                  if r.updated_at is not None and since - DEFAULT_LAG <= r.updated_at <= until)
        found = sorted([*live, *binned], key=lambda r: r.updated_at or _EARLIEST)
        return iter([Changed(procore_id=str(r.id), kind=ItemKind.FILE, updated_at=r.updated_at) for r in found])

    def check_access(self, client: ProcoreClient, scope: Scope) -> None:
        client.session.get_json(AREAS_PATH.format(project_id=scope.id), route=AREAS_PATH,
                                params={"page": 1, "per_page": 1})

    # ---- webhooks ------------------------------------------------------------------------------------------
    def webhook_resources(self, *, company: bool) -> tuple[str, ...]:
        return () if company else (RESOURCE,)

    def owns_resource(self, resource_name: str) -> bool:
        return resource_name == RESOURCE

    def kind_of_resource(self, resource_name: str) -> ItemKind | None:
        return ItemKind.FILE if self.owns_resource(resource_name) else None

    def resource_name(self, link: LinkRow, kind: ItemKind) -> str:
        return RESOURCE

    # ---- write half: one-way -------------------------------------------------------------------------------
    def _one_way(self) -> NoReturn:
        raise errors.InvariantBroken("drawings are one-way: nothing is written to Procore")

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

    def sp_columns(self, item: SourceItem) -> dict[str, str]:
        return dict(item.columns)

    def web_url(self, scope: Scope, item: SourceItem, *, api_base: str) -> str | None:
        """The drawing's current revision in Procore's web app (its version is that revision's id, as in the
        PDF's "Procore Link" column); None for a drawing area's folder, or outside a project."""
        if scope.kind != "project" or item.kind is not ItemKind.FILE or not (item.version or "").isdigit():
            return None
        return web_url(api_base, WEB_PATH.format(project_id=scope.id, revision_id=item.version))

