"""Issue 6 item 8, the safety net: with the Graph emulator dropping every change notification and the
Procore emulator dropping every webhook, a file made in SharePoint and one made in Procore (by the
*user* identities) still reach the other side, through the reconciliation timer alone (every 5 s
here), and once they have, the passes that keep running write nothing (cheap and idempotent).
Runs in both delivery modes (once, and every queue message delivered twice).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.graph import content as sp_content
from shared.graph import items as sp_items
from shared.procore.client import ProcoreClient
from shared.procore.models import DocumentItem
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from tests.support.e2e import (
    Onboarded,
    Running,
    onboard,
    pending_messages,
    quickxor_of,
    start_stack,
    wait_for,
    wait_regular,
)
from tests.support.live import DELIVERY, DELIVERY_MODES, TIMERS_OFF
from tests.support.trees import app_writes, host_log, notifications_settled, procore_bytes

PROJECT = 101
SCOPE = Scope.project(PROJECT)
EVERY_5_S = "*/5 * * * * *"
ARRIVAL_TIMEOUT_S = 30
PASS_TIMEOUT_S = 60      # a few 5-second passes, under load
# Every notification is lost here: one answered late (over 3 s, a loaded host) is not retried 30 s later,
# so none raised before the drop arrives after it; the test waits until those already raised are in.
NO_RETRIES = {"notification_retry_window_s": 0}
IN_FLIGHT_S = 30         # the emulator's 0.2 s batch window and one 3 s delivery, on a loaded machine


@pytest.fixture(scope="module", params=DELIVERY_MODES)
def stack(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, Onboarded]]:
    run = start_stack(tmp_path_factory.mktemp("reconcile"), seed_size="small",
                      host_env={**TIMERS_OFF, "PCSYNC_RECONCILE_SCHEDULE": EVERY_5_S,
                                **DELIVERY[request.param]})
    try:
        run.emulator("graph", "/_emulator/config", NO_RETRIES)
        ob = onboard(run, PROJECT)
        wait_regular(run, ob, timeout=180)
        yield run, ob
    finally:
        run.stop()


def _procore_file(user: ProcoreClient, name: str) -> DocumentItem | None:
    return next((i for i in user.documents.list_documents(SCOPE) if i.name == name and not i.is_folder), None)


def _writes(run: Running) -> tuple[dict[str, int], dict[str, int]]:
    """Write calls the product (the app identities) made so far: (Graph, Procore), by route template."""
    return app_writes(run)


def _delivered(run: Running) -> int:
    """Graph notifications actually POSTed to the product (not dropped)."""
    log = run.emulator("graph", "/_emulator/notifications/log")["deliveries"]
    return sum(1 for entry in log if entry["status"] != "dropped")


def _passes_done(run: Running) -> int:
    """Reconciliation passes the timer finished so far (the host's log)."""
    return host_log(run).count("Executed 'Functions.reconcile_links' (Succeeded")


def _after_passes(run: Running, count: int, what: str) -> None:
    """Wait until `count` more passes have finished and every queue step they started has run."""
    done = _passes_done(run)
    wait_for(lambda: _passes_done(run) >= done + count and not any(pending_messages(run).values()),
             PASS_TIMEOUT_S, what)


def test_changes_arrive_through_reconciliation_when_every_notification_is_lost(
        stack: tuple[Running, Onboarded], tmp_path: Path) -> None:
    run, ob = stack
    run.emulator("graph", "/_emulator/notifications", {"drop_rate": 1.0})
    run.emulator("procore", "/_emulator/notifications", {"drop_rate": 1.0})
    run.emulator("procore", "/_emulator/config", {"rate_spike_limit": 1_000_000})  # the test's own reads
    wait_for(lambda: notifications_settled(run) or None, IN_FLIGHT_S, "in-flight deliveries")
    user, graph = run.procore_client("user"), run.graph_session("user")
    drive = run.site["drive_id"]
    docs = sp_items.get_by_path(graph, drive, f"{ob.folder_path}/Documents")
    assert docs is not None
    delivered = _delivered(run)
    app = run.procore_client("app")
    hook_id = next(h.id for h in app.webhooks.list_hooks(SCOPE) if h.destination_url.endswith(ob.link_id))
    attempts = len(list(app.webhooks.deliveries(SCOPE, hook_id)))

    from_sp = b"written in SharePoint while Graph lost every notification\n" * 40
    sp_content.put_new_small(graph, drive, docs.id, "Missed Notification.txt", from_sp, "fail")
    from_procore = b"uploaded in Procore while every webhook was lost\n" * 40
    source = tmp_path / "missed.txt"
    source.write_bytes(from_procore)
    root = user.documents.root(SCOPE, exclude_files=True)
    user.documents.create_file(SCOPE, name="Missed Webhook.txt", parent_id=root.id,
                               upload_uuid=user.uploads.upload(SCOPE, FileSource(source), filename="m.txt").uuid)

    arrived = wait_for(lambda: _procore_file(user, "Missed Notification.txt"), ARRIVAL_TIMEOUT_S,
                       "the SharePoint file in Procore")
    assert procore_bytes(user, SCOPE, arrived.id) == from_sp
    in_sp = wait_for(lambda: sp_items.get_by_path(graph, drive, f"{ob.folder_path}/Documents/Missed Webhook.txt"),
                     ARRIVAL_TIMEOUT_S, "the Procore file in SharePoint")
    assert in_sp.quick_xor_hash == quickxor_of(iter([from_procore]))

    # Nothing was delivered: both changes came through the timer.
    assert _delivered(run) == delivered
    assert len(list(app.webhooks.deliveries(SCOPE, hook_id))) == attempts
    log = host_log(run)
    assert "reconcile_links" in log and "Reason='Timer fired" in log

    # Settled: more passes run (every 5 s) and none of them writes anything.
    _after_passes(run, 1, "a pass after the arrivals")
    before = _writes(run)
    _after_passes(run, 2, "two more passes")
    assert _writes(run) == before
    assert sum(1 for i in user.documents.list_documents(SCOPE) if i.name == "Missed Notification.txt") == 1
    sp_names = [c.name or "" for c in sp_items.iter_children(graph, drive, docs.id)]
    assert sum(1 for n in sp_names if n.startswith("Missed Webhook")) == 1, sp_names
