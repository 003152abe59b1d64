"""A counting HTTP proxy in front of Azurite: every Storage request the host makes, by service and kind.

Azurite logs nothing countable by default, so the bench points the host's AzureWebJobsStorage at this
proxy. It parses request heads only (bodies and responses are piped through untouched).
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

HEAD_LIMIT = 64 * 1024
PIPE_CHUNK = 256 * 1024


@dataclass
class StorageCounts:
    """Requests seen, keyed by (service, method, kind); `work()` leaves out the host's queue receives."""

    by_key: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    def total(self) -> int:
        return sum(self.by_key.values())

    def polls(self) -> int:
        """Queue receives (GET .../messages): the host's polls, most of them of idle queues (a receive that
        finds messages takes up to 32 at once, so they are not one per message either)."""
        return sum(n for (svc, method, kind), n in self.by_key.items()
                   if svc == "queue" and method == "GET" and kind == "messages")

    def work(self) -> int:
        """Every request but the host's queue receives: what the product's own code asked of Storage."""
        return self.total() - self.polls()

    def minus(self, earlier: StorageCounts) -> StorageCounts:
        diff = Counter(self.by_key)
        diff.subtract(earlier.by_key)
        return StorageCounts(Counter({k: n for k, n in diff.items() if n > 0}))

    def by_service(self) -> dict[str, int]:
        out: Counter[str] = Counter()
        for (svc, _method, _kind), n in self.by_key.items():
            out[svc] += n
        return dict(out)


def classify(service: str, method: str, target: str) -> str:
    """A coarse kind for a request target (`/devstoreaccount1/<name>[/...]?query`)."""
    path = target.split("?", 1)[0]
    parts = [p for p in path.split("/") if p][1:]   # drop the account
    if service == "queue":
        if len(parts) >= 3 and parts[1] == "messages":
            return "message"
        if len(parts) >= 2 and parts[1] == "messages":
            return "messages"
        return "queue"
    if service == "table":
        return "table" if parts else "account"
    return "blob" if len(parts) >= 2 else "container"


class CountingProxy:
    """Listens on one loopback port per service and forwards to Azurite's; counts in `snapshot()`."""

    def __init__(self, upstream: dict[str, int]) -> None:
        self.upstream = upstream                 # service ("blob"|"queue"|"table") -> Azurite port
        self.ports: dict[str, int] = {}
        self._counts: Counter[tuple[str, str, str]] = Counter()
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="storage-proxy", daemon=True)

    def start(self) -> dict[str, int]:
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the storage proxy did not start")
        return self.ports

    def snapshot(self) -> StorageCounts:
        with self._lock:
            return StorageCounts(Counter(self._counts))

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        for service in self.upstream:
            server = self._loop.run_until_complete(asyncio.start_server(
                self._handler(service), "127.0.0.1", self.ports.get(service, 0)))
            self.ports[service] = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    def _handler(self, service: str) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await self._serve(service, reader, writer)
        return handle

    async def _serve(self, service: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.upstream[service])
        except OSError:
            writer.close()
            return
        back = asyncio.ensure_future(_pipe(up_r, writer))
        try:
            await self._forward_requests(service, reader, up_w)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            up_w.close()
            try:
                await back
            except OSError:
                pass
            writer.close()

    async def _forward_requests(self, service: str, reader: asyncio.StreamReader, up: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                return
            line, _, rest = head.partition(b"\r\n")
            method, target = line.decode("latin-1").split(" ")[:2]
            headers = {k.strip().lower(): v.strip() for k, _, v in
                       (h.partition(":") for h in rest.decode("latin-1").split("\r\n") if h)}
            with self._lock:
                self._counts[(service, method, classify(service, method, target))] += 1
            up.write(head)
            if headers.get("transfer-encoding", "").lower() == "chunked":
                await _copy_chunked(reader, up)
            else:
                await _copy_exact(reader, up, int(headers.get("content-length", "0") or 0))
            await up.drain()


async def _copy_exact(reader: asyncio.StreamReader, up: asyncio.StreamWriter, n: int) -> None:
    while n > 0:
        data = await reader.read(min(n, PIPE_CHUNK))
        if not data:
            raise asyncio.IncompleteReadError(b"", n)
        up.write(data)
        n -= len(data)
        await up.drain()


async def _copy_chunked(reader: asyncio.StreamReader, up: asyncio.StreamWriter) -> None:
    while True:
        size_line = await reader.readuntil(b"\r\n")
        up.write(size_line)
        size = int(size_line.split(b";")[0].strip(), 16)
        if size == 0:
            up.write(await reader.readuntil(b"\r\n"))   # (no trailers from the SDK) the final CRLF
            return
        await _copy_exact(reader, up, size + 2)


async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
    while True:
        data = await src.read(PIPE_CHUNK)
        if not data:
            break
        dst.write(data)
        await dst.drain()
    dst.close()
