"""Queue-trigger listener with the storage extension's semantics (WebJobs QueueListener).

Fetch `batchSize` messages with a 10-minute visibility, renew it at half-interval while the function
runs, delete on success; on failure poison (copy raw text to `<queue>-poison`, delete) once
dequeue_count >= maxDequeueCount, else release with host.json visibilityTimeout. Undecodable messages
go straight to poison. Empty polls back off with the extension's randomized exponential strategy.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from azure.functions.queue import QueueMessage
from azure.storage.queue import QueueMessage as StorageMessage

from devhost.bindings import FunctionFailed, Invoker
from devhost.catalog import FunctionSpec, QueueTriggerSpec
from devhost.settings import QueueOptions
from devhost.storage import MessageDecodeError, decode_message

log = logging.getLogger("devhost")

FETCH_VISIBILITY_SECONDS = 600.0  # QueueListener: TimeSpan.FromMinutes(10)
# Test switch: deliver every message twice (a copy is enqueued as the original starts, so the two may run
# concurrently), to prove the functions are idempotent under the at-least-once delivery Azure promises.
# Each distinct message text is doubled once: a step that re-enqueues itself (a retry with a delay)
# would otherwise double at every attempt and grow exponentially, which no real queue does.
DUPLICATE_DELIVERY_ENV = "DEVHOST_DUPLICATE_DELIVERY"
MIN_POLL_SECONDS = 0.1
RANDOMIZATION = 0.2


@dataclass
class _Lease:
    """The message's current pop receipt: every visibility update returns a new one."""

    pop_receipt: str
    next_visible: datetime | None


class Backoff:
    """RandomizedExponentialBackoffStrategy: minimum after a hit, min + (2^(n-1) * delta * ~1) after misses."""

    def __init__(self, maximum: float, minimum: float = MIN_POLL_SECONDS,
                 rand: Callable[[], float] = random.random) -> None:
        self.minimum, self.maximum, self._rand = minimum, max(maximum, minimum), rand
        self.current, self._exponent = minimum, 1

    def next_delay(self, hit: bool) -> float:
        if hit:
            self.current, self._exponent = self.minimum, 1
        elif self.current != self.maximum:
            factor = 1.0 - RANDOMIZATION + 2 * RANDOMIZATION * self._rand()
            candidate = self.minimum + factor * 2 ** (self._exponent - 1) * self.minimum
            if candidate < self.maximum:
                self.current, self._exponent = candidate, self._exponent + 1
            else:
                self.current = self.maximum
        return self.current


def poison_queue_name(queue: str) -> str:
    return f"{queue}-poison"


class QueueListener:
    """Polls one queue for one function until `stop()`; `drain()` waits for in-flight messages."""

    def __init__(self, spec: FunctionSpec, options: QueueOptions, invoker: Invoker,
                 fetch_visibility: float = FETCH_VISIBILITY_SECONDS) -> None:
        assert isinstance(spec.trigger, QueueTriggerSpec)
        self.spec, self.trigger, self.options = spec, spec.trigger, options
        self._invoker = invoker
        if fetch_visibility < 1:
            raise ValueError("the fetch visibility must be at least 1 second (the service counts whole seconds)")
        self._visibility = fetch_visibility
        self._stopping = asyncio.Event()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._backoff = Backoff(options.max_polling_interval)
        self._duplicate = os.environ.get(DUPLICATE_DELIVERY_ENV, "") == "1"
        self._doubled: set[int] = set()

    async def prepare(self) -> None:
        """Create the trigger queue if missing (done before the host reports ready)."""
        store = self._invoker.store
        await self._invoker.io(functools.partial(store.ensure_queue, self.trigger.connection, self.trigger.queue_name))

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        stop_wait = asyncio.ensure_future(self._stopping.wait())
        try:
            while not self._stopping.is_set():
                while len(self._in_flight) > self.options.new_batch_threshold and not self._stopping.is_set():
                    await asyncio.wait({*self._in_flight, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
                if self._stopping.is_set():
                    break
                try:
                    messages = await self._invoker.io(functools.partial(self._receive))
                except Exception as exc:
                    log.warning("polling %s failed: %s", self.trigger.queue_name, exc)
                    messages = []
                for message in messages:
                    task = asyncio.ensure_future(self._process(message))
                    self._in_flight.add(task)
                    task.add_done_callback(self._in_flight.discard)
                delay = self._backoff.next_delay(bool(messages))
                await asyncio.wait({stop_wait}, timeout=delay)
        finally:
            stop_wait.cancel()

    async def drain(self, timeout: float) -> bool:
        """Wait for in-flight messages; True when all finished within `timeout` seconds."""
        if not self._in_flight:
            return True
        log.info("%s: waiting for %d in-flight message(s)", self.spec.name, len(self._in_flight))
        _, pending = await asyncio.wait(set(self._in_flight), timeout=timeout)
        if pending:
            log.warning("%s: %d message(s) still running at shutdown; they reappear after their visibility "
                        "timeout", self.spec.name, len(pending))
        return not pending

    def _client(self) -> Any:
        return self._invoker.store.client(self.trigger.connection, self.trigger.queue_name)

    def _receive(self) -> list[StorageMessage]:
        batch = self.options.batch_size
        pages = self._client().receive_messages(messages_per_page=batch, max_messages=batch,
                                                visibility_timeout=int(self._visibility))
        return list(pages)

    async def _process(self, message: StorageMessage) -> None:
        state = _Lease(str(message.pop_receipt), message.next_visible_on)
        done = asyncio.Event()
        renewer = asyncio.ensure_future(self._renew(message, state, done))
        succeeded = False
        try:
            try:
                body = decode_message(message.content, self.options.message_encoding)
            except MessageDecodeError:
                log.error("Message decoding has failed! Check MessageEncoding settings. MessageId=%s", message.id)
                done.set()
                await renewer
                await self._poison(message, state.pop_receipt)
                return
            if self._duplicate and hash(message.content) not in self._doubled:
                self._doubled.add(hash(message.content))
                await self._invoker.io(functools.partial(
                    self._invoker.store.send_raw, self.trigger.connection, self.trigger.queue_name, message.content))
            trigger_value = QueueMessage(  # type: ignore[no-untyped-call]
                id=message.id, body=body, pop_receipt=state.pop_receipt, dequeue_count=message.dequeue_count,
                insertion_time=message.inserted_on, expiration_time=message.expires_on,
                time_next_visible=state.next_visible)
            try:
                values = await self._invoker.invoke(self.spec, trigger_value, reason=f"New queue message detected "
                                                    f"on '{self.trigger.queue_name}'.")
                await self._invoker.flush_queue_outputs(self.spec, values)
                succeeded = True
            except FunctionFailed:
                pass  # logged by the invoker; the message is released or poisoned below
            except Exception:
                log.exception("%s: writing the output bindings failed", self.spec.name)
            done.set()
            await renewer
            await self._complete(message, state.pop_receipt, succeeded)
        except Exception:
            log.exception("%s: handling message %s failed", self.spec.name, message.id)

    async def _renew(self, message: StorageMessage, state: _Lease, done: asyncio.Event) -> None:
        """Keep the message invisible while the function runs (never cancelled mid-update: the pop
        receipt an update returns is needed to delete the message)."""
        interval = self._visibility / 2
        while True:
            try:
                await asyncio.wait_for(done.wait(), timeout=interval)
                return
            except TimeoutError:
                pass
            try:
                receipt = await self._invoker.io(functools.partial(
                    self._client().update_message, message.id, state.pop_receipt,
                    visibility_timeout=int(self._visibility)))
                state.pop_receipt, state.next_visible = receipt.pop_receipt, receipt.next_visible_on
            except Exception as exc:
                log.warning("renewing visibility of %s failed: %s", message.id, exc)

    async def _complete(self, message: StorageMessage, pop_receipt: str, succeeded: bool) -> None:
        client = self._client()
        if succeeded:
            await self._invoker.io(functools.partial(client.delete_message, message.id, pop_receipt))
        elif (message.dequeue_count or 0) >= self.options.max_dequeue_count:
            await self._poison(message, pop_receipt)
        else:
            await self._invoker.io(functools.partial(client.update_message, message.id, pop_receipt,
                                                     visibility_timeout=int(self.options.visibility_timeout)))

    async def _poison(self, message: StorageMessage, pop_receipt: str) -> None:
        poison = poison_queue_name(self.trigger.queue_name)
        log.warning("Message has reached MaxDequeueCount of %d (or cannot be decoded). Moving message %s to "
                    "queue '%s'.", self.options.max_dequeue_count, message.id, poison)
        store = self._invoker.store
        await self._invoker.io(functools.partial(store.send_raw, self.trigger.connection, poison, message.content))
        await self._invoker.io(functools.partial(self._client().delete_message, message.id, pop_receipt))
