"""Build the app and run it on loopback: an API port (API + login host) and a storage port.

`start()` runs uvicorn in a background thread (tests); `__main__` runs it as a process. The
storage host is a separate port so "send the token only to the API host" is observable.
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from ..persistence import Snapshots, persist_writes
from . import auth, control, directory, documents, documents_index, downloads, photos, records, uploads, webhooks
from .config import COMPANY_ID, EmulatorConfig, default_directory
from .downloads import BUCKET
from .persist import restore, snapshots_of
from .seed import SIZES, seed_state
from .store import State


class _PortSplit:
    """Storage paths answer only on the storage port, API paths only on the API port."""

    def __init__(self, app: ASGIApp, storage_port: int) -> None:
        self.app, self.storage_port = app, storage_port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            on_storage = (scope.get("server") or ("", 0))[1] == self.storage_port
            is_storage_path = scope["path"] == f"/{BUCKET}" or scope["path"].startswith(f"/{BUCKET}/")
            if on_storage != is_storage_path:
                await PlainTextResponse("Not Found", 404)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def descriptor_of(st: State) -> dict[str, Any]:
    d = st.directory
    app, user = d.by_key("app"), d.by_key("user")
    projects = sorted(pid for pid in (app.projects or ()))
    return {
        "base_url": st.api_base, "login_url": st.api_base, "company_id": COMPANY_ID,
        "projects": [{"id": pid, "name": d.projects[pid].name} for pid in projects],
        "app": {"client_id": app.client_id, "client_secret": app.client_secret},
        "user": {"client_id": user.client_id, "client_secret": user.client_secret},
    }


def build_app(st: State, storage_port: int) -> ASGIApp:
    descriptor = descriptor_of(st)
    routes = []
    for module in (auth, directory, documents, documents_index, uploads, downloads, photos, records, webhooks):
        routes += module.routes(st)
    routes += control.routes(st, descriptor)
    return _PortSplit(Starlette(routes=routes), storage_port)


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


@dataclass
class RunningEmulator:
    state: State
    descriptor: dict[str, Any]
    storage_url: str
    _server: uvicorn.Server
    _thread: threading.Thread
    _tmp: tempfile.TemporaryDirectory[str] | None = None
    _stoppers: list[Any] = field(default_factory=list)
    snapshots: Snapshots | None = None

    @property
    def base_url(self) -> str:
        return str(self.descriptor["base_url"])

    def stop(self) -> None:
        for stop in self._stoppers:
            stop()
        self._server.should_exit = True
        self._thread.join(timeout=10)
        if self.snapshots is not None:
            self.snapshots.save()              # what the delivery worker changed since the last write
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> RunningEmulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(
    data_dir: str | Path | None = None, *, seed: int = 1, size: str = "small", host: str = "127.0.0.1",
    port: int = 0, storage_port: int = 0, config: EmulatorConfig | dict[str, Any] | None = None,
    persist: bool = False,
) -> RunningEmulator:
    """Start an emulator in this process on free loopback ports; returns its descriptor. With `persist`
    the state is kept in `data_dir` (every write saved before it is answered) and a restart with the
    same `data_dir` carries on from it instead of seeding."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {sorted(SIZES)}")
    tmp = None
    if data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="procore-emu-")
        data_dir = tmp.name
    cfg = config if isinstance(config, EmulatorConfig) else EmulatorConfig(**(config or {}))
    kept_port = Path(data_dir) / "storage-port"   # presigned URLs issued before a restart stay valid
    if persist and not storage_port and kept_port.exists():
        storage_port = int(kept_port.read_text())
    api_sock, storage_sock = _bind(host, port), _bind(host, storage_port)
    if persist:
        kept_port.write_text(str(storage_sock.getsockname()[1]))
    api_port, st_port = api_sock.getsockname()[1], storage_sock.getsockname()[1]
    st = State(Path(data_dir), cfg, default_directory(SIZES[size].project_names()))
    st.api_base, st.storage_base = f"http://{host}:{api_port}", f"http://{host}:{st_port}"
    st.extra["seeded_as"] = (seed, size)   # POST /_emulator/projects seeds more projects the same way
    snapshots = snapshots_of(st, Path(data_dir)) if persist else None
    saved = snapshots.load() if snapshots is not None else None
    if saved is not None:
        restore(st, saved[0])                  # no journal: every save is a whole snapshot
    else:
        seed_state(st, seed=seed, size=size)
    app = build_app(st, st_port)
    if snapshots is not None:
        app = persist_writes(app, snapshots)
        snapshots.save()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False,
                                           timeout_keep_alive=30))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [api_sock, storage_sock]},
                              name="procore-emulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the Procore emulator did not start")
        time.sleep(0.01)
    running = RunningEmulator(st, descriptor_of(st), st.storage_base, server, thread, tmp, snapshots=snapshots)
    running._stoppers.append(webhooks.start_worker(st))
    return running
