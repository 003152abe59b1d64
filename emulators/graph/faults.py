"""Test switches that make the emulator misbehave on purpose, and the per-client call statistics.

- throttle rules: the next N API calls whose "METHOD /route/template" matches answer 429/503 with
  Retry-After (inner $batch requests are matched on their own, so a 429 can hide in a 200 batch);
- random faults (contract §3 /_emulator/faults): error_rate, statuses, latency_ms, seed;
- upload drops: the next fragment PUT keeps only its first N bytes, then fails (a dropped fragment);
- download drops: the next download stops after N bytes by cutting the connection.
"""

from __future__ import annotations

import random
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field

from emulators.graph.errors import GraphError


@dataclass
class ThrottleRule:
    status: int
    retry_after: int
    remaining: int
    match: re.Pattern[str] | None
    client_id: str | None


@dataclass
class RandomFaults:
    error_rate: float = 0.0
    statuses: list[int] = field(default_factory=lambda: [429, 500, 503])
    latency_ms: int = 0
    rng: random.Random = field(default_factory=random.Random)


def throttle_error(status: int, retry_after: int) -> GraphError:
    headers = {"Retry-After": str(retry_after)}
    if status == 429:
        return GraphError(429, "activityLimitReached", "The request has been throttled",
                          "throttledRequest", headers)
    if status == 503:
        return GraphError(503, "serviceNotAvailable", "The service is not available. Try the request "
                          "again after a delay. There may be a Retry-After header.", None, headers)
    return GraphError(status, "generalException", "An unspecified error has occurred.")


class Faults:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rules: list[ThrottleRule] = []
        self.random = RandomFaults()
        self.upload_drops: list[int] = []
        self.download_drops: list[int] = []
        self.calls: dict[tuple[str, str, str], int] = defaultdict(int)
        self.batched: dict[str, int] = defaultdict(int)      # of calls: requests run inside a $batch
        self.bytes_in: dict[str, int] = defaultdict(int)
        self.bytes_out: dict[str, int] = defaultdict(int)
        self.agents: dict[str, set[str]] = defaultdict(set)

    def add_throttle(self, status: int, retry_after: int, count: int, match: str | None,
                     client_id: str | None) -> None:
        with self.lock:
            self.rules.append(ThrottleRule(status, retry_after, count,
                                           re.compile(match) if match else None, client_id))

    def set_random(self, error_rate: float, statuses: list[int], latency_ms: int, seed: int | None) -> None:
        with self.lock:
            self.random = RandomFaults(error_rate, statuses, latency_ms, random.Random(seed))

    def check(self, method: str, template: str, client_id: str) -> tuple[GraphError | None, float]:
        """(error to answer instead of the call or None, latency seconds to add)."""
        key = f"{method} {template}"
        with self.lock:
            for rule in self.rules:
                if rule.remaining <= 0:
                    continue
                if rule.client_id and rule.client_id != client_id:
                    continue
                if rule.match and not rule.match.search(key):
                    continue
                rule.remaining -= 1
                return throttle_error(rule.status, rule.retry_after), 0.0
            self.rules = [r for r in self.rules if r.remaining > 0]
            rf = self.random
            latency = rf.latency_ms / 1000.0
            if rf.error_rate and rf.statuses and rf.rng.random() < rf.error_rate:
                return throttle_error(rf.rng.choice(rf.statuses), 1), latency
            return None, latency

    def take_upload_drop(self) -> int | None:
        with self.lock:
            return self.upload_drops.pop(0) if self.upload_drops else None

    def take_download_drop(self) -> int | None:
        with self.lock:
            return self.download_drops.pop(0) if self.download_drops else None

    def count(self, client_id: str, method: str, template: str, n_in: int, n_out: int,
              user_agent: str | None = None, batched: bool = False) -> None:
        """One API request; `batched`: it ran inside a $batch (counted like any other, as Graph's limits
        count it, and also in `batched`, so calls - batched is what was sent over the wire)."""
        with self.lock:
            if user_agent:
                self.agents[client_id].add(user_agent)
            self.calls[(client_id, method, template)] += 1
            if batched:
                self.batched[client_id] += 1
            self.bytes_in[client_id] += n_in
            self.bytes_out[client_id] += n_out

    def stats(self) -> dict[str, object]:
        with self.lock:
            by_client: dict[str, dict[str, object]] = {}
            for (client, method, template), n in sorted(self.calls.items()):
                entry = by_client.setdefault(client, {"calls": 0, "batched": 0, "routes": {}, "bytes_in": 0,
                                                      "bytes_out": 0, "user_agents": []})
                entry["calls"] = int(entry["calls"]) + n  # type: ignore[call-overload]
                entry["routes"][f"{method} {template}"] = n  # type: ignore[index]
            for client, entry in by_client.items():
                entry["batched"] = self.batched[client]
                entry["bytes_in"] = self.bytes_in[client]
                entry["bytes_out"] = self.bytes_out[client]
                entry["user_agents"] = sorted(self.agents.get(client, ()))
            total = sum(self.calls.values())
            return {"total_calls": total, "clients": by_client}

    def reset_stats(self) -> None:
        with self.lock:
            self.calls.clear()
            self.batched.clear()
            self.bytes_in.clear()
            self.bytes_out.clear()
            self.agents.clear()
