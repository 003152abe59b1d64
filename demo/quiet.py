"""Waiting until the pipeline is quiet: no queue message pending in the host's storage and no call to
either emulator (nor a notification delivered) for a short window. A test that must show that *nothing
more happens* waits for this and then asserts, instead of sleeping a guessed time.
"""

from __future__ import annotations

import time
from typing import Any

from azure.storage.queue import QueueServiceClient

from demo.stack import Running
from demo.waiting import DemoFailure


def pending_messages(run: Running, *, visible_only: bool = False) -> dict[str, int]:
    """Messages in each of the host's queues: every one (invisible ones, being processed or deferred to
    later, included), or with `visible_only` those due now. Poison queues are left out: nothing runs them."""
    with QueueServiceClient.from_connection_string(run.doc["storage_connection_string"]) as service:
        counts = {}
        for queue in service.list_queues():
            if queue.name.endswith("-poison"):
                continue
            client = service.get_queue_client(queue.name)
            if visible_only:
                counts[queue.name] = len(client.peek_messages(max_messages=32))
            else:
                counts[queue.name] = int(client.get_queue_properties().approximate_message_count or 0)
    return counts


def activity(run: Running) -> tuple[int, int, int]:
    """What moves while the pipeline works: calls to the Procore and Graph emulators (every read and write
    by anyone), Graph change notifications delivered."""
    procore: dict[str, Any] = run.emulator("procore", "/_emulator/stats")
    graph: dict[str, Any] = run.emulator("graph", "/_emulator/stats")
    deliveries = run.emulator("graph", "/_emulator/notifications/log")["deliveries"]
    return int(procore["total_calls"]), int(graph["total_calls"]), len(deliveries)


def wait_quiet(run: Running, *, window: float = 3.0, timeout: float = 120.0, interval: float = 0.5,
               deferred_ok: bool = False) -> float:
    """Return (the seconds it took) once no queue message is pending and `activity` has not changed for
    `window` seconds; DemoFailure after `timeout` s, naming what was still busy. With `deferred_ok`, messages
    the product deferred to later (a locked item's retry) may stay: only those due now count."""
    start = time.monotonic()
    deadline = start + timeout
    last: tuple[int, int, int] | None = None
    since = start
    while True:
        now = time.monotonic()
        seen = activity(run)
        pending = {q: n for q, n in pending_messages(run, visible_only=deferred_ok).items() if n}
        if pending or seen != last:
            last, since = seen, now
        elif now - since >= window:
            return now - start
        if now > deadline:
            raise DemoFailure(f"the pipeline was not quiet within {timeout:.0f} s: queues {pending}, "
                              f"activity {seen} (Procore calls, Graph calls, Graph deliveries)")
        time.sleep(interval)
