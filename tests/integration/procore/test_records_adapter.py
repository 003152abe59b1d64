"""The record tools' adapter (shared/tools/records.py) over the Procore emulator: each record gives its
PDF (named from number and title, a real PDF holding them) and its attachments in a folder of the same
stem (bytes as Procore serves them), with its SharePoint columns; a reply moves only the PDF's version;
private records are marked; the change feed lists edits and deletions; a recycled record is gone."""

from __future__ import annotations

import io
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pypdf
import pytest

from shared.models.api import InitialSync, Mode, ToolKey
from shared.models.rows import ItemKind, LinkRow
from shared.procore.client import ProcoreClient
from shared.tools import TOOLS
from shared.tools.base import SourceItem, ToolAdapter
from shared.tools.records import ROOT_ID, RecordsAdapter

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _link(project_id: int = 101) -> LinkRow:
    return LinkRow(tenant_id="t", link_id=f"l{project_id}", procore_company_id=1, procore_project_id=project_id,
                   project_name="P", site_id="s", drive_id="d", folder_path="f", initial_sync=InitialSync.STANDARD,
                   tools={ToolKey.RFIS: Mode.ONE_WAY}, created_at=NOW, updated_at=NOW)


def _adapter(tool: ToolKey) -> RecordsAdapter:
    adapter = TOOLS[tool]
    assert isinstance(adapter, RecordsAdapter)
    return adapter


def _all(adapter: ToolAdapter, client: ProcoreClient) -> list[SourceItem]:
    found: list[SourceItem] = []
    page: int | None = 1
    while page is not None:
        listing = adapter.list_page(client, _link(), page)
        found += listing.items
        page = listing.next_page
    return found


def _bytes(adapter: RecordsAdapter, client: ProcoreClient, item: SourceItem) -> bytes:
    return b"".join(adapter.fetch(client, _link(), item))


def _create_rfi(client: ProcoreClient, **fields: Any) -> dict[str, Any]:
    path = "/rest/v1.0/projects/101/rfis"
    return dict(client.session.request("POST", path, route=path, json={"rfi": fields}).json())


def test_each_rfi_gives_its_pdf_and_its_attachments_in_a_folder_of_the_same_stem(app_client: ProcoreClient) -> None:
    rfis = _adapter(ToolKey.RFIS)
    sources = _all(rfis, app_client)
    assert len(sources) >= 2 and all(s.parent_id == ROOT_ID and s.version for s in sources)
    first = next(s for s in sources if rfis.parts(app_client, _link(), s)[1:])   # one with attachments
    pdf, folder, *attachments = rfis.parts(app_client, _link(), first)
    record = app_client.session.get_json(f"/rest/v1.0/projects/101/rfis/{first.procore_id}", route="x")
    stem = f"RFI {int(record['number']):03d} - {record['subject']}"
    assert (pdf.procore_id, pdf.name, pdf.kind, pdf.version) == (f"{first.procore_id}:pdf", f"{stem}.pdf",
                                                                  ItemKind.FILE, first.version)
    assert (folder.procore_id, folder.name, folder.kind) == (f"{first.procore_id}:attachments", stem, ItemKind.FOLDER)
    assert attachments and all(a.parent_id == folder.procore_id and a.kind is ItemKind.FILE for a in attachments)
    # The PDF is Procore's own, a real PDF with the record's title; each attachment is Procore's bytes.
    reader = pypdf.PdfReader(io.BytesIO(_bytes(rfis, app_client, pdf)))
    assert len(reader.pages) >= 1 and record["subject"] in reader.pages[0].extract_text()
    for part in attachments:
        listed = next(a for q in record["questions"] for a in [*q["attachments"],
                                                               *(x for r in q["answers"] for x in r["attachments"])]
                      if part.procore_id.endswith(f":attachment:{a['id']}"))
        assert part.name == listed["filename"] and part.version == str(listed["id"])
        assert _bytes(rfis, app_client, part) == b"".join(app_client.downloads.iter_bytes(listed["url"]))
    # Columns: the PDF carries them all, each attachment its record's tool, number and link.
    columns = rfis.sp_columns(pdf)
    assert columns["Procore Tool"] == "RFIs" and columns["Number"] == f"{int(record['number']):03d}"
    assert columns["Title"] == record["subject"] and columns["Status"] == record["status"]
    assert first.version and first.version.startswith(columns["Updated"] + "#") and columns["Created"]
    assert columns["Procore Link"].endswith(f"/101/project/rfi/show/{first.procore_id}")
    assert rfis.sp_columns(attachments[0]) == {k: columns[k] for k in ("Procore Tool", "Number", "Procore Link")}


def test_a_reply_moves_the_pdf_version_only_and_a_private_rfi_is_marked(app_client: ProcoreClient,
                                                                        user_client: ProcoreClient) -> None:
    rfis = _adapter(ToolKey.RFIS)
    created = _create_rfi(user_client, subject="Slab edge detail", number="77", private=True)
    source = rfis.get(app_client, _link(), str(created["id"]), ItemKind.FILE)
    assert source is not None and source.private and source.name == "RFI 077 - Slab edge detail.pdf"
    assert all(p.private for p in rfis.parts(app_client, _link(), source))
    public = _create_rfi(user_client, subject="Door hardware", number="78")
    before = rfis.get(app_client, _link(), f"{public['id']}:pdf", ItemKind.FILE)
    assert before is not None and not before.private
    path = f"/rest/v1.0/projects/101/rfis/{public['id']}/replies"
    user_client.session.request("POST", path, route=path, json={"reply": {"body": "Use type B."}})
    after = rfis.get(app_client, _link(), f"{public['id']}:pdf", ItemKind.FILE)
    assert after is not None and after.version != before.version
    assert rfis.compare_versions(after.version or "", before.version or "").value == "newer"


def test_the_change_feed_lists_edits_and_deletions_and_a_recycled_record_is_gone(
        app_client: ProcoreClient, user_client: ProcoreClient) -> None:
    rfis = _adapter(ToolKey.RFIS)
    since = datetime.now(UTC) - timedelta(seconds=1)
    kept = _create_rfi(user_client, subject="Kept")
    binned = _create_rfi(user_client, subject="Binned")
    path = f"/rest/v1.0/projects/101/rfis/{binned['id']}"
    user_client.session.request("DELETE", path, route=path)
    changed = [c.procore_id for c in rfis.changes(app_client, _link(), since, datetime.now(UTC) + timedelta(seconds=1))]
    assert str(kept["id"]) in changed and str(binned["id"]) in changed
    assert rfis.get(app_client, _link(), str(binned["id"]), ItemKind.FILE) is None
    assert rfis.get(app_client, _link(), f"{binned['id']}:pdf", ItemKind.FILE) is None


SHOW = {ToolKey.SUBMITTALS: "/rest/v1.1/projects/101/submittals/{id}",
        ToolKey.FORMS: "/rest/v1.0/projects/101/forms/{id}",
        ToolKey.OBSERVATIONS: "/rest/v1.0/observations/items/{id}?project_id=101",
        ToolKey.INSPECTIONS: "/rest/v1.0/projects/101/checklist/lists/{id}",
        ToolKey.INCIDENTS: "/rest/v1.0/projects/101/incidents/{id}"}
NAMES = {ToolKey.SUBMITTALS: lambda r: f"Submittal {r['formatted_number']} - {r['title']}",
         ToolKey.FORMS: lambda r: f"Form {r['id']} - {r['name']}",
         ToolKey.OBSERVATIONS: lambda r: f"Observation {int(r['number']):03d} - {r['name']}",
         ToolKey.INSPECTIONS: lambda r: f"Inspection {int(r['number']):03d} - {r['name']}",
         ToolKey.INCIDENTS: lambda r: f"Incident {int(r['number']):03d} - {r['title']}"}


@pytest.mark.parametrize("tool", list(SHOW))
def test_each_record_style_gives_a_named_pdf_with_its_title_and_its_attachments(app_client: ProcoreClient,
                                                                                tool: ToolKey) -> None:
    adapter = _adapter(tool)
    sources = _all(adapter, app_client)
    assert sources
    for source in sources:
        pdf, *rest = adapter.parts(app_client, _link(), source)
        record = app_client.session.get_json(SHOW[tool].format(id=source.procore_id), route="x")
        assert pdf.name == NAMES[tool](record) + ".pdf"
        status = record.get("status") or ""
        assert adapter.sp_columns(pdf)["Status"] == (status["name"] if isinstance(status, dict) else status)
        reader = pypdf.PdfReader(io.BytesIO(_bytes(adapter, app_client, pdf)))
        text = reader.pages[0].extract_text()
        assert (record.get("title") or record.get("name")) in text, text
        if tool is ToolKey.FORMS:     # Procore's filled-in template (it names neither) behind the record's cover
            assert f"Number: {record['id']}" in text and "Forms" in text, text
            procore = b"".join(app_client.downloads.iter_bytes(record["fillable_pdf"]["url"]))
            theirs = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(procore)).pages]
            assert record["name"] not in "".join(theirs) and [p.extract_text() for p in reader.pages[1:]] == theirs
        attachments = {str(a["id"]): a for a in record.get("attachments", [])}
        files = [p for p in rest if p.kind is ItemKind.FILE]
        assert sorted(p.procore_id.rsplit(":", 1)[1] for p in files) == sorted(attachments)
        for part in files:
            listed = attachments[part.procore_id.rsplit(":", 1)[1]]
            assert _bytes(adapter, app_client, part) == b"".join(app_client.downloads.iter_bytes(listed["url"]))


@pytest.mark.parametrize("tool", [ToolKey.RFIS, *SHOW])
def test_the_app_can_read_the_tool(app_client: ProcoreClient, tool: ToolKey) -> None:
    from shared.procore.scope import Scope

    _adapter(tool).check_access(app_client, Scope.project(101))


@pytest.mark.parametrize("tool", [ToolKey.INSPECTIONS, ToolKey.INCIDENTS])
def test_a_rendered_pdf_is_the_same_bytes_for_the_same_record_and_shows_the_record(
        app_client: ProcoreClient, user_client: ProcoreClient, tool: ToolKey) -> None:
    adapter = _adapter(tool)
    source = _all(adapter, app_client)[0]
    pdf = adapter.parts(app_client, _link(), source)[0]
    first, second = _bytes(adapter, app_client, pdf), _bytes(adapter, app_client, pdf)
    assert first == second
    record = app_client.session.get_json(SHOW[tool].format(id=source.procore_id), route="x")
    text = pypdf.PdfReader(io.BytesIO(first)).pages[0].extract_text()
    number = f"{int(record['number']):03d}"
    assert f"Number: {number}" in text and (record.get("name") or record["title"]) in text
    assert f"Status: {record['status']}" in text and "Created:" in text
    for attachment in record["attachments"]:
        assert attachment["filename"] in text
    # An edit makes other bytes and a newer version.
    path = SHOW[tool].format(id=source.procore_id)
    singular = "list" if tool is ToolKey.INSPECTIONS else "incident"
    user_client.session.request("PATCH", path, route="x", json={singular: {"status": "closed"}})
    edited = adapter.get(app_client, _link(), pdf.procore_id, ItemKind.FILE)
    assert edited is not None and adapter.compare_versions(edited.version or "", pdf.version or "").value == "newer"
    changed = _bytes(adapter, app_client, edited)
    assert changed != first and "Status: closed" in pypdf.PdfReader(io.BytesIO(changed)).pages[0].extract_text()


def test_commitments_of_both_kinds_arrive_through_the_asynchronous_export(app_client: ProcoreClient) -> None:
    from shared import errors

    commitments = _adapter(ToolKey.COMMITMENTS)
    sources = _all(commitments, app_client)       # work orders, then purchase orders (list_page crosses kinds)
    names = [commitments.parts(app_client, _link(), s)[0].name for s in sources]
    assert any(n.startswith("SC-") for n in names) and any(n.startswith("PO-") for n in names), names
    assert all(re.fullmatch(r"(SC|PO)-\d{3} - .+\.pdf", n) for n in names), names
    pdf = commitments.parts(app_client, _link(), sources[-1])[0]
    assert pdf.download_url is None                # no URL until the export is ready
    with pytest.raises(errors.Unavailable):        # the export starts: the step goes back on its queue
        commitments.fetch(app_client, _link(), pdf)
    pending = 1
    deadline = time.monotonic() + 30
    while True:                                    # what the queue does, with its backoff: ask again
        try:
            data = _bytes(commitments, app_client, pdf)
            break
        except errors.Unavailable:
            pending += 1
            assert time.monotonic() < deadline, "the export never finished"
    record = app_client.session.get_json(f"/rest/v1.0/purchase_order_contracts/{sources[-1].procore_id}",
                                         route="x", params={"project_id": 101})
    text = pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert record["title"] in text and pending >= 1


def test_drawings_give_one_pdf_per_drawing_in_its_area_and_a_new_revision_is_a_newer_version(
        app_client: ProcoreClient, user_client: ProcoreClient) -> None:
    drawings = TOOLS[ToolKey.DRAWINGS]
    sources = _all(drawings, app_client)
    assert sources
    source = sources[0]
    area = drawings.get(app_client, _link(), source.parent_id or "", ItemKind.FOLDER)
    assert area is not None and area.kind is ItemKind.FOLDER and area.name.startswith("Building ")
    (pdf,) = drawings.parts(app_client, _link(), source)
    assert pdf.procore_id == f"{source.procore_id}:pdf" and pdf.parent_id == source.parent_id
    assert re.fullmatch(r"A-\d{3} - Floor plan level \d+\.pdf", pdf.name), pdf.name
    assert drawings.sp_columns(pdf)["Procore Tool"] == "Drawings"
    assert len(pypdf.PdfReader(io.BytesIO(b"".join(drawings.fetch(app_client, _link(), pdf)))).pages) >= 1
    # A new revision (Procore's webhook names the revision): the same drawing, a newer version of its PDF.
    since = datetime.now(UTC) - timedelta(seconds=1)
    path = "/rest/v1.0/projects/101/drawing_revisions"
    number = pdf.name.split(" - ")[0]
    created = user_client.session.request("POST", path, route=path, json={"drawing_revision": {
        "title": "Floor plan", "drawing_id": int(source.procore_id), "number": number, "revision_number": "9",
        "drawing_area": {"id": int((source.parent_id or "").removeprefix("area-"))}}}).json()
    again = drawings.get(app_client, _link(), str(created["id"]), ItemKind.FILE)
    assert again is not None and again.procore_id == source.procore_id and again.version == str(created["id"])
    assert drawings.compare_versions(again.version or "", source.version or "").value == "newer"
    fed = [c.procore_id for c in drawings.changes(app_client, _link(), since, datetime.now(UTC) + timedelta(seconds=1))]
    assert str(created["id"]) in fed


def test_a_drawing_created_renamed_and_left_without_revisions_is_new_renamed_and_then_deleted(
        app_client: ProcoreClient, user_client: ProcoreClient) -> None:
    drawings = TOOLS[ToolKey.DRAWINGS]
    area = next(a for a in drawings.children(app_client, _link(), ROOT_ID))
    path = "/rest/v1.0/projects/101/drawing_revisions"
    first = user_client.session.request("POST", path, route=path, json={"drawing_revision": {   # a new drawing
        "title": "Roof plan", "number": "A-901", "revision_number": "1",
        "drawing_area": {"id": int(area.procore_id.removeprefix("area-"))}}}).json()
    made = drawings.get(app_client, _link(), str(first["id"]), ItemKind.FILE)   # the webhook names the revision
    assert made is not None and not made.deleted and made.name == "A-901 - Roof plan.pdf"
    assert made.parent_id == area.procore_id and made.procore_id == str(first["drawing_id"])
    second = user_client.session.request("POST", path, route=path, json={"drawing_revision": {
        "title": "Roof plan", "number": "A-901", "revision_number": "2", "drawing_id": first["drawing_id"],
        "drawing_area": {"id": int(area.procore_id.removeprefix("area-"))}}}).json()
    user_client.session.request("PATCH", f"{path}/{second['id']}", route=path,      # renamed: number and title
                                json={"drawing_revision": {"number": "A-902", "title": "Roof plan, east"}})
    renamed = drawings.get(app_client, _link(), str(second["id"]), ItemKind.FILE)
    assert renamed is not None and renamed.procore_id == made.procore_id
    assert renamed.name == "A-902 - Roof plan, east.pdf" and renamed.version == str(second["id"])
    (pdf,) = drawings.parts(app_client, _link(), renamed)
    sheet = b"".join(drawings.fetch(app_client, _link(), pdf))
    user_client.session.request("DELETE", f"{path}/{second['id']}", route=path)     # one revision: the other stays
    back = drawings.get(app_client, _link(), str(second["id"]), ItemKind.FILE)
    assert back is not None and not back.deleted and back.version == str(first["id"])
    user_client.session.request("DELETE", f"{path}/{first['id']}", route=path)      # every revision: deleted
    gone = drawings.get(app_client, _link(), str(first["id"]), ItemKind.FILE)
    assert gone is not None and gone.deleted and gone.procore_id == made.procore_id
    assert drawings.parts(app_client, _link(), gone) == []                           # its PDF goes with it
    assert drawings.get(app_client, _link(), pdf.procore_id, ItemKind.FILE) is None
    assert made.procore_id not in {s.procore_id for s in _all(drawings, app_client)}
    assert len(sheet) > 0
