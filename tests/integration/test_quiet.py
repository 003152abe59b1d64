"""demo.quiet.wait_quiet, the e2e suite's wait for "nothing more happens", against Azurite and both
emulators: a queued message, a deferred one, or calls still coming keep it waiting; quiet returns."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from azure.storage.queue import QueueClient

from demo.quiet import pending_messages, wait_quiet
from demo.stack import Running
from demo.waiting import DemoFailure
from devhost.azurite import start_azurite
from emulators.graph import start_emulator
from emulators.procore.server import start


@pytest.fixture(scope="module")
def storage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An Azurite of its own: the session's may hold other tests' queues, and every queue counts here."""
    azurite = start_azurite(tmp_path_factory.mktemp("quiet-azurite"))
    try:
        yield azurite.connection_string
    finally:
        azurite.stop()


@pytest.fixture(scope="module")
def run(storage: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A `Running` on Azurite and the two emulators, without a host (nothing consumes the queues)."""
    procore, graph = start(size="small"), start_emulator(tmp_path_factory.mktemp("quiet-graph"))
    doc: dict[str, Any] = {"storage_connection_string": storage,
                           "procore": {"base_url": procore.base_url}, "graph": graph.descriptor()}
    try:
        yield Running(stack=None, doc=doc)  # type: ignore[arg-type]   # no stack: only the queues and emulators
    finally:
        graph.stop()
        procore.stop()


@pytest.fixture()
def queue(storage: str) -> Iterator[QueueClient]:
    client = QueueClient.from_connection_string(storage, "quiet-test")
    client.create_queue()
    try:
        yield client
    finally:
        client.delete_queue()
        client.close()


def test_an_idle_pipeline_is_quiet_after_the_window(run: Running, queue: QueueClient) -> None:
    took = wait_quiet(run, window=1.0, timeout=20)   # raises when it is never quiet
    assert took >= 1.0                                # quiet for the whole window, not a glimpse


def test_a_queued_message_keeps_it_waiting_until_it_is_gone(run: Running, queue: QueueClient) -> None:
    queue.send_message("work")
    with pytest.raises(DemoFailure, match="quiet-test"):
        wait_quiet(run, window=0.5, timeout=2)
    for message in queue.receive_messages():
        queue.delete_message(message)
    wait_quiet(run, window=0.5, timeout=10)


def test_a_deferred_message_counts_unless_deferred_ones_are_allowed(run: Running, queue: QueueClient) -> None:
    queue.send_message("later", visibility_timeout=120)
    assert pending_messages(run)["quiet-test"] == 1
    assert pending_messages(run, visible_only=True)["quiet-test"] == 0
    with pytest.raises(DemoFailure):
        wait_quiet(run, window=0.5, timeout=2)
    wait_quiet(run, window=0.5, timeout=10, deferred_ok=True)


def test_poison_queues_are_not_pending(run: Running, storage: str) -> None:
    poison = QueueClient.from_connection_string(storage, "quiet-test-poison")
    poison.create_queue()
    try:
        poison.send_message("gave up")
        assert "quiet-test-poison" not in pending_messages(run)
        wait_quiet(run, window=0.5, timeout=10)
    finally:
        poison.delete_queue()
        poison.close()


def test_calls_to_an_emulator_keep_it_waiting(run: Running, queue: QueueClient) -> None:
    stop = threading.Event()

    def busy() -> None:
        while not stop.wait(0.2):
            httpx.get(run.procore_url + "/rest/v1.0/me", timeout=10)   # 401, counted all the same

    worker = threading.Thread(target=busy, daemon=True)
    worker.start()
    try:
        with pytest.raises(DemoFailure, match="not quiet"):
            wait_quiet(run, window=1.0, timeout=3)
    finally:
        stop.set()
        worker.join()
    wait_quiet(run, window=1.0, timeout=10)
