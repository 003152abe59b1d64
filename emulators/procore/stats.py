"""Counters behind GET /_emulator/stats: calls by client id, method and route template, bytes in/out."""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._calls: dict[tuple[str, str, str, int], int] = defaultdict(int)
            self._bytes: dict[str, list[int]] = defaultdict(lambda: [0, 0])

    def record(self, client_id: str, method: str, route: str, status: int, bytes_in: int, bytes_out: int) -> None:
        with self._lock:
            self._calls[(client_id, method, route, status)] += 1
            b = self._bytes[client_id]
            b[0] += bytes_in
            b[1] += bytes_out

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            calls = [
                {"client_id": c, "method": m, "route": r, "status": s, "count": n}
                for (c, m, r, s), n in sorted(self._calls.items())
            ]
            by_client: dict[str, dict[str, Any]] = {}
            for (c, m, r, s), n in self._calls.items():
                entry = by_client.setdefault(c, {"calls": 0, "statuses": defaultdict(int), "routes": {}})
                entry["calls"] += n
                entry["statuses"][str(s)] += n
                route = entry["routes"].setdefault(f"{m} {r}", {"calls": 0, "statuses": defaultdict(int)})
                route["calls"] += n
                route["statuses"][str(s)] += n
            for c, (bi, bo) in self._bytes.items():
                entry = by_client.setdefault(c, {"calls": 0, "statuses": {}, "routes": {}})
                entry["bytes_in"], entry["bytes_out"] = bi, bo
            return {
                "total_calls": sum(self._calls.values()),
                "bytes_in": sum(b[0] for b in self._bytes.values()),
                "bytes_out": sum(b[1] for b in self._bytes.values()),
                "by_client": by_client,
                "calls": calls,
            }
