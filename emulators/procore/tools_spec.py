"""The one-way tools the emulator serves, as data: paths, webhook resource names, PDF style.

PDF styles: `redirect` (GET .../{id}.pdf -> 302), `json` (GET .../{id}/pdf -> {id, url, pdf_url}),
`fillable` (`fillable_pdf` object), `field` (`pdf_url` on the record), `export` (v2.0 commitment
contract export: POST 202, GET 202 pending / 302 ready), `none`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    kind: str
    tool: str
    resource_name: str
    singular: str
    list_path: str
    show_suffix: str = "/{id}"
    project_in_query: bool = False
    pdf: str = "none"
    recycle_path: str | None = None       # a separate recycle-bin list
    deleted_param: str | None = None      # or a filter on the list: filters[deleted]=only ...
    title_field: str = "title"


KINDS: tuple[Kind, ...] = (
    Kind("rfis", "rfis", "RFIs", "rfi", "/rest/v1.0/projects/{project_id}/rfis", pdf="redirect",
         recycle_path="/rest/v1.0/projects/{project_id}/rfis/recycle_bin", title_field="subject"),
    Kind("submittals", "submittals", "Submittals", "submittal", "/rest/v1.1/projects/{project_id}/submittals",
         pdf="redirect", recycle_path="/rest/v1.1/projects/{project_id}/submittals/recycle_bin"),
    Kind("drawing_revisions", "drawings", "Drawings", "drawing_revision",
         "/rest/v1.0/projects/{project_id}/drawing_revisions", pdf="field", deleted_param="filters[deleted]"),
    Kind("forms", "forms", "Forms", "form", "/rest/v1.0/projects/{project_id}/forms", pdf="fillable",
         recycle_path="/rest/v1.0/projects/{project_id}/recycle_bin/forms", title_field="name"),
    Kind("observation_items", "observations", "Observation Items", "observation", "/rest/v1.0/observations/items",
         project_in_query=True, pdf="json",
         recycle_path="/rest/v1.0/projects/{project_id}/recycle_bin/observations/items", title_field="name"),
    Kind("checklist_lists", "inspections", "Inspection Checklists", "list",
         "/rest/v1.0/projects/{project_id}/checklist/lists",
         recycle_path="/rest/v1.0/projects/{project_id}/recycle_bin/checklist/lists", title_field="name"),
    Kind("incidents", "incidents", "Incidents", "incident", "/rest/v1.0/projects/{project_id}/incidents",
         recycle_path="/rest/v1.0/projects/{project_id}/recycle_bin/incidents"),
    Kind("work_order_contracts", "commitments", "Work Order Contracts", "work_order_contract",
         "/rest/v1.0/work_order_contracts", project_in_query=True, pdf="export",
         deleted_param="filters[include_deleted]"),
    Kind("purchase_order_contracts", "commitments", "Purchase Order Contracts", "purchase_order_contract",
         "/rest/v1.0/purchase_order_contracts", project_in_query=True, pdf="export",
         deleted_param="filters[include_deleted]"),
)
BY_KIND = {k.kind: k for k in KINDS}
EXPORT_PATH = "/rest/v2.0/companies/{company_id}/projects/{project_id}/commitment_contracts/{id}/pdf"
