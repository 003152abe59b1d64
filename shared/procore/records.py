"""The eight one-way tools as data: one RecordToolSpec row per record kind, one RecordsApi for all.

List changed since a watermark (`filters[updated_at]`), show, recycle bin, the record's PDF (each
tool exposes it differently: a `.pdf` redirect, a JSON pdf endpoint, a `fillable_pdf`, a revision's
`pdf_url`, or the v2.0 commitment export) and its attachments, all downloaded by streaming.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, BinaryIO, Literal

from pydantic import BaseModel, ConfigDict

from shared import errors

from .downloads import Downloader, DownloadResult
from .paging import dedupe, iterate, updated_between
from .session import ProcoreSession

PdfKind = Literal["redirect", "json", "fillable", "field", "export", "none"]
EXPORT_READY = (301, 302, 303, 307, 308)   # the export's GET once the PDF is made: a redirect to it


class RecordToolSpec(BaseModel):
    model_config = ConfigDict(frozen=True)

    tool: str                       # the product's tool key (contract §4)
    kind: str                       # unique per row
    list_path: str                  # may contain {project_id}
    show_path: str                  # {project_id}, {id}
    project_in_query: bool
    resource_name: str              # webhook resource_name
    pdf: PdfKind
    pdf_path: str | None = None     # for redirect/json/export
    recycle_path: str | None = None
    recycle_params: dict[str, str] | None = None


SPECS: tuple[RecordToolSpec, ...] = (
    RecordToolSpec(tool="rfis", kind="rfis", list_path="/rest/v1.0/projects/{project_id}/rfis",
                   show_path="/rest/v1.0/projects/{project_id}/rfis/{id}", project_in_query=False,
                   resource_name="RFIs", pdf="redirect", pdf_path="/rest/v1.0/projects/{project_id}/rfis/{id}.pdf",
                   recycle_path="/rest/v1.0/projects/{project_id}/rfis/recycle_bin"),
    RecordToolSpec(tool="submittals", kind="submittals", list_path="/rest/v1.1/projects/{project_id}/submittals",
                   show_path="/rest/v1.1/projects/{project_id}/submittals/{id}", project_in_query=False,
                   resource_name="Submittals", pdf="redirect",
                   pdf_path="/rest/v1.1/projects/{project_id}/submittals/{id}.pdf",
                   recycle_path="/rest/v1.1/projects/{project_id}/submittals/recycle_bin"),
    RecordToolSpec(tool="drawings", kind="drawing_revisions",
                   list_path="/rest/v1.0/projects/{project_id}/drawing_revisions",
                   show_path="/rest/v1.0/projects/{project_id}/drawing_revisions/{id}", project_in_query=False,
                   resource_name="Drawings", pdf="field",
                   recycle_path="/rest/v1.0/projects/{project_id}/drawing_revisions",
                   recycle_params={"filters[deleted]": "only"}),
    RecordToolSpec(tool="forms", kind="forms", list_path="/rest/v1.0/projects/{project_id}/forms",
                   show_path="/rest/v1.0/projects/{project_id}/forms/{id}", project_in_query=False,
                   resource_name="Forms", pdf="fillable",
                   recycle_path="/rest/v1.0/projects/{project_id}/recycle_bin/forms"),
    RecordToolSpec(tool="observations", kind="observation_items", list_path="/rest/v1.0/observations/items",
                   show_path="/rest/v1.0/observations/items/{id}", project_in_query=True,
                   resource_name="Observation Items", pdf="json",
                   pdf_path="/rest/v1.0/observations/items/{id}/pdf",
                   recycle_path="/rest/v1.0/projects/{project_id}/recycle_bin/observations/items"),
    RecordToolSpec(tool="inspections", kind="checklist_lists",
                   list_path="/rest/v1.0/projects/{project_id}/checklist/lists",
                   show_path="/rest/v1.0/projects/{project_id}/checklist/lists/{id}", project_in_query=False,
                   resource_name="Inspection Checklists", pdf="none",
                   recycle_path="/rest/v1.0/projects/{project_id}/recycle_bin/checklist/lists"),
    RecordToolSpec(tool="incidents", kind="incidents", list_path="/rest/v1.0/projects/{project_id}/incidents",
                   show_path="/rest/v1.0/projects/{project_id}/incidents/{id}", project_in_query=False,
                   resource_name="Incidents", pdf="none",
                   recycle_path="/rest/v1.0/projects/{project_id}/recycle_bin/incidents"),
    RecordToolSpec(tool="commitments", kind="work_order_contracts", list_path="/rest/v1.0/work_order_contracts",
                   show_path="/rest/v1.0/work_order_contracts/{id}", project_in_query=True,
                   resource_name="Work Order Contracts", pdf="export",
                   pdf_path="/rest/v2.0/companies/{company_id}/projects/{project_id}/commitment_contracts/{id}/pdf",
                   recycle_path="/rest/v1.0/work_order_contracts", recycle_params={"filters[include_deleted]": "only"}),
    RecordToolSpec(tool="commitments", kind="purchase_order_contracts", list_path="/rest/v1.0/purchase_order_contracts",
                   show_path="/rest/v1.0/purchase_order_contracts/{id}", project_in_query=True,
                   resource_name="Purchase Order Contracts", pdf="export",
                   pdf_path="/rest/v2.0/companies/{company_id}/projects/{project_id}/commitment_contracts/{id}/pdf",
                   recycle_path="/rest/v1.0/purchase_order_contracts",
                   recycle_params={"filters[include_deleted]": "only"}),
)
SPECS_BY_KIND = {s.kind: s for s in SPECS}
TOOL_KEYS = tuple(dict.fromkeys(s.tool for s in SPECS))


class Attachment(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: int
    url: str
    name: str | None = None
    filename: str | None = None
    content_type: str | None = None

    @property
    def display_name(self) -> str:
        return self.filename or self.name or f"attachment-{self.id}"


class ToolRecord(BaseModel):
    """Any tool's record: the common fields typed, everything else kept for rendering."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: int
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None

    def raw(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def find_attachments(node: Any) -> list[Attachment]:
    """Every `attachments[]` entry anywhere in the record (RFI questions/answers, approvers, ...)."""
    found: dict[int, Attachment] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                if key == "attachments" and isinstance(child, list):
                    for a in child:
                        if isinstance(a, dict) and "url" in a and "id" in a:
                            att = Attachment.model_validate(a)
                            found.setdefault(att.id, att)
                walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    walk(node)
    return list(found.values())


class RecordsApi:
    def __init__(self, session: ProcoreSession, downloads: Downloader) -> None:
        self._s = session
        self._dl = downloads

    def _path(self, template: str, project_id: int, record_id: int | None = None) -> str:
        return template.format(project_id=project_id, id=record_id, company_id=self._s.company_id)

    def _query(self, spec: RecordToolSpec, project_id: int) -> dict[str, Any]:
        return {"project_id": project_id} if spec.project_in_query else {}

    def list_changed(self, spec: RecordToolSpec, project_id: int, *, since: datetime | None = None,
                     until: datetime | None = None) -> Iterator[ToolRecord]:
        params = self._query(spec, project_id)
        if since is not None or until is not None:
            params["filters[updated_at]"] = updated_between(since, until)
        items = iterate(self._s, self._path(spec.list_path, project_id), route=spec.list_path, params=params,
                        parse=ToolRecord.model_validate)
        return dedupe(items, key=lambda r: r.id)

    def recycle_bin(self, spec: RecordToolSpec, project_id: int) -> Iterator[ToolRecord]:
        if spec.recycle_path is None:
            return iter(())
        params = {**self._query(spec, project_id), **(spec.recycle_params or {})}
        return iterate(self._s, self._path(spec.recycle_path, project_id), route=spec.recycle_path, params=params,
                       parse=ToolRecord.model_validate)

    def show(self, spec: RecordToolSpec, project_id: int, record_id: int) -> ToolRecord:
        body = self._s.get_json(self._path(spec.show_path, project_id, record_id), route=spec.show_path,
                                params=self._query(spec, project_id))
        return ToolRecord.model_validate(body)

    def attachments(self, record: ToolRecord) -> list[Attachment]:
        return find_attachments(record.raw())

    def pdf_url(self, spec: RecordToolSpec, project_id: int, record: ToolRecord) -> str | None:
        """An opaque URL the Downloader can fetch (None: this tool has no PDF). For the asynchronous export,
        errors.Unavailable until the PDF is made (see export_pdf_url)."""
        raw = record.raw()
        if spec.pdf == "redirect" and spec.pdf_path:
            return self._s.url(self._path(spec.pdf_path, project_id, record.id))
        if spec.pdf == "field":
            return raw.get("pdf_url") or None
        if spec.pdf == "fillable":
            fillable = raw.get("fillable_pdf") or {}
            return fillable.get("url") if isinstance(fillable, dict) else None
        if spec.pdf == "json" and spec.pdf_path:
            body = self._s.get_json(self._path(spec.pdf_path, project_id, record.id), route=spec.pdf_path,
                                    params=self._query(spec, project_id))
            url = body.get("pdf_url") or body.get("url")
            return str(url) if url else None
        if spec.pdf == "export" and spec.pdf_path:
            return self.export_pdf_url(spec, project_id, record.id)   # errors.Unavailable until it is ready
        return None

    def export_pdf_url(self, spec: RecordToolSpec, project_id: int, record_id: int) -> str:
        """One poll of the asynchronous PDF export (v2.0 commitment contracts): the URL of the finished PDF.
        An export not started (404: never asked for, or expired) is started; while it runs (202) this
        raises errors.Unavailable at once, so the caller's step goes back on its queue with backoff."""
        assert spec.pdf_path is not None
        path = self._path(spec.pdf_path, project_id, record_id)
        try:
            status = self._s.request("GET", path, route=spec.pdf_path).status_code
        except errors.NotFound:
            self._s.request("POST", path, route=spec.pdf_path)
            raise errors.Unavailable(f"PDF export of {spec.kind} {record_id} started") from None
        if status in EXPORT_READY:
            return self._s.url(path)
        raise errors.Unavailable(f"PDF export of {spec.kind} {record_id} not ready yet ({status})")

    def download_pdf(
        self, spec: RecordToolSpec, project_id: int, record: ToolRecord, sink: BinaryIO,
    ) -> DownloadResult | None:
        url = self.pdf_url(spec, project_id, record)
        return self._dl.download_to(url, sink) if url else None

    def download_attachment(self, attachment: Attachment, sink: BinaryIO) -> DownloadResult:
        return self._dl.download_to(attachment.url, sink)
