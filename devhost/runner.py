"""The local host: settings -> catalog -> HTTP server, queue listeners and timers on one event loop.

`Host.serve()` is the whole lifecycle (ready callback once everything listens, then graceful stop:
stop fetching and firing, let HTTP requests and in-flight messages finish within a bound). The CLI
runs it on the main thread with signal handlers; `Host.start()`/`stop()` run it on a thread for tests.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import uvicorn

from devhost.bindings import Invoker
from devhost.catalog import (
    FunctionSpec,
    HttpTriggerSpec,
    QueueTriggerSpec,
    TimerTriggerSpec,
    build_catalog,
    load_app,
)
from devhost.http_server import HttpFrontend, bind_socket, make_server
from devhost.keys import Keys
from devhost.queues import FETCH_VISIBILITY_SECONDS, QueueListener
from devhost.settings import HostConfig, apply_settings, load_host_json, load_local_settings
from devhost.storage import QueueStore, resolve_connection
from devhost.timers import TimerRunner

log = logging.getLogger("devhost")
DEFAULT_DRAIN_SECONDS = 25.0  # below the stack's 30 s SIGKILL grace
LOOPBACK = "127.0.0.1"


@dataclass
class HostOptions:
    script_root: Path
    app_module: str = "function_app"
    port: int = 0
    host: str = LOOPBACK
    settings_file: Path | None = None  # default: <script_root>/local.settings.json when it exists
    master_key: str | None = None
    function_key: str | None = None
    drain_seconds: float = DEFAULT_DRAIN_SECONDS
    fetch_visibility: float = FETCH_VISIBILITY_SECONDS


@dataclass(frozen=True)
class HostInfo:
    """What the ready file holds."""

    url: str
    admin_key: str
    function_key: str
    functions: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def write_ready_file(path: Path, info: HostInfo) -> None:
    """Write atomically (temp file + rename) so a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(info.to_json(), encoding="utf-8")
    os.replace(tmp, path)


def _describe(trigger: HttpTriggerSpec | QueueTriggerSpec | TimerTriggerSpec, url: str, prefix: str) -> str:
    """One line per function, like Core Tools prints at start-up."""
    if isinstance(trigger, HttpTriggerSpec):
        methods = ",".join(trigger.methods) if trigger.methods else "ALL"
        path = "/".join(p for p in (prefix, trigger.route) if p)
        return f"[{methods}] {url}/{path} ({trigger.auth_level.value})"
    if isinstance(trigger, QueueTriggerSpec):
        return f"queueTrigger on '{trigger.queue_name}' ({trigger.connection})"
    return f"timerTrigger '{trigger.schedule}'" + (" (runOnStartup)" if trigger.run_on_startup else "")


class Host:
    def __init__(self, options: HostOptions) -> None:
        self.options = options
        self.keys = Keys.create(options.master_key, options.function_key)
        self.info: HostInfo | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.drained = True  # False when a stop left work running past the drain bound

    def _load(self) -> tuple[list[FunctionSpec], Invoker, HostConfig]:
        root = self.options.script_root.resolve()
        settings = self.options.settings_file or root / "local.settings.json"
        if settings.exists():
            skipped = apply_settings(os.environ, load_local_settings(settings))
            for name in skipped:
                log.warning("Skipping '%s' from local settings as it's already defined in current environment "
                            "variables.", name)
        elif self.options.settings_file:
            raise FileNotFoundError(settings)
        config = load_host_json(root)
        catalog = build_catalog(load_app(root, self.options.app_module), os.environ)
        for spec in catalog:  # fail at start, like the host, when a storage connection is missing
            if isinstance(spec.trigger, QueueTriggerSpec):
                resolve_connection(spec.trigger.connection, os.environ)
            for out in spec.outputs:
                if out.connection:
                    resolve_connection(out.connection, os.environ)
        threads = os.environ.get("PYTHON_THREADPOOL_THREAD_COUNT")  # the worker's own knob
        invoker = Invoker(QueueStore(os.environ), str(root), config.queues.message_encoding,
                          worker_threads=int(threads) if threads else None, function_timeout=config.function_timeout)
        return catalog, invoker, config

    async def serve(self, ready: Callable[[HostInfo], None] | None = None, handle_signals: bool = False) -> None:
        """Run until `request_stop()` (or SIGTERM/SIGINT when `handle_signals`), then stop gracefully."""
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        if handle_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                self._loop.add_signal_handler(sig, self._on_signal, sig)
        catalog, invoker, config = self._load()
        queues = [QueueListener(s, config.queues, invoker, self.options.fetch_visibility)
                  for s in catalog if isinstance(s.trigger, QueueTriggerSpec)]
        timers = [TimerRunner(s, invoker) for s in catalog if isinstance(s.trigger, TimerTriggerSpec)]
        await asyncio.gather(*(q.prepare() for q in queues))
        sock = bind_socket(self.options.host, self.options.port)
        frontend = HttpFrontend(catalog, config.route_prefix, self.keys, invoker, config.custom_headers)
        server = make_server(frontend)
        http_task = asyncio.ensure_future(server.serve(sockets=[sock]))
        while not server.started:
            if http_task.done():
                http_task.result()
                raise RuntimeError("HTTP server stopped during start-up")
            await asyncio.sleep(0.01)
        workers: list[QueueListener | TimerRunner] = [*queues, *timers]
        tasks = [asyncio.ensure_future(w.run()) for w in workers]
        port = sock.getsockname()[1]
        self.info = HostInfo(f"http://{self.options.host}:{port}", self.keys.master, self.keys.function,
                             [s.name for s in catalog])
        log.info("Host started: %s", self.info.url)
        for spec in catalog:
            log.info("  %s: %s", spec.name, _describe(spec.trigger, self.info.url, config.route_prefix))
        if ready:
            ready(self.info)
        await self._stop.wait()
        await self._shutdown(server, http_task, frontend, workers, tasks, invoker)

    async def _shutdown(self, server: uvicorn.Server, http_task: asyncio.Future[None], frontend: HttpFrontend,
                        workers: Sequence[QueueListener | TimerRunner], tasks: Sequence[asyncio.Future[None]],
                        invoker: Invoker) -> None:
        log.info("Stopping host: no new messages or timer runs; draining in-flight work")
        started = time.monotonic()
        for worker in workers:
            worker.stop()
        server.should_exit = True
        if tasks:
            await asyncio.wait(tasks, timeout=self.options.drain_seconds)
        remaining = max(0.0, self.options.drain_seconds - (time.monotonic() - started))
        results = await asyncio.gather(*(w.drain(remaining) for w in (*workers, frontend.admin)))
        await asyncio.wait({http_task}, timeout=max(remaining, 1.0))
        self.drained = all(results)
        invoker.shutdown(wait=self.drained)
        invoker.store.close()
        log.info("Host stopped (%.1f s)", time.monotonic() - started)

    def _on_signal(self, sig: int) -> None:
        if self._stop is not None and self._stop.is_set():
            if sig == signal.SIGINT:  # a second Ctrl+C abandons the drain, as uvicorn does
                log.warning("second SIGINT: exiting without waiting for in-flight work")
                os._exit(1)
            return
        log.info("%s received", signal.Signals(sig).name)
        self.request_stop()

    def request_stop(self) -> None:
        """Ask a running host to stop (safe from any thread)."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)

    # -- in-process use (tests, tools) ---------------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> HostInfo:
        """Run the host on a background thread; returns once it listens."""
        ready = threading.Event()

        def _run() -> None:
            try:
                asyncio.run(self.serve(ready=lambda _info: ready.set()))
            except BaseException as exc:  # surfaced by start()
                self._error = exc
                ready.set()

        self._thread = threading.Thread(target=_run, name="devhost", daemon=True)
        self._thread.start()
        if not ready.wait(timeout) or self._error or self.info is None:
            raise RuntimeError("local host did not start") from self._error
        return self.info

    def stop(self, timeout: float | None = None) -> None:
        self.request_stop()
        if self._thread is not None:
            self._thread.join(timeout if timeout is not None else self.options.drain_seconds + 15)

    def __enter__(self) -> Host:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
