"""The eight one-way tools through the client: list (paging, changed since), show, attachments,
PDFs (real PDF files) and recycle bin, for every RecordToolSpec row."""

from __future__ import annotations

import io
import re
import time
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

from shared import errors
from shared.procore.client import ProcoreClient
from shared.procore.records import SPECS, TOOL_KEYS, RecordToolSpec, ToolRecord

EXPORT_WAIT_S = 30          # the emulator's export takes 0.3 s; generous under load
EXPECTED_TOOLS = {"rfis", "submittals", "drawings", "forms", "observations", "inspections", "incidents",
                  "commitments"}


def assert_valid_pdf(data: bytes) -> None:
    """Header, trailer, and every xref offset pointing at its `n 0 obj`."""
    assert data.startswith(b"%PDF-1.") and data.rstrip().endswith(b"%%EOF")
    startxref = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    assert data[startxref:startxref + 4] == b"xref"
    header = re.match(rb"xref\s+0 (\d+)\s+", data[startxref:])
    assert header
    count = int(header.group(1))
    table = data[startxref + header.end():]
    for n in range(1, count):
        offset = int(table[n * 20:n * 20 + 10])
        assert data[offset:].startswith(f"{n} 0 obj".encode())


def test_specs_cover_the_eight_tools() -> None:
    assert set(TOOL_KEYS) == EXPECTED_TOOLS


@pytest.mark.parametrize("spec", SPECS, ids=[s.kind for s in SPECS])
def test_list_show_pdf_and_attachments(app_client: ProcoreClient, spec: RecordToolSpec) -> None:
    records = list(app_client.records.list_changed(spec, 101))
    assert records, spec.kind
    shown = app_client.records.show(spec, 101, records[0].id)
    assert shown.id == records[0].id and shown.updated_at is not None
    sink = io.BytesIO()
    result = _download_pdf(app_client, spec, shown, sink)
    if spec.pdf == "none":
        assert result is None
    else:
        assert result is not None and result.size == len(sink.getvalue())
        assert_valid_pdf(sink.getvalue())
    with_attachments = [r for r in records if app_client.records.attachments(r)]
    assert with_attachments or spec.kind == "drawing_revisions"
    for record in with_attachments[:1]:
        att = app_client.records.attachments(record)[0]
        out = io.BytesIO()
        assert app_client.records.download_attachment(att, out).size == len(out.getvalue()) > 0


def _download_pdf(client: ProcoreClient, spec: RecordToolSpec, record: ToolRecord, sink: io.BytesIO) -> Any:
    """The record's PDF; the asynchronous export is polled as a queue would (each poll answers at once)."""
    deadline = time.monotonic() + EXPORT_WAIT_S
    while True:
        try:
            return client.records.download_pdf(spec, 101, record, sink)
        except errors.Unavailable:
            assert spec.pdf == "export" and time.monotonic() < deadline, "the export never finished"


def _create(client: ProcoreClient, path: str, key: str, fields: dict) -> dict:
    r = client.session.request("POST", path, route=path, json={key: fields})
    return r.json()


def test_changes_by_a_person_are_listed_since_the_watermark_and_deletes_go_to_the_recycle_bin(
        app_client: ProcoreClient, user_client: ProcoreClient) -> None:
    rfis = next(s for s in SPECS if s.kind == "rfis")
    since = datetime.now(timezone.utc)
    created = _create(user_client, "/rest/v1.0/projects/101/rfis", "rfi", {"subject": "New RFI from the field"})
    changed = list(app_client.records.list_changed(rfis, 101, since=since))
    assert [r.id for r in changed] == [created["id"]]
    user_client.session.request("DELETE", f"/rest/v1.0/projects/101/rfis/{created['id']}", route="x")
    assert created["id"] not in {r.id for r in app_client.records.list_changed(rfis, 101)}
    assert created["id"] in {r.id for r in app_client.records.recycle_bin(rfis, 101)}


def test_rfi_pdf_is_a_redirect_to_storage_without_the_token(app_client: ProcoreClient) -> None:
    rfis = next(s for s in SPECS if s.kind == "rfis")
    record = next(iter(app_client.records.list_changed(rfis, 101)))
    url = app_client.records.pdf_url(rfis, 101, record)
    assert url is not None
    first = httpx.get(url, headers={"Authorization": f"Bearer {app_client.session.tokens.token()}",
                                    "Procore-Company-Id": "1"})
    assert first.status_code == 302 and not first.headers["location"].startswith(app_client.session.base_url)


def test_commitments_of_both_kinds_and_their_recycle_bins(app_client: ProcoreClient,
                                                          user_client: ProcoreClient) -> None:
    for spec in (s for s in SPECS if s.tool == "commitments"):
        items = list(app_client.records.list_changed(spec, 101))
        assert items
        path = spec.show_path.format(id=items[0].id)
        user_client.session.request("DELETE", path, route=spec.show_path, params={"project_id": 101})
        assert items[0].id in {r.id for r in app_client.records.recycle_bin(spec, 101)}
        assert items[0].id not in {r.id for r in app_client.records.list_changed(spec, 101)}
