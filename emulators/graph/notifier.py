"""Change-notification delivery: batches, 3-second timeout, retries within the window, degradation.

A background thread owns delivery. Changes in a drive queue one notification per live subscription
on that drive; notifications due within the batch window go out together in one `value[]` POST per
URL. Non-2xx or slow answers are retried with doubling delays until the retry window closes. The
contract §3 switch can drop, duplicate or delay deliveries; every attempt is logged for tests.
"""

from __future__ import annotations

import heapq
import itertools
import json
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from emulators.graph.state import Subscription, iso, utcnow
from emulators.graph.store import Store


@dataclass(order=True)
class _Job:
    due: float
    seq: int
    url: str = field(compare=False)
    payloads: list[dict[str, Any]] = field(compare=False)
    first_try: float = field(compare=False)
    attempt: int = field(compare=False, default=0)


@dataclass
class Degrade:
    drop_rate: float = 0.0
    duplicate_rate: float = 0.0
    delay_ms: int = 0
    rng: random.Random = field(default_factory=random.Random)


def notification(store: Store, sub: Subscription) -> dict[str, Any]:
    return {"subscriptionId": sub.id, "subscriptionExpirationDateTime": iso(sub.expires),
            "changeType": "updated", "resource": sub.resource, "clientState": sub.client_state,
            "tenantId": store.tenant_id, "resourceData": {"@odata.type": "#Microsoft.Graph.DriveItem"}}


class Notifier:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.cond = threading.Condition()
        self.jobs: list[_Job] = []
        self.delivering = 0                  # jobs taken off the heap, their POST not yet answered
        self.seq = itertools.count()
        self.degrade = Degrade()
        self.log: list[dict[str, Any]] = []
        self._stop = False
        self._client = httpx.Client(follow_redirects=False, trust_env=False)
        self._thread = threading.Thread(target=self._run, name="graph-notifier", daemon=True)
        store.listeners.append(self.on_change)
        self._thread.start()

    def stop(self) -> None:
        with self.cond:
            self._stop = True
            self.cond.notify_all()
        self._thread.join(5)
        self._client.close()

    # ---- producers -------------------------------------------------------------------------
    def on_change(self, drive_id: str) -> None:
        now = utcnow()
        with self.store.lock:
            subs = [s for s in self.store.subscriptions.values() if s.drive_id == drive_id]
            for sub in subs:
                if sub.expires <= now:
                    self.store.subscriptions.pop(sub.id, None)
            payloads = [(s.notification_url, notification(self.store, s)) for s in subs if s.expires > now]
        for url, payload in payloads:
            self.enqueue(url, payload)

    def enqueue(self, url: str, payload: dict[str, Any], delay: float | None = None) -> None:
        cfg = self.store.config
        with self.cond:
            d = self.degrade
            if d.drop_rate and d.rng.random() < d.drop_rate:
                self.log.append({"url": url, "status": "dropped", "payload": payload})
                return
            copies = 2 if d.duplicate_rate and d.rng.random() < d.duplicate_rate else 1
            due = time.monotonic() + (cfg.notification_batch_window_s if delay is None else delay)
            due += d.delay_ms / 1000.0
            for _ in range(copies):
                pending = None if copies > 1 else next(
                    (j for j in self.jobs if j.url == url and j.attempt == 0), None)
                if pending is not None:
                    if payload not in pending.payloads:   # one notification per subscription per batch
                        pending.payloads.append(payload)
                else:
                    heapq.heappush(self.jobs, _Job(due, next(self.seq), url, [payload], time.monotonic()))
            self.cond.notify_all()

    # ---- delivery --------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self.cond:
                while not self._stop and (not self.jobs or self.jobs[0].due > time.monotonic()):
                    timeout = self.jobs[0].due - time.monotonic() if self.jobs else None
                    self.cond.wait(timeout)
                if self._stop:
                    return
                job = heapq.heappop(self.jobs)
                self.delivering += 1
            try:
                self._deliver(job)
            finally:
                with self.cond:
                    self.delivering -= 1

    def pending(self) -> int:
        """Notifications queued, waiting for a retry, or being delivered (tests wait for none)."""
        with self.cond:
            return len(self.jobs) + self.delivering

    def _deliver(self, job: _Job) -> None:
        cfg = self.store.config
        started = time.monotonic()
        status: int | str
        try:
            resp = self._client.post(job.url, content=json.dumps({"value": job.payloads}).encode(),
                                     headers={"Content-Type": "application/json; charset=utf-8"},
                                     timeout=cfg.notification_timeout_s)
            status = resp.status_code
            elapsed = time.monotonic() - started
            ok = 200 <= status < 300 and elapsed <= cfg.notification_timeout_s
        except httpx.HTTPError as exc:
            status, ok = type(exc).__name__, False
        with self.cond:
            self.log.append({"url": job.url, "status": status, "attempt": job.attempt,
                             "count": len(job.payloads), "payload": {"value": job.payloads}})
            if ok:
                return
            delay = cfg.notification_retry_base_s * (2 ** job.attempt)
            if time.monotonic() + delay - job.first_try > cfg.notification_retry_window_s:
                self.log.append({"url": job.url, "status": "abandoned", "attempt": job.attempt})
                return
            job.attempt += 1
            job.due = time.monotonic() + delay
            job.seq = next(self.seq)
            heapq.heappush(self.jobs, job)
            self.cond.notify_all()
