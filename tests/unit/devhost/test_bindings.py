"""devhost.bindings.Invoker's worker pools: Flex Consumption's per-function scaling, so a function whose
threads are all busy (an initial sync's flood) never makes another function's invocation wait."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import azure.functions as func

from devhost.bindings import Invoker
from devhost.catalog import FunctionSpec, HttpTriggerSpec, QueueTriggerSpec

WAIT_S = 30.0   # a generous bound for a thread that should run at once (never reached when it works)


def _spec(name: str, fn: Any, trigger: HttpTriggerSpec | QueueTriggerSpec) -> FunctionSpec:
    return FunctionSpec(name=name, fn=fn, trigger_arg="msg", trigger=trigger, outputs=(), wants_context=False,
                        is_async=False)


def _queue(name: str) -> QueueTriggerSpec:
    return QueueTriggerSpec(queue_name=name, connection="AzureWebJobsStorage")


def test_a_function_with_every_thread_busy_does_not_hold_up_another() -> None:
    release = threading.Event()
    busy_started = threading.Semaphore(0)

    def busy(msg: str) -> str:
        busy_started.release()
        release.wait(WAIT_S)
        return msg

    ran: list[str] = []

    def live(msg: str) -> None:
        ran.append(msg)

    invoker = Invoker(store=None, script_root=".", message_encoding="base64", worker_threads=2)  # type: ignore[arg-type]
    initial, fast = _spec("detect_initial", busy, _queue("initial-sync")), _spec("detect_live", live, _queue("live"))

    async def scenario() -> bool:
        flood = [asyncio.ensure_future(invoker.invoke(initial, str(n), "New queue message")) for n in range(4)]
        for _ in range(2):     # both of its threads taken, two more invocations waiting for one
            assert await asyncio.to_thread(busy_started.acquire, True, WAIT_S)
        await asyncio.wait_for(invoker.invoke(fast, "edit", "New queue message"), WAIT_S)
        still_busy = not release.is_set() and not any(f.done() for f in flood)
        release.set()
        await asyncio.gather(*flood)
        return still_busy

    try:
        still_busy = asyncio.run(scenario())
    finally:
        release.set()
        invoker.shutdown(wait=True)
    assert ran == ["edit"]
    assert still_busy       # it ran while the flood still held every thread of its own function


def test_http_functions_share_one_pool() -> None:
    names: dict[str, str] = {}

    def record(msg: str) -> str:
        names[msg] = threading.current_thread().name
        return msg

    http = HttpTriggerSpec(route="x", methods=None, auth_level=func.AuthLevel.ANONYMOUS)
    invoker = Invoker(store=None, script_root=".", message_encoding="base64", worker_threads=1)  # type: ignore[arg-type]
    specs = [_spec("a", record, http), _spec("b", record, http), _spec("q", record, _queue("q"))]

    async def scenario() -> None:
        for spec in specs:
            await invoker.invoke(spec, spec.name, "HTTP")

    try:
        asyncio.run(scenario())
    finally:
        invoker.shutdown(wait=True)
    assert names["a"] == names["b"] != names["q"]
