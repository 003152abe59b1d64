"""Issue 14, the record tools on the local stack, in both delivery modes: the initial sync gives one PDF
per record (a real PDF with its number and title) in the tool's folder, its attachments byte-identical in
a folder of the same stem, the columns on every PDF, private records skipped with their reason (a tenant
with `include_private` gets them); live, an RFI created, edited (a new version of the same file),
answered (a new version), renamed by a title change (same item) and deleted (SharePoint recycle bin);
the other tools' records (drawings too: created, revised, renamed, every revision deleted) the same way;
privacy changed later (include_private, or the record made public/private) brings or withdraws a record;
a PDF or attachment a person deletes in SharePoint is put back (nothing is sent to Procore);
with every webhook dropped, reconciliation brings a change, and a second pass over the unchanged project
writes nothing to SharePoint.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdf
import pytest

from shared.graph import content as sp_content
from shared.graph import fields as sp_fields
from shared.graph import items as sp_items
from shared.graph.models import DriveItem
from shared.procore.client import ProcoreClient
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from tests.support.e2e import Onboarded, Running, link_status, onboard, quickxor_of, wait_for, wait_quiet, wait_regular
from tests.support.live import module_stack

PROJECT = 140   # its own project on the shared stack (tests/support/live.py)
LIVE_TIMEOUT_S = 90
OFF = {t: "off" for t in ("documents", "photos")}
AREAS = f"/rest/v1.1/projects/{PROJECT}/drawing_areas"
REVISIONS = f"/rest/v1.0/projects/{PROJECT}/drawing_revisions"
EXPORT_DELAY_S = 12.0        # the commitment export answers 202 this long (the emulator's default: 0.3 s)
EXPORT_ROUTE = "GET /rest/v2.0/companies/{company_id}/projects/{project_id}/commitment_contracts/{id}/pdf"
RFIS = f"/rest/v1.0/projects/{PROJECT}/rfis"
DELETES = {"mass_delete_share": 0.5}   # the live tests recycle about a fifth of this small project on purpose
SUBMITTALS = f"/rest/v1.1/projects/{PROJECT}/submittals"


def _n(record: dict[str, Any]) -> str:
    return f"{int(record['number']):03d}"


@dataclass(frozen=True)
class Tool:
    key: str
    folder: str
    list_path: str
    show_path: str                                  # {id}
    stem: Callable[[dict[str, Any]], str]
    text: Callable[[dict[str, Any]], list[str]]     # what the PDF's first page must say


RECORD_TOOLS = [
    Tool("rfis", "RFIs", RFIS, RFIS + "/{id}", lambda r: f"RFI {_n(r)} - {r['subject']}",
         lambda r: [r["subject"], f"number: {r['number']}"]),
    Tool("submittals", "Submittals", SUBMITTALS, SUBMITTALS + "/{id}",
         lambda r: f"Submittal {r['formatted_number']} - {r['title']}",
         lambda r: [r["title"], f"number: {r['number']}"]),
    Tool("forms", "Forms", f"/rest/v1.0/projects/{PROJECT}/forms", f"/rest/v1.0/projects/{PROJECT}/forms/{{id}}",
         lambda r: f"Form {r['id']} - {r['name']}",                 # Procore's fillable form PDF names neither:
         lambda r: [r["name"], f"Number: {r['id']}"]),              # the product's cover page in front of it does
    Tool("observations", "Observations", f"/rest/v1.0/observations/items?project_id={PROJECT}",
         f"/rest/v1.0/observations/items/{{id}}?project_id={PROJECT}", lambda r: f"Observation {_n(r)} - {r['name']}",
         lambda r: [r["name"], f"number: {r['number']}"]),
    Tool("inspections", "Inspections", f"/rest/v1.0/projects/{PROJECT}/checklist/lists",
         f"/rest/v1.0/projects/{PROJECT}/checklist/lists/{{id}}", lambda r: f"Inspection {_n(r)} - {r['name']}",
         lambda r: [r["name"], f"Number: {_n(r)}"]),
    Tool("incidents", "Incidents", f"/rest/v1.0/projects/{PROJECT}/incidents",
         f"/rest/v1.0/projects/{PROJECT}/incidents/{{id}}", lambda r: f"Incident {_n(r)} - {r['title']}",
         lambda r: [r["title"], f"Number: {_n(r)}"]),
    *(Tool("commitments", "Commitments", f"/rest/v1.0/{kind}?project_id={PROJECT}",
           f"/rest/v1.0/{kind}/{{id}}?project_id={PROJECT}", lambda r: f"{r['number']} - {r['title']}",
           lambda r: [r["title"], f"number: {r['number']}"]) for kind in ("work_order_contracts",
                                                                          "purchase_order_contracts")),
]
TOOLS = {**OFF, "drawings": "one_way", **{t.key: "one_way" for t in RECORD_TOOLS}}
PDF_COLUMNS = {"ProcoreTool", "ProcoreNumber", "Title", "ProcoreStatus", "ProcoreCreated", "ProcoreUpdated",
               "ProcoreLink"}


def _get(user: ProcoreClient, path: str) -> Any:
    return user.session.get_json(path, route="test")


def _patch_rfi(user: ProcoreClient, rfi_id: int, **fields: Any) -> dict[str, Any]:
    return dict(user.session.request("PATCH", f"{RFIS}/{rfi_id}", route="test", json={"rfi": fields}).json())


@pytest.fixture(scope="module")
def records(shared_stack: Running) -> Iterator[tuple[Running, Onboarded, Onboarded, int]]:
    """The project linked twice with the record tools on: by default, and by a tenant that includes private
    records; one of its RFIs private before either link is made."""
    for run in module_stack(shared_stack, "records", PROJECT, "Records project"):
        user = run.procore_client("user")
        private = _get(user, RFIS)[0]["id"]
        _patch_rfi(user, private, private=True)
        run.emulator("procore", "/_emulator/config", {"pdf_export_delay_s": EXPORT_DELAY_S})
        try:
            ob = onboard(run, PROJECT, tools=TOOLS, settings=DELETES)
            everything = onboard(run, PROJECT, tools=TOOLS, settings={"include_private": True},
                                 folder_path=f"Projects/Everything {uuid.uuid4().hex[:6]}")
            wait_regular(run, ob, timeout=240)
            wait_regular(run, everything, timeout=240)
            exports = _export_statuses(run)
        finally:
            run.emulator("procore", "/_emulator/config", {"pdf_export_delay_s": 0.3})
        # Each commitment's export answered 202 while it ran (the step polled it from the queue), then 302.
        assert exports.get("202", 0) >= 2 and exports.get("302", 0) >= 4, exports
        yield run, ob, everything, private


def _export_statuses(run: Running) -> dict[str, int]:
    stats: dict[str, Any] = run.emulator("procore", "/_emulator/stats")
    routes = stats["by_client"].get(run.doc["procore"]["app"]["client_id"], {}).get("routes", {})
    return dict(routes.get(EXPORT_ROUTE, {}).get("statuses", {}))


def _sp(run: Running, ob: Onboarded, rel: str) -> DriveItem | None:
    return sp_items.get_by_path(run.graph_session("user"), run.site["drive_id"], f"{ob.folder_path}/{rel}")


def _bytes(run: Running, item: DriveItem) -> bytes:
    out = io.BytesIO()
    sp_content.download_to(run.graph_session("user"), run.site["drive_id"], item.id, out)
    return out.getvalue()


def _versions(run: Running, item_id: str) -> int:
    path = f"/drives/{run.site['drive_id']}/items/{item_id}/versions"
    return len(run.graph_session("user").request("GET", path, route="test").json()["value"])


def _attachments(record: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(record.get("attachments") or [])
    for question in record.get("questions") or []:
        found += question["attachments"] + [a for answer in question["answers"] for a in answer["attachments"]]
    return found


def test_initial_sync_gives_a_pdf_per_record_its_attachments_and_columns_and_skips_private_ones(
        records: tuple[Running, Onboarded, Onboarded, int]) -> None:
    run, ob, everything, private = records
    user = run.procore_client("user")
    graph = run.graph_session("user")
    for tool in RECORD_TOOLS:
        folder = tool.folder
        listed = _get(user, tool.list_path)
        assert listed, folder
        for summary in listed:
            record = _get(user, tool.show_path.format(id=summary["id"]))
            stem = tool.stem(record)
            pdf = _sp(run, ob, f"{folder}/{stem}.pdf")
            if record["id"] == private:
                assert pdf is None, "a private record was copied"
                pdf = _sp(run, everything, f"{folder}/{stem}.pdf")
                assert pdf is not None, "include_private did not bring the private record"
                continue
            assert pdf is not None, f"{folder}/{stem}.pdf"
            reader = pypdf.PdfReader(io.BytesIO(_bytes(run, pdf)))
            text = reader.pages[0].extract_text()
            assert len(reader.pages) >= 1 and all(said in text for said in tool.text(record)), (stem, text)
            fields = sp_fields.get_fields(graph, run.site["drive_id"], pdf.id)
            assert PDF_COLUMNS <= set(fields), fields
            assert fields["ProcoreTool"] == folder and fields["ProcoreLink"].endswith(str(record["id"]))
            assert fields["Title"] == (record.get("subject") or record.get("title") or record.get("name"))
            attachments = _attachments(record)
            if not attachments:
                assert _sp(run, ob, f"{folder}/{stem}") is None
                continue
            box = _sp(run, ob, f"{folder}/{stem}")             # the attachments' folder, of the PDF's stem
            assert box is not None and box.is_folder, stem
            copies = list(sp_items.iter_children(graph, run.site["drive_id"], box.id))
            assert sorted(c.quick_xor_hash or "" for c in copies) == \
                sorted(quickxor_of(user.downloads.iter_bytes(a["url"])) for a in attachments)   # byte-identical
            assert {a["filename"] for a in attachments} <= {c.name for c in copies}
            for copy in copies:
                copy_fields = sp_fields.get_fields(graph, run.site["drive_id"], copy.id)
                assert copy_fields["ProcoreNumber"] == fields["ProcoreNumber"], copy_fields
    for area in _get(user, AREAS):                          # Drawings: the current revision per drawing
        for drawing in _get(user, f"/rest/v1.1/drawing_areas/{area['id']}/drawings?project_id={PROJECT}"):
            pdf = _sp(run, ob, f"Drawings/{area['name']}/{drawing['number']} - {drawing['title']}.pdf")
            assert pdf is not None, drawing
            current = drawing["current_revision"]
            assert pdf.quick_xor_hash == quickxor_of(user.downloads.iter_bytes(current["pdf_url"]))
            sheet = pypdf.PdfReader(io.BytesIO(_bytes(run, pdf)))          # the sheet's title block
            assert len(sheet.pages) >= 1 and f"{drawing['number']} - {drawing['title']}" in \
                sheet.pages[0].extract_text()
            assert sp_fields.get_fields(graph, run.site["drive_id"], pdf.id)["ProcoreNumber"] == drawing["number"]
    status = link_status(run, ob)
    assert status["counts"]["failed"] == 0, status
    reasons = {(s["tool"], s["procore_id"]): s["reason"] for s in status["skipped_items"]}
    assert reasons[("rfis", f"{private}:pdf")] == "private in Procore", reasons
    everything_status = link_status(run, everything)
    skipped = [(s["name"], s["reason"]) for s in everything_status["skipped_items"]]
    assert everything_status["counts"]["skipped"] == 0, skipped
    deleted = run.api.delete(everything.status_path(), headers=everything.auth)   # the live tests need one link
    assert deleted.status_code in (200, 202, 204), deleted.text


def test_a_pdf_or_attachments_folder_a_person_deletes_in_sharepoint_is_put_back(
        records: tuple[Running, Onboarded, Onboarded, int]) -> None:
    run, ob, _, _ = records
    user, graph = run.procore_client("user"), run.graph_session("user")
    record = next(r for r in (_get(user, f"{SUBMITTALS}/{s['id']}") for s in _get(user, SUBMITTALS))
                  if _attachments(r))                                   # the seed's first one has some
    stem = RECORD_TOOLS[1].stem(record)
    pdf, box = _sp(run, ob, f"Submittals/{stem}.pdf"), _sp(run, ob, f"Submittals/{stem}")
    assert pdf is not None and box is not None
    files = sorted(c.quick_xor_hash or "" for c in sp_items.iter_children(graph, run.site["drive_id"], box.id))
    sp_items.delete_item(graph, run.site["drive_id"], pdf.id)          # a person's deletes in SharePoint
    sp_items.delete_item(graph, run.site["drive_id"], box.id)
    back = wait_for(lambda: _sp(run, ob, f"Submittals/{stem}.pdf"), LIVE_TIMEOUT_S, "the PDF put back")
    assert back.id != pdf.id and back.quick_xor_hash == pdf.quick_xor_hash
    box_back = wait_for(lambda: (b := _sp(run, ob, f"Submittals/{stem}")) and len(list(
        sp_items.iter_children(graph, run.site["drive_id"], b.id))) == len(files) and b, LIVE_TIMEOUT_S,
        "the attachments put back")
    assert sorted(c.quick_xor_hash or "" for c in sp_items.iter_children(graph, run.site["drive_id"], box_back.id)) \
        == files
    assert _get(user, f"{SUBMITTALS}/{record['id']}")["updated_at"] == record["updated_at"]   # Procore untouched


def test_an_rfi_created_edited_answered_attached_renamed_and_deleted_follows_live(
        records: tuple[Running, Onboarded, Onboarded, int], tmp_path: Path) -> None:
    run, ob, _, _ = records
    user = run.procore_client("user")
    created = dict(user.session.request("POST", RFIS, route="test", json={"rfi": {
        "subject": "Slab edge detail", "number": "901", "status": "open", "question": "Which edge?"}}).json())
    rfi_id = created["id"]
    first = wait_for(lambda: _sp(run, ob, "RFIs/RFI 901 - Slab edge detail.pdf"), LIVE_TIMEOUT_S, "the new RFI")
    graph = run.graph_session("user")

    _patch_rfi(user, rfi_id, status="closed")                        # an edit: a new version of the same file
    wait_for(lambda: sp_fields.get_fields(graph, run.site["drive_id"], first.id).get("ProcoreStatus") == "closed",
             LIVE_TIMEOUT_S, "the edit")
    edited = _versions(run, first.id)
    assert edited > 1

    reply = f"{RFIS}/{rfi_id}/replies"                                # a reply: a new version of its PDF
    user.session.request("POST", reply, route="test", json={"reply": {"body": "Use the type B edge."}})
    wait_for(lambda: _versions(run, first.id) > edited, LIVE_TIMEOUT_S, "the reply's new PDF version")

    answered = _versions(run, first.id)                                # a new attachment: its file, a new PDF
    sketch = tmp_path / "edge sketch.pdf"
    sketch.write_bytes(b"%PDF-1.4 sketch of the slab edge\n" * 50)
    upload = user.uploads.upload(Scope.project(PROJECT), FileSource(sketch), filename=sketch.name)
    _patch_rfi(user, rfi_id, upload_ids=[upload.uuid])
    attached = wait_for(lambda: _sp(run, ob, "RFIs/RFI 901 - Slab edge detail/edge sketch.pdf"), LIVE_TIMEOUT_S,
                        "the new attachment beside the PDF")
    assert attached.quick_xor_hash == quickxor_of(iter([sketch.read_bytes()]))
    wait_for(lambda: _versions(run, first.id) > answered, LIVE_TIMEOUT_S, "the new attachment's new PDF version")

    _patch_rfi(user, rfi_id, subject="Slab edge detail at grid 4")   # renamed in place: the same item
    renamed = wait_for(lambda: _sp(run, ob, "RFIs/RFI 901 - Slab edge detail at grid 4.pdf"), LIVE_TIMEOUT_S,
                       "the rename")
    assert renamed.id == first.id
    box = wait_for(lambda: _sp(run, ob, "RFIs/RFI 901 - Slab edge detail at grid 4"), LIVE_TIMEOUT_S,
                   "the attachments' folder renamed with it")
    assert _sp(run, ob, "RFIs/RFI 901 - Slab edge detail") is None and box.is_folder
    assert _sp(run, ob, "RFIs/RFI 901 - Slab edge detail.pdf") is None

    user.session.request("DELETE", f"{RFIS}/{rfi_id}", route="test")   # to the SharePoint recycle bin
    wait_for(lambda: _sp(run, ob, "RFIs/RFI 901 - Slab edge detail at grid 4.pdf") is None, LIVE_TIMEOUT_S,
             "the delete")
    binned = run.emulator("graph", f"/_emulator/recycle-bin?drive_id={run.site['drive_id']}")["value"]
    assert first.id in {b["id"] for b in binned}


@dataclass(frozen=True)
class Live:
    """How a person makes a record of one tool in Procore, and the stem the product names it by."""

    tool: str
    folder: str
    path: str                  # the list path (POST creates); the record's is path/{id}
    singular: str
    title: str                 # the field its name comes from
    fields: dict[str, Any]
    stem: Callable[[int, str], str]
    status: Any = "closed"

    def url(self, record_id: int | None = None) -> str:
        base, _, query = self.path.partition("?")
        return (f"{base}/{record_id}" if record_id else base) + (f"?{query}" if query else "")


LIVE = [
    Live("submittals", "Submittals", SUBMITTALS, "submittal", "title", {"number": "952",
         "formatted_number": "01 00 00-952", "status": {"id": 1, "name": "Open"}},
         lambda _, t: f"Submittal 01 00 00-952 - {t}", {"id": 2, "name": "Closed", "status": "Closed"}),
    Live("forms", "Forms", f"/rest/v1.0/projects/{PROJECT}/forms", "form", "name", {"status": "draft"},
         lambda i, t: f"Form {i} - {t}"),
    Live("observations", "Observations", f"/rest/v1.0/observations/items?project_id={PROJECT}", "observation",
         "name", {"number": "953", "status": "initiated"}, lambda _, t: f"Observation 953 - {t}"),
    Live("inspections", "Inspections", f"/rest/v1.0/projects/{PROJECT}/checklist/lists", "list", "name",
         {"number": 954, "status": "in_progress"}, lambda _, t: f"Inspection 954 - {t}"),
    Live("incidents", "Incidents", f"/rest/v1.0/projects/{PROJECT}/incidents", "incident", "title",
         {"number": 955, "status": "open"}, lambda _, t: f"Incident 955 - {t}"),
    Live("commitments", "Commitments", f"/rest/v1.0/purchase_order_contracts?project_id={PROJECT}",
         "purchase_order_contract", "title", {"number": "PO-956", "status": "Draft"}, lambda _, t: f"PO-956 - {t}",
         "Approved"),
]


def test_a_record_of_every_other_tool_created_edited_renamed_and_deleted_follows_live(
        records: tuple[Running, Onboarded, Onboarded, int]) -> None:
    """The RFI's steps (above) for each other tool with records people make, all tools at once per step."""
    run, ob, _, _ = records
    user = run.procore_client("user")
    graph = run.graph_session("user")
    made: dict[str, int] = {}
    for live in LIVE:
        body = {live.singular: {live.title: "Made live", **live.fields}}
        made[live.tool] = user.session.request("POST", live.url(), route="test", json=body).json()["id"]

    def pdf(live: Live, title: str) -> DriveItem | None:
        return _sp(run, ob, f"{live.folder}/{live.stem(made[live.tool], title)}.pdf")

    first = {live.tool: wait_for(lambda live=live: pdf(live, "Made live"), LIVE_TIMEOUT_S, f"the new {live.tool}")
             for live in LIVE}
    counts = {tool: _versions(run, item.id) for tool, item in first.items()}
    for live in LIVE:                                               # an edit: a new version of the same file
        user.session.request("PATCH", live.url(made[live.tool]), route="test",
                             json={live.singular: {"status": live.status}})
    shown = {live.tool: live.status["name"] if isinstance(live.status, dict) else live.status for live in LIVE}
    for live in LIVE:
        wait_for(lambda live=live: sp_fields.get_fields(graph, run.site["drive_id"], first[live.tool].id)
                 .get("ProcoreStatus") == shown[live.tool], LIVE_TIMEOUT_S, f"the {live.tool} edit")
        assert _versions(run, first[live.tool].id) > counts[live.tool], live.tool
    for live in LIVE:                                               # renamed in place
        user.session.request("PATCH", live.url(made[live.tool]), route="test",
                             json={live.singular: {live.title: "Renamed live"}})
    for live in LIVE:
        renamed = wait_for(lambda live=live: pdf(live, "Renamed live"), LIVE_TIMEOUT_S, f"the {live.tool} rename")
        assert renamed.id == first[live.tool].id, live.tool
    for live in LIVE:                                               # deleted: to the SharePoint recycle bin
        user.session.request("DELETE", live.url(made[live.tool]), route="test")
    for live in LIVE:
        wait_for(lambda live=live: pdf(live, "Renamed live") is None, LIVE_TIMEOUT_S, f"the {live.tool} delete")
    bin_path = f"/_emulator/recycle-bin?drive_id={run.site['drive_id']}"
    binned = {b["id"] for b in run.emulator("graph", bin_path)["value"]}
    assert {item.id for item in first.values()} <= binned


def test_a_new_drawing_revision_is_a_new_version_of_the_drawings_file(
        records: tuple[Running, Onboarded, Onboarded, int]) -> None:
    run, ob, _, _ = records
    user = run.procore_client("user")
    area = _get(user, AREAS)[0]
    drawing = _get(user, f"/rest/v1.1/drawing_areas/{area['id']}/drawings?project_id={PROJECT}")[0]
    rel = f"Drawings/{area['name']}/{drawing['number']} - {drawing['title']}.pdf"
    before = _sp(run, ob, rel)
    assert before is not None
    versions = _versions(run, before.id)
    user.session.request("POST", REVISIONS, route="test", json={"drawing_revision": {
        "title": drawing["title"], "drawing_id": drawing["id"], "number": drawing["number"], "revision_number": "7",
        "drawing_area": {"id": area["id"]}}})
    current = _get(user, f"/rest/v1.1/drawing_areas/{area['id']}/drawings?project_id={PROJECT}")[0]
    assert current["current_revision"]["revision_number"] == "7"
    new_hash = quickxor_of(user.downloads.iter_bytes(current["current_revision"]["pdf_url"]))
    after = wait_for(lambda: (i := _sp(run, ob, rel)) and i.quick_xor_hash == new_hash and i, LIVE_TIMEOUT_S,
                     "the new revision in SharePoint")
    assert after.id == before.id and _versions(run, after.id) > versions


def _binned(run: Running) -> set[str]:
    return {b["id"] for b in run.emulator("graph", f"/_emulator/recycle-bin?drive_id={run.site['drive_id']}")["value"]}


def test_a_drawing_created_revised_renamed_and_deleted_follows_live(
        records: tuple[Running, Onboarded, Onboarded, int]) -> None:
    """A drawing is made by its first revision; a new revision is a new version of its file; editing the current
    revision's number and title renames the file in place; recycling every revision recycles the file."""
    run, ob, _, _ = records
    user = run.procore_client("user")
    area = _get(user, AREAS)[-1]
    folder = f"Drawings/{area['name']}"
    first = user.session.request("POST", REVISIONS, route="test", json={"drawing_revision": {
        "title": "Roof plan", "number": "A-951", "revision_number": "1", "drawing_area": {"id": area["id"]}}}).json()
    made = wait_for(lambda: _sp(run, ob, f"{folder}/A-951 - Roof plan.pdf"), LIVE_TIMEOUT_S, "the new drawing")
    versions = _versions(run, made.id)
    second = user.session.request("POST", REVISIONS, route="test", json={"drawing_revision": {
        "title": "Roof plan", "number": "A-951", "revision_number": "2", "drawing_id": first["drawing_id"],
        "drawing_area": {"id": area["id"]}}}).json()
    new_hash = quickxor_of(user.downloads.iter_bytes(_get(user, f"{REVISIONS}/{second['id']}")["pdf_url"]))
    revised = wait_for(lambda: (i := _sp(run, ob, f"{folder}/A-951 - Roof plan.pdf")) and i.quick_xor_hash == new_hash
                       and i, LIVE_TIMEOUT_S, "the new revision as a new version")
    assert revised.id == made.id and _versions(run, made.id) > versions
    user.session.request("PATCH", f"{REVISIONS}/{second['id']}", route="test",      # renamed: number and title
                         json={"drawing_revision": {"number": "A-952", "title": "Roof plan east"}})
    renamed = wait_for(lambda: _sp(run, ob, f"{folder}/A-952 - Roof plan east.pdf"), LIVE_TIMEOUT_S, "the rename")
    assert renamed.id == made.id and _sp(run, ob, f"{folder}/A-951 - Roof plan.pdf") is None
    for revision in (second, first):                                                # every revision recycled
        user.session.request("DELETE", f"{REVISIONS}/{revision['id']}", route="test")
    wait_for(lambda: _sp(run, ob, f"{folder}/A-952 - Roof plan east.pdf") is None and
             _sp(run, ob, f"{folder}/A-951 - Roof plan.pdf") is None, LIVE_TIMEOUT_S, "the drawing's delete")
    assert made.id in _binned(run)


def _settings(run: Running, ob: Onboarded, **settings: Any) -> None:
    r = run.api.patch(f"/api/tenants/{ob.tenant_id}", json={"settings": settings}, headers=ob.auth)
    assert r.status_code == 200, r.text


def _skipped(run: Running, ob: Onboarded) -> dict[str, str]:
    return {s["procore_id"]: s["reason"] for s in link_status(run, ob)["skipped_items"] if s["tool"] == "rfis"}


def test_privacy_changed_later_brings_the_record_or_withdraws_it(
        records: tuple[Running, Onboarded, Onboarded, int]) -> None:
    """include_private turned on later brings a record skipped as private, turned off withdraws it (SharePoint
    recycle bin); a record made public in Procore arrives, made private again it is withdrawn."""
    run, ob, _, skipped_at_start = records
    user = run.procore_client("user")
    _patch_rfi(user, skipped_at_start, private=False)                 # skipped by the initial sync, public now
    record = _get(user, f"{RFIS}/{skipped_at_start}")
    wait_for(lambda: _sp(run, ob, f"RFIs/{RECORD_TOOLS[0].stem(record)}.pdf"), LIVE_TIMEOUT_S,
             "the RFI the initial sync skipped as private, made public")
    rfi = user.session.request("POST", RFIS, route="test", json={"rfi": {
        "subject": "Owner budget question", "number": "961", "status": "open", "question": "?",
        "private": True}}).json()
    rel = "RFIs/RFI 961 - Owner budget question.pdf"
    wait_for(lambda: _skipped(run, ob).get(f"{rfi['id']}:pdf") == "private in Procore", LIVE_TIMEOUT_S,
             "the private RFI skipped")
    assert _sp(run, ob, rel) is None
    try:
        _settings(run, ob, include_private=True)
        included = wait_for(lambda: _sp(run, ob, rel), LIVE_TIMEOUT_S, "the private RFI once private ones are included")
    finally:
        _settings(run, ob, include_private=False)
    wait_for(lambda: _sp(run, ob, rel) is None, LIVE_TIMEOUT_S, "the private RFI withdrawn once excluded again")
    assert included.id in _binned(run)
    _patch_rfi(user, rfi["id"], private=False)                         # made public in Procore
    public = wait_for(lambda: _sp(run, ob, rel), LIVE_TIMEOUT_S, "the RFI made public")
    _patch_rfi(user, rfi["id"], private=True)                          # and private again
    wait_for(lambda: _sp(run, ob, rel) is None, LIVE_TIMEOUT_S, "the RFI made private withdrawn")
    assert public.id in _binned(run)
    assert link_status(run, ob)["counts"]["failed"] == 0


def _graph_writes(run: Running) -> dict[str, int]:
    stats: dict[str, Any] = run.emulator("graph", "/_emulator/stats")
    routes: dict[str, int] = stats["clients"][run.doc["graph"]["app"]["client_id"]]["routes"]
    return {r: n for r, n in routes.items() if r.split(" ")[0] in ("POST", "PUT", "PATCH", "DELETE")}


def _reconcile(run: Running) -> None:
    r = run.api.post("/admin/functions/reconcile_links", json={"input": ""},
                     headers={"x-functions-key": run.doc["admin_key"]})
    assert r.status_code == 202, r.text


def test_with_every_webhook_dropped_reconciliation_brings_the_change_and_then_writes_nothing(
        records: tuple[Running, Onboarded, Onboarded, int]) -> None:
    run, ob, _, _ = records
    user = run.procore_client("user")
    run.emulator("procore", "/_emulator/notifications", {"drop_rate": 1.0})
    try:
        submittal = _get(user, SUBMITTALS)[0]
        path = f"{SUBMITTALS}/{submittal['id']}"
        user.session.request("PATCH", path, route="test", json={"submittal": {"title": "Concrete mix, resubmitted"}})
        record = _get(user, path)
        _reconcile(run)
        wait_for(lambda: _sp(run, ob, f"Submittals/{RECORD_TOOLS[1].stem(record)}.pdf"), LIVE_TIMEOUT_S,
                 "the dropped change through reconciliation")
    finally:
        run.emulator("procore", "/_emulator/notifications", {"drop_rate": 0.0})
    wait_quiet(run)
    before = _graph_writes(run)
    _reconcile(run)
    wait_quiet(run)
    assert _graph_writes(run) == before
