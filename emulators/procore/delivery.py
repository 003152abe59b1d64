"""The webhook delivery worker: POSTs payloads to each hook's destination_url with its
destination_headers, 5 s timeout, at-least-once. A failure (non-2xx, timeout, connection error)
pauses that hook's queue and retries with exponential backoff (1 s .. 1 h by default); after
12 h of failing, the queued events are discarded. Every attempt is listed under deliveries.
"""

from __future__ import annotations

import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import httpx

from .store import State, iso

if TYPE_CHECKING:
    from .webhooks import Hook, Hooks

MAX_BODY = 2000


@dataclass
class Delivery:
    id: int
    hook_id: int
    event_id: int
    payload: dict[str, Any]
    not_before: float
    queued_at: float
    attempts: int = 0
    first_failure: float | None = None


def _ulid(ts: float) -> str:
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    n = (int(ts * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    return "".join(alphabet[(n >> (5 * i)) & 31] for i in range(25, -1, -1))


def build_payload(event: dict[str, Any], api_version: str) -> dict[str, Any]:
    ts = datetime.fromtimestamp(event["timestamp"], timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    version = api_version.lstrip("v").split(".")[0]
    if version == "4":
        return {"id": _ulid(event["timestamp"]), "timestamp": ts, "reason": event["event_type"],
                "company_id": str(event["company_id"]), "project_id": _s(event["project_id"]),
                "user_id": _s(event["user_id"]), "resource_type": event["resource_name"],
                "resource_id": str(event["resource_id"]), "data": {}}
    payload: dict[str, Any] = {
        "id": int.from_bytes(os.urandom(8), "big") >> 1, "ulid": _ulid(event["timestamp"]), "timestamp": ts,
        "metadata": {"source_user_id": event["user_id"], "source_project_id": event["project_id"],
                     "source_company_id": event["company_id"],
                     "source_application_id": event["source_application_id"], "source_operation_id": None},
        "user_id": event["user_id"], "company_id": event["company_id"], "project_id": event["project_id"],
        "api_version": "v3.0" if version == "3" else "v2.0", "event_type": event["event_type"],
        "resource_name": event["resource_name"], "resource_id": event["resource_id"],
    }
    if version == "3":
        payload["related_resources"] = []
    return payload


def _s(value: Any) -> str | None:
    return None if value is None else str(value)


class DeliveryWorker:
    def __init__(self, st: State, hooks: Hooks) -> None:
        self.st, self.hooks = st, hooks
        self._cond = threading.Condition()
        self._stop = False
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="procore-webhook")
        self._thread = threading.Thread(target=self._run, name="procore-webhooks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                if self._stop:
                    return
            next_wake = self._dispatch()
            with self._cond:
                if self._stop:
                    return
                self._cond.wait(timeout=max(0.01, min(next_wake, 0.5)))

    def _dispatch(self) -> float:
        """Start one attempt per ready hook; returns seconds until something may become ready."""
        now = self.st.now()
        soonest = 0.5
        with self.hooks.lock:
            for hook in list(self.hooks.hooks.values()):
                if hook.in_flight or not hook.queue:
                    continue
                self._discard_if_stale(hook, now)
                if not hook.queue:
                    continue
                ready_at = max(hook.paused_until, hook.queue[0].not_before)
                if ready_at > now:
                    soonest = min(soonest, ready_at - now)
                    continue
                hook.in_flight = True
                self._pool.submit(self._attempt, hook, hook.queue[0])
        return soonest

    def _discard_if_stale(self, hook: Hook, now: float) -> None:
        head = hook.queue[0] if hook.queue else None
        if head is None or head.first_failure is None:
            return
        if now - head.first_failure < self.st.config.webhook_discard_after_s:
            return
        for d in hook.queue:
            self._record(hook, d, "discarded", now, now, None, None, None, "discarded after repeated failures")
        hook.queue.clear()
        hook.failures, hook.paused_until = 0, 0.0

    def _attempt(self, hook: Hook, d: Delivery) -> None:
        cfg = self.st.config
        started = self.st.now()
        status, headers, body, error = None, None, None, None
        try:
            r = httpx.post(hook.destination_url, content=json.dumps(d.payload).encode(),
                           headers={"Content-Type": "application/json", "User-Agent": "Procore-Webhooks",
                                    **hook.destination_headers},
                           timeout=cfg.webhook_timeout_s)
            status, headers, body = r.status_code, dict(r.headers), r.text[:MAX_BODY]
            ok = 200 <= r.status_code < 300
        except httpx.HTTPError as exc:
            error, ok = f"{type(exc).__name__}: {exc}", False
        done = self.st.now()
        d.attempts += 1
        with self.hooks.lock:
            if ok:
                if hook.queue and hook.queue[0] is d:
                    hook.queue.pop(0)
                hook.failures, hook.paused_until = 0, 0.0
            else:
                d.first_failure = d.first_failure or started
                hook.failures += 1
                hook.paused_until = done + min(cfg.webhook_retry_max_s,
                                               cfg.webhook_retry_base_s * 2 ** (hook.failures - 1))
            self._record(hook, d, "ok" if ok else "retried", started, done, status, headers, body, error)
            hook.in_flight = False
        self.wake()

    def _record(self, hook: Hook, d: Delivery, outcome: str, started: float, done: float, status: int | None,
                headers: dict[str, str] | None, body: str | None, error: str | None) -> None:
        self.hooks.attempts.append({
            "id": self.st.next_id("delivery"), "hook_id": hook.id, "event_id": d.event_id, "outcome": outcome,
            "attempt": d.attempts, "response_status": status, "response_headers": headers, "response_body": body,
            "response_error": error, "started_at": iso(started), "completed_at": iso(done),
            "event": d.payload,
        })


__all__ = ["Delivery", "DeliveryWorker", "build_payload", "time"]
