"""Subscriptions through the client, with a local HTTP receiver answering the validation handshake:
create/renew/delete, notifications batched with clientState, retries, degradation, lifecycle events,
and the create failing when the endpoint does not echo the token in time."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from shared import errors
from shared.graph import content, subscriptions
from shared.graph.models import DriveItem
from shared.graph.session import GraphSession
from tests.integration.graph.receiver import Receiver


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _cleanup(app: GraphSession) -> None:
    for sub in subscriptions.list_subscriptions(app):
        subscriptions.delete_subscription(app, sub.id)


def test_validation_handshake_and_notifications(app: GraphSession, user: GraphSession, drive_id: str,
                                                folder: DriveItem, receiver: Receiver,
                                                desc: dict[str, Any]) -> None:
    sub = subscriptions.create_subscription(app, drive_id, receiver.url, "s3cret-state",
                                            lifetime=dt.timedelta(days=2))
    try:
        assert len(receiver.validations) == 1 and receiver.validations[0].startswith("Validation:")
        assert sub.resource == f"drives/{drive_id}/root" and sub.change_type == "updated"
        content.put_new_small(user, drive_id, folder.id, "ping.txt", b"x")
        got = receiver.wait_for(lambda n: n["subscriptionId"] == sub.id)
        assert got, "no notification arrived"
        note = got[0]
        assert note["clientState"] == "s3cret-state" and note["tenantId"] == desc["tenant_id"]
        assert note["resource"] == f"drives/{drive_id}/root" and note["changeType"] == "updated"
        assert note["resourceData"]["@odata.type"] == "#Microsoft.Graph.DriveItem"
        assert "subscriptionExpirationDateTime" in note and "id" not in note["resourceData"]
        renewed = subscriptions.renew_subscription(app, sub.id, dt.timedelta(days=10))
        assert renewed is not None and renewed.expiration > sub.expiration
    finally:
        subscriptions.delete_subscription(app, sub.id)
    assert subscriptions.renew_subscription(app, sub.id) is None          # gone: recreate it


def test_failed_handshakes_fail_the_create(app: GraphSession, drive_id: str, receiver: Receiver) -> None:
    for mode, needle in (("wrong", "failed"), ("fail", "failed"), ("slow", "timed out")):
        receiver.validation_mode = mode
        with pytest.raises(errors.Unavailable) as exc:
            subscriptions.create_subscription(app, drive_id, receiver.url, "x")
        assert "400" in str(exc.value) and needle in str(exc.value)
    assert subscriptions.list_subscriptions(app) == []


def test_only_drive_roots_and_updated(raw: httpx.Client, drive_id: str, folder: DriveItem,
                                      receiver: Receiver) -> None:
    expiry = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)).isoformat()
    base = {"notificationUrl": receiver.url, "expirationDateTime": expiry, "clientState": "x"}
    sub_folder = raw.post("/subscriptions", json=base | {"changeType": "updated",
                                                          "resource": f"drives/{drive_id}/items/{folder.id}"})
    assert sub_folder.status_code == 400 and sub_folder.json()["error"]["code"] == "InvalidRequest"
    created = raw.post("/subscriptions", json=base | {"changeType": "created",
                                                      "resource": f"drives/{drive_id}/root"})
    assert created.status_code == 400
    too_long = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=42301)).isoformat()
    far = raw.post("/subscriptions", json=base | {"changeType": "updated", "expirationDateTime": too_long,
                                                  "resource": f"drives/{drive_id}/root"})
    assert far.status_code == 400 and "42300" in far.json()["error"]["message"]
    assert receiver.validations == []                  # rejected before any handshake


def test_retries_until_delivered(app: GraphSession, drive_id: str, folder: DriveItem, receiver: Receiver,
                                 control: httpx.Client) -> None:
    sub = subscriptions.create_subscription(app, drive_id, receiver.url, "retry")
    try:
        receiver.fail_next = 2
        content.put_new_small(app, drive_id, folder.id, "r.txt", b"x")
        assert receiver.wait_for(lambda n: n["subscriptionId"] == sub.id, timeout=5)
        log = control.get("/notifications/log").json()["deliveries"]
        attempts = [d for d in log if d.get("url") == receiver.url and d.get("status") == 500]
        assert len(attempts) >= 2
    finally:
        subscriptions.delete_subscription(app, sub.id)


def test_slow_endpoint_is_retried(app: GraphSession, drive_id: str, folder: DriveItem, receiver: Receiver,
                                  control: httpx.Client) -> None:
    sub = subscriptions.create_subscription(app, drive_id, receiver.url, "slow")
    try:
        receiver.delay_s = 1.5                     # over the (test-shortened) 1 s delivery timeout
        content.put_new_small(app, drive_id, folder.id, "slow.txt", b"x")
        receiver.wait_for(lambda n: n["subscriptionId"] == sub.id, timeout=4)
        receiver.delay_s = 0
        log = control.get("/notifications/log").json()["deliveries"]
        assert any(d.get("url") == receiver.url and d.get("status") == "ReadTimeout" for d in log)
    finally:
        subscriptions.delete_subscription(app, sub.id)


def test_dropped_notifications_switch(app: GraphSession, drive_id: str, folder: DriveItem,
                                      receiver: Receiver, control: httpx.Client) -> None:
    sub = subscriptions.create_subscription(app, drive_id, receiver.url, "drop")
    control.post("/notifications", json={"drop_rate": 1.0}).raise_for_status()
    try:
        content.put_new_small(app, drive_id, folder.id, "d.txt", b"x")
        assert receiver.wait_for(lambda n: n["subscriptionId"] == sub.id, timeout=0.5) == []
    finally:
        control.post("/notifications", json={"drop_rate": 0.0}).raise_for_status()
        subscriptions.delete_subscription(app, sub.id)


def test_pending_notifications_are_counted_until_delivered(app: GraphSession, drive_id: str, folder: DriveItem,
                                                           receiver: Receiver, control: httpx.Client) -> None:
    """GET /notifications counts the notifications queued or in flight, so a test can wait for none."""
    sub = subscriptions.create_subscription(app, drive_id, receiver.url, "pending")
    control.post("/notifications", json={"delay_ms": 500}).raise_for_status()
    try:
        content.put_new_small(app, drive_id, folder.id, "pending.txt", b"x")
        assert control.get("/notifications").json()["pending"] >= 1   # due in half a second
        assert receiver.wait_for(lambda n: n["subscriptionId"] == sub.id, timeout=5)
        deadline = time.monotonic() + 5
        while control.get("/notifications").json()["pending"]:
            assert time.monotonic() < deadline, "a delivered notification still counted as pending"
            time.sleep(0.05)
    finally:
        control.post("/notifications", json={"delay_ms": 0}).raise_for_status()
        subscriptions.delete_subscription(app, sub.id)


def test_lifecycle_reauthorization_required(app: GraphSession, drive_id: str, control: httpx.Client) -> None:
    main, lifecycle = Receiver(), Receiver()
    try:
        sub = subscriptions.create_subscription(app, drive_id, main.url, "life", lifecycle_url=lifecycle.url)
        assert len(lifecycle.validations) == 1
        control.post(f"/subscriptions/{sub.id}/lifecycle",
                     json={"event": "reauthorizationRequired"}).raise_for_status()
        events = lifecycle.wait_for(lambda n: n.get("lifecycleEvent") == "reauthorizationRequired")
        assert events and events[0]["subscriptionId"] == sub.id and events[0]["clientState"] == "life"
        subscriptions.delete_subscription(app, sub.id)
    finally:
        main.close()
        lifecycle.close()


def test_expired_subscription_disappears(app: GraphSession, drive_id: str, receiver: Receiver,
                                         control: httpx.Client) -> None:
    sub = subscriptions.create_subscription(app, drive_id, receiver.url, "exp")
    control.post(f"/subscriptions/{sub.id}/expire").raise_for_status()
    assert subscriptions.renew_subscription(app, sub.id) is None
    _cleanup(app)


def test_duplicated_notifications_switch(app: GraphSession, drive_id: str, folder: DriveItem,
                                         receiver: Receiver, control: httpx.Client) -> None:
    sub = subscriptions.create_subscription(app, drive_id, receiver.url, "dup")
    control.post("/notifications", json={"duplicate_rate": 1.0}).raise_for_status()
    try:
        content.put_new_small(app, drive_id, folder.id, "dup.txt", b"x")
        deadline = time.monotonic() + 3
        while len(receiver.wait_for(lambda n: n["subscriptionId"] == sub.id, timeout=0.2)) < 2:
            assert time.monotonic() < deadline, "no duplicate delivered"
    finally:
        control.post("/notifications", json={"duplicate_rate": 0.0}).raise_for_status()
        subscriptions.delete_subscription(app, sub.id)
