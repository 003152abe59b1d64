"""Invoking a user function the way the Python worker does: arguments by binding name, `func.Out`
objects for output bindings, `$return`, an injected `context`, async functions on the host's event
loop and plain ones in a thread pool. Queue outputs are flushed after the function returns. The pools
follow Flex Consumption's per-function scaling: the HTTP functions share one, every other function
has its own (a busy initial-sync queue never makes a live queue's function wait for a thread).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import azure.functions as func
from azure.functions import _abc

from devhost.catalog import RETURN, FunctionSpec, HttpTriggerSpec
from devhost.storage import QueueStore, output_payloads

log = logging.getLogger("devhost")
R = TypeVar("R")
SCALE_GROUP_HTTP = "http"


class FunctionFailed(Exception):
    """The user function raised (already logged with its traceback); the cause is chained."""


class FunctionTimedOut(FunctionFailed):
    """The function ran past functionTimeout: the invocation failed (its message is released or poisoned
    like any failure). A Python thread cannot be killed: the real host restarts the language worker,
    here the thread runs on but its result is dropped (documented in devhost/README.md)."""


class Out(func.Out[Any]):
    def __init__(self) -> None:
        self._value: Any = None

    def set(self, val: Any) -> None:
        self._value = val

    def get(self) -> Any:
        return self._value


class _TraceContext(_abc.TraceContext):
    def __init__(self) -> None:
        self._parent = f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-00"

    @property
    def trace_state(self) -> str:
        return ""

    @property
    def trace_parent(self) -> str:
        return self._parent

    @property
    def attributes(self) -> dict[str, str]:
        return {}


class _RetryContext(_abc.RetryContext):
    @property
    def retry_count(self) -> int:
        return 0

    @property
    def max_retry_count(self) -> int:
        return 0

    @property
    def exception(self) -> Any:
        return None


class InvocationContext(func.Context):
    def __init__(self, function_name: str, function_directory: str) -> None:
        self._id = str(uuid.uuid4())
        self._name = function_name
        self._dir = function_directory
        self._local = threading.local()
        self._trace = _TraceContext()
        self._retry = _RetryContext()

    @property
    def invocation_id(self) -> str:
        return self._id

    @property
    def thread_local_storage(self) -> Any:
        return self._local

    @property
    def function_name(self) -> str:
        return self._name

    @property
    def function_directory(self) -> str:
        return self._dir

    @property
    def trace_context(self) -> _abc.TraceContext:
        return self._trace

    @property
    def retry_context(self) -> _abc.RetryContext:
        return self._retry


class Invoker:
    """Runs functions and storage I/O; one instance per host, bound to the host's event loop."""

    def __init__(self, store: QueueStore, script_root: str, message_encoding: str,
                 worker_threads: int | None = None, function_timeout: float | None = None) -> None:
        self.store = store
        self.function_timeout = function_timeout
        self._root = script_root
        self._encoding = message_encoding
        self._worker_threads = worker_threads
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._pools_lock = threading.Lock()
        self._io = ThreadPoolExecutor(max_workers=32, thread_name_prefix="devhost-io")

    def _pool(self, spec: FunctionSpec) -> ThreadPoolExecutor:
        """The worker pool of the function's scale group (Flex Consumption: HTTP functions scale together,
        every other trigger per function, each group on its own instances with the worker's thread count)."""
        group = SCALE_GROUP_HTTP if isinstance(spec.trigger, HttpTriggerSpec) else spec.name
        with self._pools_lock:
            pool = self._pools.get(group)
            if pool is None:
                pool = ThreadPoolExecutor(max_workers=self._worker_threads, thread_name_prefix=f"devhost-fn-{group}")
                self._pools[group] = pool
            return pool

    async def io(self, fn: functools.partial[R]) -> R:
        """Run a blocking storage call off the event loop (its own pool, so busy functions cannot starve it)."""
        return await asyncio.get_running_loop().run_in_executor(self._io, fn)

    async def invoke(self, spec: FunctionSpec, trigger_value: Any, reason: str) -> dict[str, Any]:
        """Call the function; returns output values by binding name ($return included). Raises FunctionFailed."""
        outs = {o.name: Out() for o in spec.outputs if o.name != RETURN}
        kwargs: dict[str, Any] = {spec.trigger_arg: trigger_value, **outs}
        ctx = InvocationContext(spec.name, self._root)
        if spec.wants_context:
            kwargs["context"] = ctx
        log.info("Executing 'Functions.%s' (Reason='%s', Id=%s)", spec.name, reason, ctx.invocation_id)
        started = time.monotonic()
        try:
            if spec.is_async:
                running: asyncio.Future[Any] = asyncio.ensure_future(spec.fn(**kwargs))
            else:
                call = functools.partial(_call_in_thread, spec.fn, kwargs, ctx)
                running = asyncio.get_running_loop().run_in_executor(self._pool(spec), call)
            result = await self._within_timeout(spec, ctx, running, started)
        except FunctionTimedOut:
            raise
        except Exception as exc:
            log.exception("Executed 'Functions.%s' (Failed, Id=%s, Duration=%dms)", spec.name,
                          ctx.invocation_id, (time.monotonic() - started) * 1000)
            raise FunctionFailed(spec.name) from exc
        log.info("Executed 'Functions.%s' (Succeeded, Id=%s, Duration=%dms)", spec.name, ctx.invocation_id,
                 (time.monotonic() - started) * 1000)
        values = {name: out.get() for name, out in outs.items()}
        if any(o.name == RETURN for o in spec.outputs):
            values[RETURN] = result
        return values

    async def _within_timeout(self, spec: FunctionSpec, ctx: InvocationContext, running: asyncio.Future[Any],
                              started: float) -> Any:
        """The function's result, or FunctionTimedOut past functionTimeout, with the real host's log lines."""
        if self.function_timeout is None:
            return await running
        done, _ = await asyncio.wait({running}, timeout=self.function_timeout)
        if done:
            return running.result()
        running.cancel()   # stops an async function; a thread runs on, its result is dropped
        limit = time.strftime("%H:%M:%S", time.gmtime(self.function_timeout))
        log.error("Timeout value of %s exceeded by function 'Functions.%s' (Id: '%s'). Initiating cancellation.",
                  limit, spec.name, ctx.invocation_id)
        log.error("Executed 'Functions.%s' (Failed, Id=%s, Duration=%dms)", spec.name, ctx.invocation_id,
                  (time.monotonic() - started) * 1000)
        raise FunctionTimedOut(f"Timeout value of {limit} was exceeded by function: Functions.{spec.name}")

    async def flush_queue_outputs(self, spec: FunctionSpec, values: dict[str, Any]) -> None:
        """Write queue output bindings (creating queues as needed) with the configured encoding."""
        for out in spec.outputs:
            if out.type != "queue":
                continue
            payloads = output_payloads(values.get(out.name))
            if payloads:
                assert out.queue_name is not None and out.connection is not None
                await self.io(functools.partial(self.store.send, out.connection, out.queue_name, payloads,
                                                self._encoding))

    def shutdown(self, wait: bool) -> None:
        with self._pools_lock:
            pools = list(self._pools.values())
        for pool in pools:
            pool.shutdown(wait=wait, cancel_futures=True)
        self._io.shutdown(wait=wait, cancel_futures=True)


def _call_in_thread(fn: Any, kwargs: dict[str, Any], ctx: InvocationContext) -> Any:
    ctx.thread_local_storage.invocation_id = ctx.invocation_id
    return fn(**kwargs)
