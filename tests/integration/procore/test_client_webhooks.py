"""Webhooks: hook/trigger management through the client, and deliveries from the emulator's worker."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from emulators.procore.server import RunningEmulator
from shared import errors
from shared.procore.client import ProcoreClient
from shared.procore.scope import Scope
from shared.procore.webhooks import WebhookPayload

from .conftest import control_of
from .receiver import Receiver

P101 = Scope.project(101)
SECRET = "Bearer hook-secret-123"


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def test_hook_and_trigger_management(app_client: ProcoreClient, receiver: Receiver) -> None:
    wh = app_client.webhooks
    hook = wh.create_hook(P101, namespace="pcsync-test-mgmt", destination_url=receiver.url, authorization=SECRET)
    assert hook.owned_by_project_id == 101 and hook.destination_headers == {"Authorization": SECRET}
    triggers = wh.create_triggers(P101, hook.id, [("Project Files", "create"), ("Project Files", "update"),
                                                  ("RFIs", "update")])
    assert {(t.resource_name, t.event_type) for t in wh.list_triggers(P101, hook.id)} == {
        ("Project Files", "create"), ("Project Files", "update"), ("RFIs", "update")}
    wh.delete_trigger(P101, hook.id, triggers[2].id)
    assert len(wh.list_triggers(P101, hook.id)) == 2
    rotated = wh.update_hook(P101, hook.id, authorization="Bearer rotated")
    assert rotated.destination_headers == {"Authorization": "Bearer rotated"}
    assert hook.id in {h.id for h in wh.list_hooks(P101, namespace="pcsync-test-mgmt")}
    with pytest.raises(errors.InvariantBroken):                 # refused: unknown resource name
        wh.create_triggers(P101, hook.id, [("Project Filez", "create")])
    wh.delete_hook(P101, hook.id)
    assert hook.id not in {h.id for h in wh.list_hooks(P101)}


def test_a_change_by_the_user_reaches_the_receiver_as_a_v2_payload(
        app_client: ProcoreClient, user_client: ProcoreClient, receiver: Receiver) -> None:
    hook = app_client.webhooks.create_hook(P101, namespace="pcsync-test-user", destination_url=receiver.url,
                                           authorization=SECRET)
    app_client.webhooks.create_triggers(P101, hook.id, [("Project Folders", "create"),
                                                        ("Project Folders", "update")])
    folder = user_client.documents.create_folder(P101, "Made By A Person")
    headers, body = receiver.wait_for(1)[0]
    payload = WebhookPayload.model_validate(body)
    assert headers["Authorization"] == SECRET and headers["Content-Type"] == "application/json"
    assert payload.api_version == "v2.0"
    assert (payload.resource_name, payload.event_type, payload.resource_id) == ("Project Folders", "create", folder.id)
    assert payload.metadata.source_application_id == "field-user-client"
    assert payload.user_id == 3001 and payload.project_id == 101 and payload.company_id == 1
    app_client.documents.update_folder(P101, folder.id, name="Renamed By The Sync")
    _, own = receiver.wait_for(2)[1]
    assert own["event_type"] == "update" and own["metadata"]["source_application_id"] == "pcsync-app-client"
    app_client.webhooks.delete_hook(P101, hook.id)


def test_a_failing_receiver_gets_retries_with_backoff(fresh_emu: RunningEmulator,
                                                      client_factory: Callable[..., ProcoreClient]) -> None:
    control_of(fresh_emu).config(webhook_retry_base_s=0.2)
    receiver = Receiver(fail_first=2)
    try:
        app = client_factory("app", target=fresh_emu)
        user = client_factory("user", target=fresh_emu)
        hook = app.webhooks.create_hook(P101, namespace="pcsync-retry", destination_url=receiver.url,
                                        authorization=SECRET)
        app.webhooks.create_triggers(P101, hook.id, [("Project Folders", "create")])
        started = time.monotonic()
        folder = user.documents.create_folder(P101, "Retried Folder")
        got = receiver.wait_for(3)
        assert time.monotonic() - started >= 0.2 + 0.4          # 0.2 s then 0.4 s pauses
        assert len({b["id"] for _, b in got}) == 1 and got[0][1]["resource_id"] == folder.id
        time.sleep(0.1)
        outcomes = [d.outcome for d in app.webhooks.deliveries(P101, hook.id, page_size=2)]
        assert outcomes == ["retried", "retried", "ok"]
        failing = list(app.webhooks.deliveries(P101, hook.id, status="failing"))
        assert len(failing) == 2 and all(d.response_status == 500 for d in failing)
    finally:
        receiver.close()


def test_company_hook_hears_company_documents(app_client: ProcoreClient, user_client: ProcoreClient,
                                              receiver: Receiver) -> None:
    company = Scope.company(1)
    hook = app_client.webhooks.create_hook(company, namespace="pcsync-test-company", destination_url=receiver.url,
                                           authorization=SECRET)
    app_client.webhooks.create_triggers(company, hook.id, [("Company Folders", "create")])
    folder = user_client.documents.create_folder(company, "Company Level Folder")
    _, body = receiver.wait_for(1)[0]
    assert body["resource_name"] == "Company Folders" and body["resource_id"] == folder.id
    assert body["project_id"] is None
    app_client.webhooks.delete_hook(company, hook.id)


class SlowReceiver(Receiver):
    """Answers after `delay` seconds (longer than the emulator's delivery timeout)."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        handler = self.server.RequestHandlerClass
        original = handler.do_POST  # type: ignore[attr-defined]

        def slow(h: object) -> None:
            time.sleep(delay)
            original(h)

        handler.do_POST = slow  # type: ignore[attr-defined]


def test_a_receiver_slower_than_the_timeout_counts_as_failed(fresh_emu: RunningEmulator,
                                                             client_factory: Callable[..., ProcoreClient]) -> None:
    control_of(fresh_emu).config(webhook_timeout_s=0.3, webhook_retry_base_s=30)
    receiver = SlowReceiver(delay=1.0)
    try:
        app = client_factory("app", target=fresh_emu)
        hook = app.webhooks.create_hook(P101, namespace="pcsync-slow", destination_url=receiver.url,
                                        authorization=SECRET)
        app.webhooks.create_triggers(P101, hook.id, [("Project Folders", "create")])
        client_factory("user", target=fresh_emu).documents.create_folder(P101, "Slow Receiver Folder")
        deadline = time.monotonic() + 5
        attempts = []
        while not attempts and time.monotonic() < deadline:
            attempts = list(app.webhooks.deliveries(P101, hook.id))
            time.sleep(0.05)
        assert attempts[0].outcome == "retried" and "Timeout" in (attempts[0].response_error or "")
    finally:
        receiver.close()


def test_notification_degradation_duplicates_and_drops(fresh_emu: RunningEmulator,
                                                       client_factory: Callable[..., ProcoreClient]) -> None:
    control = control_of(fresh_emu)
    receiver = Receiver()
    try:
        app = client_factory("app", target=fresh_emu)
        user = client_factory("user", target=fresh_emu)
        hook = app.webhooks.create_hook(P101, namespace="pcsync-degraded", destination_url=receiver.url,
                                        authorization=SECRET)
        app.webhooks.create_triggers(P101, hook.id, [("Project Folders", "create")])
        control.post("/notifications", {"duplicate_rate": 1.0, "delay_ms": 200})
        started = time.monotonic()
        user.documents.create_folder(P101, "Twice Delivered")
        got = receiver.wait_for(2)
        assert time.monotonic() - started >= 0.2
        assert got[0][1]["ulid"] == got[1][1]["ulid"]              # the same event, at least once
        control.post("/notifications", {"drop_rate": 1.0})
        user.documents.create_folder(P101, "Never Delivered")
        time.sleep(0.5)
        assert len(receiver.received) == 2
    finally:
        receiver.close()


def test_pending_deliveries_are_counted_until_they_land(fresh_emu: RunningEmulator,
                                                        client_factory: Callable[..., ProcoreClient]) -> None:
    """GET /_emulator/notifications counts the deliveries queued or retrying, so a test can wait for none."""
    control = control_of(fresh_emu)
    control.config(webhook_retry_base_s=0.3)
    receiver = Receiver(fail_first=2)
    try:
        app = client_factory("app", target=fresh_emu)
        hook = app.webhooks.create_hook(P101, namespace="pcsync-pending", destination_url=receiver.url,
                                        authorization=SECRET)
        app.webhooks.create_triggers(P101, hook.id, [("Project Folders", "create")])
        assert control.get("/notifications")["pending"] == 0
        client_factory("user", target=fresh_emu).documents.create_folder(P101, "Counted While Retried")
        assert control.get("/notifications")["pending"] == 1      # the first attempt fails: retried in 0.3 s
        assert receiver.wait_for(1)
        deadline = time.monotonic() + 5
        while control.get("/notifications")["pending"]:
            assert time.monotonic() < deadline, "a delivered event still counted as pending"
            time.sleep(0.05)
    finally:
        receiver.close()


def test_events_are_discarded_after_the_failure_window(fresh_emu: RunningEmulator,
                                                       client_factory: Callable[..., ProcoreClient]) -> None:
    control_of(fresh_emu).config(webhook_retry_base_s=0.1, webhook_discard_after_s=0.5)
    receiver = Receiver(fail_first=10_000)
    try:
        app = client_factory("app", target=fresh_emu)
        hook = app.webhooks.create_hook(P101, namespace="pcsync-discard", destination_url=receiver.url,
                                        authorization=SECRET)
        app.webhooks.create_triggers(P101, hook.id, [("Project Folders", "create")])
        client_factory("user", target=fresh_emu).documents.create_folder(P101, "Discarded")
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            if list(app.webhooks.deliveries(P101, hook.id, status="discarded")):
                break
            time.sleep(0.1)
        assert len(list(app.webhooks.deliveries(P101, hook.id, status="discarded"))) == 1
        assert len(receiver.received) >= 2
    finally:
        receiver.close()


def test_v4_hooks_get_v4_payloads(app_client: ProcoreClient, user_client: ProcoreClient, receiver: Receiver) -> None:
    hook = app_client.webhooks.create_hook(P101, namespace="pcsync-test-v4", destination_url=receiver.url,
                                           authorization=SECRET, api_version="v4.0")
    app_client.webhooks.create_triggers(P101, hook.id, [("Project Folders", "create")])
    folder = user_client.documents.create_folder(P101, "V4 Folder")
    _, body = receiver.wait_for(1)[0]
    assert set(body) == {"id", "timestamp", "reason", "company_id", "project_id", "user_id", "resource_type",
                         "resource_id", "data"}
    assert body["resource_id"] == str(folder.id) and body["reason"] == "create" and body["project_id"] == "101"
    app_client.webhooks.delete_hook(P101, hook.id)
