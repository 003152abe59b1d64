"""Issue 16, traces, logs, metrics and the digest: one live Procore change and one live SharePoint change,
each followed through the local exporter (the stack's telemetry.jsonl) as one trace from the receiver's
request through every queue step and API call to the record step, under the operation id its activity event
names; a change whose webhook was lost, followed from the check timer's run to its record; the operator
metrics they produce; and the weekly digest in the Graph emulator's mailbox (and none
while the tenant has turned it off). The log scan is test_log_scan.py, after every other shared module.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from devhost.stack import TELEMETRY_FILE
from shared.graph import content as sp_content
from shared.graph import items as sp_items
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from tests.support.e2e import Onboarded, Running, sent_mail, wait_for, wait_quiet
from tests.support.live import live_fixture
from tests.support.trees import activity, host_log, notifications_settled, procore_item

PROJECT = 131   # its own project on the shared stack (tests/support/live.py)
SCOPE = Scope.project(PROJECT)
LIVE_TIMEOUT_S = 90
MARKER = "pcsync-file-content-" + secrets.token_hex(12)

live = live_fixture("observe", PROJECT)


def _telemetry(run: Running) -> list[dict[str, Any]]:
    path = run.stack.state_dir / TELEMETRY_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _operation_of(run: Running, ob: Onboarded, item: str) -> str | None:
    """The operation id of the item's newest `synced` activity event (a new file: its kind is `created`)."""
    for event in activity(run, ob):
        if event["event"] == "synced" and event.get("item") == item and event.get("operation_id"):
            assert event["kind"] == "created", event
            return str(event["operation_id"])
    return None


def _complete_trace(run: Running, operation_id: str) -> list[dict[str, Any]] | None:
    """The trace's spans once its record step and every span's parent were exported."""
    spans = [r for r in _telemetry(run) if r["type"] == "span" and r["trace_id"] == operation_id]
    ids = {s["span_id"] for s in spans}
    recorded = any(s["name"] == "record" for s in spans)
    connected = all(s["parent_id"] is None or s["parent_id"] in ids for s in spans)
    return spans if recorded and connected and any(s["parent_id"] is None for s in spans) else None


def _assert_one_trace(run: Running, ob: Onboarded, spans: list[dict[str, Any]], receiver: str,
                      first_step: str, services: set[str]) -> None:
    root = _root(spans)
    assert root["name"].startswith(f"POST /api/webhooks/{receiver}"), root
    steps = {s["name"] for s in spans if s["kind"] == "CONSUMER"}
    assert first_step in steps, steps
    assert any(name.startswith("transfer ") for name in steps), steps   # a second queue hop: the transfer
    for step in (s for s in spans if s["kind"] == "CONSUMER" and s["name"] != "live-changes GraphNotices"):
        assert step["attributes"].get("tenant_id") == ob.tenant_id, step
        assert step["attributes"].get("link_id") == ob.link_id, step
    called = {s["attributes"].get("peer.service") for s in spans if s["kind"] == "CLIENT"}
    assert services <= called, called
    for call in (s for s in spans if s["kind"] == "CLIENT"):
        assert "?" not in call["name"] and "://" not in call["name"], call   # route templates, never URLs
    record = next(s for s in spans if s["name"] == "record")
    by_id = {s["span_id"]: s for s in spans}
    chain, at = [], record
    while at["parent_id"] is not None:
        at = by_id[at["parent_id"]]
        chain.append(at["name"])
    assert chain[-1] == root["name"] and any(n.startswith("transfer ") for n in chain), chain
    logs = [r for r in _telemetry(run) if r["type"] == "log" and r["trace_id"] == root["trace_id"]]
    assert any(r["attributes"].get("tenant_id") == ob.tenant_id and r["attributes"].get("link_id") == ob.link_id
               and r["attributes"].get("operation_id") == root["trace_id"] for r in logs), logs[:5]


def _root(spans: list[dict[str, Any]]) -> dict[str, Any]:
    roots = [s for s in spans if s["parent_id"] is None]
    assert len(roots) == 1, [r["name"] for r in roots]
    assert roots[0]["kind"] == "SERVER", roots[0]
    return roots[0]


def test_a_procore_change_is_one_trace_from_webhook_to_record(live: tuple[Running, Onboarded],
                                                               tmp_path: Path) -> None:
    run, ob = live
    user = run.procore_client("user")
    root = user.documents.root(SCOPE, exclude_files=True)
    data = f"{MARKER} from Procore\n".encode() * 40
    source = tmp_path / "traced.txt"
    source.write_bytes(data)
    uuid = user.uploads.upload(SCOPE, FileSource(source), filename="Traced in Procore.txt").uuid
    doc = user.documents.create_file(SCOPE, name="Traced in Procore.txt", parent_id=root.id, upload_uuid=uuid)

    operation = wait_for(lambda: _operation_of(run, ob, str(doc.id)), LIVE_TIMEOUT_S,
                         "the synced event of the Procore file, with its operation id")
    spans = wait_for(lambda: _complete_trace(run, operation), LIVE_TIMEOUT_S, "the whole trace in the exporter")
    _assert_one_trace(run, ob, spans, "procore/", "live-changes ProcoreChange", {"procore", "graph"})


def test_a_sharepoint_change_is_one_trace_from_notification_to_record(live: tuple[Running, Onboarded]) -> None:
    run, ob = live
    graph = run.graph_session("user")
    drive = run.site["drive_id"]
    docs = sp_items.get_by_path(graph, drive, f"{ob.folder_path}/Documents")
    assert docs is not None
    data = f"{MARKER} from SharePoint\n".encode() * 40
    sp_content.put_new_small(graph, drive, docs.id, "Traced in SharePoint.txt", data, "fail")
    user = run.procore_client("user")
    created = wait_for(lambda: procore_item(user, SCOPE, "Traced in SharePoint.txt"), LIVE_TIMEOUT_S,
                       "the SharePoint file in Procore")

    operation = wait_for(lambda: _operation_of(run, ob, str(created.id)), LIVE_TIMEOUT_S,
                         "the synced event of the SharePoint file, with its operation id")
    spans = wait_for(lambda: _complete_trace(run, operation), LIVE_TIMEOUT_S, "the whole trace in the exporter")
    _assert_one_trace(run, ob, spans, "graph", "live-changes GraphNotices", {"graph", "procore"})


def test_a_change_found_by_the_check_timer_is_one_trace_from_the_timer_run_to_record(
        live: tuple[Running, Onboarded], tmp_path: Path) -> None:
    """Its webhook lost, a Procore change is found by the check timer's watermark pass: the timer run is the
    trace's root span, and the link's check step, the transfer and the record continue it."""
    run, ob = live
    user = run.procore_client("user")
    root = user.documents.root(SCOPE, exclude_files=True)
    source = tmp_path / "found.txt"
    source.write_bytes(f"{MARKER} found by the timer\n".encode() * 40)
    run.emulator("procore", "/_emulator/notifications", {"drop_rate": 1.0})
    try:
        wait_for(lambda: notifications_settled(run) or None, LIVE_TIMEOUT_S, "deliveries in flight to settle")
        uuid = user.uploads.upload(SCOPE, FileSource(source), filename="Found by the timer.txt").uuid
        doc = user.documents.create_file(SCOPE, name="Found by the timer.txt", parent_id=root.id, upload_uuid=uuid)
        wait_for(lambda: notifications_settled(run) or None, LIVE_TIMEOUT_S, "the dropped webhook to settle")
    finally:
        run.emulator("procore", "/_emulator/notifications", {"drop_rate": 0.0})
    assert _operation_of(run, ob, str(doc.id)) is None        # nothing came in but the timer's run below
    _run_timer(run, "check_links")

    operation = wait_for(lambda: _operation_of(run, ob, str(doc.id)), LIVE_TIMEOUT_S,
                         "the synced event of the file the timer found, with its operation id")
    spans = wait_for(lambda: _complete_trace(run, operation), LIVE_TIMEOUT_S, "the whole trace in the exporter")
    timer = _root(spans)
    assert timer["name"] == "timer check_links" and timer["attributes"].get("faas.trigger") == "timer", timer
    by_id = {s["span_id"]: s for s in spans}

    def chain_of(span: dict[str, Any]) -> list[dict[str, Any]]:
        chain = []
        while span["parent_id"] is not None:
            span = by_id[span["parent_id"]]
            chain.append(span)
        return chain

    # the timer run fans out to every link on the shared stack: follow this link's record up to the root
    ours = [chain for chain in (chain_of(s) for s in spans if s["name"] == "record")
            if any(c["attributes"].get("link_id") == ob.link_id for c in chain)]
    assert ours, [s["name"] for s in spans]
    names = [c["name"] for c in ours[0]]
    assert names[-1] == "timer check_links" and "live-changes CheckLink" in names, names
    assert any(n.startswith("transfer ") for n in names), names
    check = next(c for c in ours[0] if c["name"] == "live-changes CheckLink")
    assert check["attributes"].get("tenant_id") == ob.tenant_id and check["attributes"].get("link_id") == ob.link_id
    called = {s["attributes"].get("peer.service") for s in spans if s["kind"] == "CLIENT"}
    assert {"procore", "graph"} <= called, called


def test_operator_metrics_reach_the_exporter(live: tuple[Running, Onboarded]) -> None:
    """Sync latency per direction (from the two changes above) and queue depth per queue (the timer, run
    through the host's admin API: the shared stack's timers are off)."""
    run, _ = live
    _run_timer(run, "measure_queues")

    def seen() -> set[tuple[str, str]] | None:
        got = {(r["name"], str(r["attributes"].get("direction") or r["attributes"].get("queue")))
               for r in _telemetry(run) if r["type"] == "metric"}
        want = {("pcsync.sync.latency", "procore_to_sharepoint"), ("pcsync.sync.latency", "sharepoint_to_procore"),
                ("pcsync.queue.depth", "live-changes"), ("pcsync.queue.poison", "live-changes-poison")}
        return got if want <= got else None

    wait_for(seen, 120, "latency per direction and queue depth per queue in the exported metrics")


def _run_timer(run: Running, name: str) -> None:
    """Run a timer function now (the host's admin API) and wait until it has finished."""
    done = f"Executed 'Functions.{name}' (Succeeded"
    before = host_log(run).count(done)
    resp = run.api.post(f"/admin/functions/{name}", json={"input": ""},
                        headers={"x-functions-key": run.doc["admin_key"]})
    assert resp.status_code == 202, resp.text
    wait_for(lambda: host_log(run).count(done) > before, 60, f"the {name} timer to run")
    wait_quiet(run, timeout=120, deferred_ok=True)


def _digests(run: Running, ob: Onboarded) -> list[str]:
    """Bodies of the digests in the mailbox that are about this module's link (every tenant is 'Acme Builders')."""
    bodies = [str(m.get("body", {}).get("content", "")) for m in sent_mail(run, "user")
              if str(m.get("subject", "")).startswith("Weekly sync digest for ")]
    return [b for b in bodies if ob.folder_path in b]


def test_the_weekly_digest_is_mailed_unless_the_tenant_turned_it_off(live: tuple[Running, Onboarded]) -> None:
    run, ob = live
    off = run.api.patch(f"/api/tenants/{ob.tenant_id}", json={"settings": {"weekly_digest": False}}, headers=ob.auth)
    assert off.status_code == 200, off.text
    assert off.json()["settings"]["weekly_digest"] is False
    _run_timer(run, "weekly_digest")
    assert _digests(run, ob) == []

    on = run.api.patch(f"/api/tenants/{ob.tenant_id}", json={"settings": {"weekly_digest": True}}, headers=ob.auth)
    assert on.status_code == 200, on.text
    _run_timer(run, "weekly_digest")
    (body,) = wait_for(lambda: _digests(run, ob) or None, 60, "this tenant's digest in the mailbox")
    synced = [line for line in body.splitlines() if line.strip().startswith("Synced: ")]
    assert len(synced) == 1 and "documents" in synced[0], body
    count = int(synced[0].split("documents ")[1].split(",")[0])
    assert count >= 2, body   # at least the two traced files of this module, one each way
    assert f"Procore project {PROJECT}" in body and "weekly_digest" in body
