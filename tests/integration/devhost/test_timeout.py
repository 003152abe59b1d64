"""functionTimeout through the real host process: set by the app setting that overrides host.json
(`AzureFunctionsJobHost__functionTimeout`, as on Azure), an invocation past it fails its message, which
is retried and finally poisoned like any failure; one within it succeeds."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest

from tests.integration.devhost.conftest import RunningHost, drain_queue, launch_host, pipeline_settings, queue, wait_for

MASTER = "master-key-for-tests"


@pytest.fixture(scope="module")
def timed(azurite_conn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHost]:
    settings = pipeline_settings(AzureFunctionsJobHost__functionTimeout="00:00:01")
    host = launch_host("pipeline", tmp_path_factory.mktemp("timeout"), azurite_conn, settings,
                       "--master-key", MASTER)
    yield host
    host.stop()


def test_an_invocation_past_function_timeout_fails_its_message(timed: RunningHost) -> None:
    slow = queue(timed.conn, timed.settings["SLOW_QUEUE"])
    poison = queue(timed.conn, timed.settings["SLOW_QUEUE"] + "-poison")
    tag = f"late-{uuid.uuid4().hex[:6]}"
    slow.send_message(json.dumps({"tag": tag, "seconds": 3}))
    poisoned = wait_for(lambda: [m for m in drain_queue(poison) if tag in m], timeout=40, what="the poisoned message")
    assert len(poisoned) == 1
    starts = timed.calls(fn="slow", event="start", tag=tag)
    assert sorted(s["dequeue_count"] for s in starts) == [1, 2, 3]  # each attempt failed (maxDequeueCount 3)
    assert timed.log().count("Timeout value of 00:00:01 exceeded by function 'Functions.slow'") >= 3


def test_an_invocation_within_function_timeout_succeeds(timed: RunningHost) -> None:
    slow = queue(timed.conn, timed.settings["SLOW_QUEUE"])
    tag = f"quick-{uuid.uuid4().hex[:6]}"
    slow.send_message(json.dumps({"tag": tag, "seconds": 0.1}))
    wait_for(lambda: timed.calls(fn="slow", event="end", tag=tag), timeout=20, what="the quick message")
    starts = timed.calls(fn="slow", event="start", tag=tag)
    assert [s["dequeue_count"] for s in starts] == [1]
