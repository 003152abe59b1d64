"""The host's admin endpoints (master key only): `GET /admin/host/status` and
`POST /admin/functions/{name}` with `{"input": "..."}`, which runs a queue or timer function now
(202, in the background, as the real host does); the queue input is the message body, not enqueued.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from datetime import UTC, datetime, timedelta

import azure.functions as func
from azure.functions.queue import QueueMessage
from azure.functions.timer import TimerRequest

from devhost.bindings import FunctionFailed, Invoker
from devhost.catalog import FunctionSpec, HttpTriggerSpec, QueueTriggerSpec
from devhost.keys import Keys, is_authorized

log = logging.getLogger("devhost")
Reply = tuple[int, list[tuple[str, str]], bytes]
_JSON = [("content-type", "application/json; charset=utf-8")]
MESSAGE_TTL = timedelta(days=7)


def _reply(status: int, body: object | None = None) -> Reply:
    return status, _JSON if body is not None else [], json.dumps(body).encode() if body is not None else b""


def manual_trigger_value(spec: FunctionSpec, text: str) -> object:
    """The trigger argument for a manual run: the input as a queue message body, or a timer request."""
    if isinstance(spec.trigger, QueueTriggerSpec):
        now = datetime.now(UTC)
        return QueueMessage(id=str(uuid.uuid4()), body=text.encode(), dequeue_count=1,  # type: ignore[no-untyped-call]
                            insertion_time=now, expiration_time=now + MESSAGE_TTL, time_next_visible=now)
    return TimerRequest(past_due=False)


class AdminApi:
    def __init__(self, functions: list[FunctionSpec], keys: Keys, invoker: Invoker) -> None:
        self._functions = {s.name.lower(): s for s in functions if not isinstance(s.trigger, HttpTriggerSpec)}
        self._keys = keys
        self._invoker = invoker
        self._running: set[asyncio.Task[None]] = set()

    async def handle(self, method: str, segments: list[str], key: str | None, body: bytes) -> Reply | None:
        """The reply for an admin path, or None when the path is not one."""
        lower = [s.lower() for s in segments]
        if not lower or lower[0] != "admin":
            return None
        if not is_authorized(func.AuthLevel.ADMIN, key, self._keys):
            return _reply(401)
        if lower == ["admin", "host", "status"] and method == "GET":
            return _reply(200, {"state": "Running"})
        if len(lower) == 3 and lower[1] == "functions" and method == "POST":
            spec = self._functions.get(lower[2])
            if spec is None:
                return _reply(404)
            try:
                text = str(json.loads(body or b"{}").get("input") or "")
            except (ValueError, AttributeError):
                return _reply(400, {"error": "body must be a JSON object like {\"input\": \"...\"}"})
            task = asyncio.ensure_future(self._run(spec, manual_trigger_value(spec, text)))
            self._running.add(task)
            task.add_done_callback(self._running.discard)
            return _reply(202)
        return _reply(404)

    async def _run(self, spec: FunctionSpec, value: object) -> None:
        try:
            values = await self._invoker.invoke(spec, value, reason="This function was programmatically called via "
                                                "the host APIs.")
            await self._invoker.flush_queue_outputs(spec, values)
        except FunctionFailed:
            pass  # logged by the invoker
        except Exception:
            log.exception("%s: writing the output bindings failed", spec.name)

    async def drain(self, timeout: float) -> bool:
        if not self._running:
            return True
        _, pending = await asyncio.wait(set(self._running), timeout=timeout)
        return not pending
