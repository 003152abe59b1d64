"""The one retry policy against the emulator's throttling switches: short Retry-After waits are
honoured and retried (POST included: a throttled request was not executed), long ones raise
Throttled with the wait, the throttle state is observable, 5xx retries only idempotent calls."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from shared import errors
from shared.graph import items, sites
from shared.graph.models import DriveItem
from shared.graph.session import GraphSession
from shared.graph.throttle import ThrottleState
from tests.integration.graph.conftest import graph_config


def test_short_retry_after_is_honoured(app: GraphSession, desc: dict[str, Any], control: httpx.Client) -> None:
    control.post("/throttle", json={"status": 429, "retry_after": 1, "count": 2,
                                    "match": "^GET /sites/"}).raise_for_status()
    started = time.monotonic()
    assert sites.get_site(app, desc["sites"][0]["id"]).id == desc["sites"][0]["id"]
    assert time.monotonic() - started >= 2.0
    assert app.throttle.throttle_events == 2 and app.throttle.last_retry_after_s == 1.0
    assert app.throttle.last_status == 200


def test_503_then_post_is_retried(app: GraphSession, drive_id: str, folder: DriveItem,
                                  control: httpx.Client) -> None:
    control.post("/throttle", json={"status": 503, "retry_after": 1, "count": 1,
                                    "match": "^POST .*/children$"}).raise_for_status()
    made = items.create_folder(app, drive_id, folder.id, "after-503")
    assert made.name == "after-503"
    assert [i.name for i in items.iter_children(app, drive_id, folder.id)] == ["after-503"]   # once


def test_long_retry_after_raises_throttled(desc: dict[str, Any], control: httpx.Client) -> None:
    seen: list[ThrottleState] = []
    with GraphSession(graph_config(desc), on_throttle=seen.append) as session:
        control.post("/throttle", json={"status": 429, "retry_after": 120, "count": 1,
                                        "match": "^GET /sites/"}).raise_for_status()
        with pytest.raises(errors.Throttled) as exc:
            sites.get_site(session, desc["sites"][0]["id"])
        assert exc.value.retry_after == 120
        assert len(seen) == 1 and seen[0].throttled_until is not None
        with pytest.raises(errors.Throttled):       # the whole session now waits: no call is made
            sites.get_site(session, desc["sites"][0]["id"])


def test_random_faults_are_absorbed(app: GraphSession, desc: dict[str, Any], control: httpx.Client) -> None:
    control.post("/faults", json={"error_rate": 0.25, "statuses": [500, 503], "seed": 7}).raise_for_status()
    try:
        for _ in range(6):
            assert sites.get_site(app, desc["sites"][0]["id"]).id == desc["sites"][0]["id"]
    finally:
        control.post("/faults", json={"error_rate": 0.0}).raise_for_status()


def test_5xx_is_not_retried_for_post(app: GraphSession, drive_id: str, folder: DriveItem,
                                     control: httpx.Client) -> None:
    control.post("/faults", json={"error_rate": 1.0, "statuses": [500], "seed": 1}).raise_for_status()
    try:
        with pytest.raises(errors.Unavailable):
            items.create_folder(app, drive_id, folder.id, "never")
    finally:
        control.post("/faults", json={"error_rate": 0.0}).raise_for_status()
