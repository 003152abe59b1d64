"""A local HTTP receiver for Graph change notifications (what the product's webhook endpoint does):
echoes the validationToken as text/plain, records notification batches, and can misbehave."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class Receiver:
    def __init__(self) -> None:
        self.batches: list[dict[str, Any]] = []
        self.validations: list[str] = []
        self.validation_mode = "echo"          # echo | wrong | slow | fail
        self.fail_next = 0                     # answer this many notification POSTs with 500
        self.delay_s = 0.0
        self.cond = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                query = parse_qs(urlsplit(self.path).query)
                if "validationToken" in query:
                    outer._validate(self, query["validationToken"][0])
                else:
                    outer._notify(self, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/graph"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _reply(self, h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def _validate(self, h: BaseHTTPRequestHandler, token: str) -> None:
        self.validations.append(token)
        mode = self.validation_mode
        if mode == "slow":
            time.sleep(3)
        if mode == "fail":
            self._reply(h, 500, b"", "text/plain")
        else:
            self._reply(h, 200, (token if mode != "wrong" else token[::-1]).encode(), "text/plain; charset=utf-8")

    def _notify(self, h: BaseHTTPRequestHandler, body: bytes) -> None:
        if self.delay_s:
            time.sleep(self.delay_s)
        with self.cond:
            if self.fail_next > 0:
                self.fail_next -= 1
                self._reply(h, 500, b"", "text/plain")
                return
            self.batches.append(json.loads(body))
            self.cond.notify_all()
        self._reply(h, 202, b"", "text/plain")

    def notifications(self) -> list[dict[str, Any]]:
        with self.cond:
            return [n for b in self.batches for n in b["value"]]

    def wait_for(self, predicate: Any, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                found = [n for b in self.batches for n in b["value"] if predicate(n)]
                if found or time.monotonic() > deadline:
                    return found
                self.cond.wait(max(0.01, deadline - time.monotonic()))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
