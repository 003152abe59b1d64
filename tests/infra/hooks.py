"""The azd hooks under infra/hooks/ as importable modules, and a local stand-in for what they call: ARM
over real HTTP (a ThreadingHTTPServer answering canned ARM-shaped JSON per route) and an `azd` script that
hands out a token and records `azd env set`. Used only by tests/infra."""

from __future__ import annotations

import importlib
import json
import stat
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.infra.template import INFRA

HOOKS = INFRA / "hooks"


def load(name: str) -> ModuleType:
    """A hook module, imported the way azd runs it (its own folder first on sys.path)."""
    if str(HOOKS) not in sys.path:
        sys.path.insert(0, str(HOOKS))
    return importlib.import_module(name)


@dataclass
class FakeArm:
    """Routes: (method, path without query) -> list of (status, body) answered in turn (the last repeats)."""

    routes: dict[tuple[str, str], list[tuple[int, Any]]] = field(default_factory=dict)
    calls: list[tuple[str, str, str]] = field(default_factory=list)   # method, path with query, Authorization

    def answer(self, method: str, path: str) -> tuple[int, Any]:
        queue = self.routes.get((method, path.split("?")[0]))
        if not queue:
            return 404, {"error": {"code": "ResourceNotFound", "message": f"{method} {path}"}}
        return queue.pop(0) if len(queue) > 1 else queue[0]


@contextmanager
def serve(arm: FakeArm) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def _reply(self) -> None:
            arm.calls.append((self.command, self.path, self.headers.get("Authorization", "")))
            status, body = arm.answer(self.command, self.path)
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = _reply

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


FAKE_TOKEN = "token-for-tests"


def fake_azd(tmp_path: Path) -> tuple[Path, Path]:
    """(script, log): `azd auth token` prints a token; every call is appended to the log."""
    log = tmp_path / "azd-calls.txt"
    script = tmp_path / "azd"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> "{log}"\n'
        f'if [ "$1" = auth ]; then echo \'{{"token": "{FAKE_TOKEN}", "expiresOn": "2030-01-01T00:00:00Z"}}\'; fi\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script, log
