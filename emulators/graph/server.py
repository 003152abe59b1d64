"""Run one emulator: bind loopback sockets, serve Graph (HTTP), SharePoint (HTTP, another host name:
uploadUrl/downloadUrl) and the authority (TLS) with uvicorn.

`GraphEmulator(data_dir).start()` serves from a background thread and returns the descriptor (the
contract §2 "graph" object); `stop()` shuts the servers down. Used by tests and by __main__.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

from emulators.graph.app import graph_app, login_app, sharepoint_app
from emulators.graph.config import EmulatorConfig
from emulators.graph.notifier import Notifier
from emulators.graph.persist import restore, snapshots_of
from emulators.graph.runtime import Runtime
from emulators.graph.store import Store
from emulators.graph.tls import make_tls_files
from emulators.persistence import Snapshots, persist_writes

START_TIMEOUT_S = 20.0


def _bind(host: str, port: int, family: socket.AddressFamily = socket.AF_INET) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def other_host_name(host: str) -> str:
    """The SharePoint host's name: another name for the same loopback (both are in the TLS cert)."""
    return "127.0.0.1" if host == "localhost" else "localhost"


def _bind_sharepoint(host: str, port: int, name: str) -> list[socket.socket]:
    """The listener behind `name`; for "localhost" also on ::1 when there is one (some resolvers
    answer ::1 first), on the same port."""
    socks = [_bind(host, port)]
    if name == "localhost" and socket.has_ipv6:
        try:
            socks.append(_bind("::1", socks[0].getsockname()[1], socket.AF_INET6))
        except OSError:
            pass
    return socks


class GraphEmulator:
    def __init__(self, data_dir: Path, *, port: int = 0, tls_port: int = 0, host: str = "127.0.0.1",
                 ca_cert: Path | None = None, ca_key: Path | None = None,
                 config: EmulatorConfig | None = None, sharepoint_port: int = 0,
                 sharepoint_host: str | None = None, persist: bool = False) -> None:
        """With `persist`, the state is kept in `data_dir` (each write saved before it is answered) and
        a new emulator on the same `data_dir` carries on from it, with the same CA."""
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.config = config or EmulatorConfig()
        self.runtime = Runtime(Store(self.data_dir, self.config), self.config)
        self._host, self._port, self._tls_port = host, port, tls_port
        self._sp_port, self._sp_name = sharepoint_port, sharepoint_host or other_host_name(host)
        self.snapshots: Snapshots | None = snapshots_of(self.runtime, self.data_dir) if persist else None
        saved = self.snapshots.load() if self.snapshots is not None else None
        if saved is not None:
            restore(self.runtime, saved)
        kept_ca = self.data_dir / "tls" / "ca.pem", self.data_dir / "tls" / "ca-key.pem"
        if persist and ca_cert is None and all(p.exists() for p in kept_ca):
            ca_cert, ca_key = kept_ca
        self._ca = (ca_cert, ca_key)
        self._servers: list[uvicorn.Server] = []
        self._thread: threading.Thread | None = None

    @property
    def store(self) -> Store:
        return self.runtime.store

    def start(self) -> dict[str, Any]:
        tls = make_tls_files(self.data_dir / "tls", *self._ca)
        http_sock, tls_sock = _bind(self._host, self._port), _bind(self._host, self._tls_port)
        sp_socks = _bind_sharepoint(self._host, self._sp_port, self._sp_name)
        rt = self.runtime
        rt.http_base = f"http://{self._host}:{http_sock.getsockname()[1]}"
        rt.sharepoint_base = f"http://{self._sp_name}:{sp_socks[0].getsockname()[1]}"
        rt.authority.base_url = f"https://{self._host}:{tls_sock.getsockname()[1]}"
        rt.ca_file = str(tls.ca_cert)
        rt.notifier = Notifier(rt.store)
        common: dict[str, Any] = {"lifespan": "off", "log_level": "warning", "access_log": False,
                                  "timeout_keep_alive": 30}
        if self.snapshots is not None:
            self.snapshots.save()
        kept = self.snapshots

        def saving(app: Any) -> Any:    # both hosts write: the API, and upload sessions on the SharePoint host
            return app if kept is None else persist_writes(app, kept)

        self._servers = [
            uvicorn.Server(uvicorn.Config(saving(graph_app(rt)), **common)),
            uvicorn.Server(uvicorn.Config(login_app(rt), ssl_certfile=str(tls.server_cert),
                                          ssl_keyfile=str(tls.server_key), **common)),
            uvicorn.Server(uvicorn.Config(saving(sharepoint_app(rt)), **common)),
        ]
        socks = [[http_sock], [tls_sock], sp_socks]

        async def serve() -> None:
            await asyncio.gather(*(srv.serve(sockets=group) for srv, group in zip(self._servers, socks, strict=True)))

        self._thread = threading.Thread(target=lambda: asyncio.run(serve()), name="graph-emulator",
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not all(s.started for s in self._servers):
            if time.monotonic() > deadline or not self._thread.is_alive():
                self.stop()
                raise RuntimeError("the Graph emulator did not start")
            time.sleep(0.01)
        return self.descriptor()

    def descriptor(self) -> dict[str, Any]:
        return self.runtime.descriptor()

    def write_ready_file(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.descriptor(), indent=2))
        os.replace(tmp, path)

    def stop(self) -> None:
        for srv in self._servers:
            srv.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        if self.runtime.notifier is not None:
            self.runtime.notifier.stop()
            self.runtime.notifier = None
        if self.snapshots is not None:
            self.snapshots.save()

    def __enter__(self) -> GraphEmulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_emulator(data_dir: Path, **kwargs: Any) -> GraphEmulator:
    """Start an in-process emulator on free loopback ports; call .stop() when done."""
    emu = GraphEmulator(data_dir, **kwargs)
    emu.start()
    return emu
