"""Queue sender that encodes exactly as the queue trigger decodes (host.json `messageEncoding`).

The Functions host expects base64 by default while the SDK's plain QueueClient sends raw text, the
classic trap that sends every message to poison; so producers go through here only. Queues are
created on first use; messages never expire (a long outage must not silently drop work). A message
with a `trace` field is sent carrying the current span's trace context, so its step joins the trace.
"""

from __future__ import annotations

import base64
import json
import threading
from functools import cache
from pathlib import Path
from typing import Literal

from azure.core.exceptions import ResourceExistsError
from azure.storage.queue import QueueClient, QueueServiceClient
from pydantic import BaseModel

from shared.telemetry.carrier import current_carrier

Encoding = Literal["base64", "none"]
HOST_JSON = Path(__file__).resolve().parents[2] / "host.json"
MAX_MESSAGE_BYTES = 64 * 1024
MAX_DELAY_S = 7 * 24 * 3600
NEVER_EXPIRE = -1


@cache
def host_message_encoding(host_json: Path = HOST_JSON) -> Encoding:
    """The `extensions.queues.messageEncoding` of the deployed host.json (default base64)."""
    try:
        config = json.loads(host_json.read_text())
    except FileNotFoundError:
        return "base64"
    value = str(config.get("extensions", {}).get("queues", {}).get("messageEncoding", "base64")).lower()
    if value not in ("base64", "none"):
        raise ValueError(f"host.json messageEncoding must be 'base64' or 'none', not {value!r}")
    return "base64" if value == "base64" else "none"


def encode_message(payload: BaseModel | str | bytes, encoding: Encoding) -> str:
    """The exact text put on the queue for `payload`."""
    if isinstance(payload, BaseModel):
        raw = payload.model_dump_json().encode()
    elif isinstance(payload, str):
        raw = payload.encode()
    else:
        raw = payload
    if encoding == "base64":
        text = base64.b64encode(raw).decode("ascii")
    else:
        text = raw.decode("utf-8")
    if len(text.encode()) > MAX_MESSAGE_BYTES:
        raise ValueError(f"queue message is {len(text.encode())} bytes encoded; the limit is {MAX_MESSAGE_BYTES}")
    return text


def with_trace(payload: BaseModel | str | bytes) -> BaseModel | str | bytes:
    """`payload` carrying the current trace context (unchanged when nothing is traced)."""
    if isinstance(payload, BaseModel) and "trace" in type(payload).model_fields:
        carrier = current_carrier()
        if carrier is not None:
            return payload.model_copy(update={"trace": carrier})
    return payload


class QueueSender:
    """Send pydantic messages to named queues, optionally delayed (visibility timeout)."""

    def __init__(self, service: QueueServiceClient, encoding: Encoding | None = None) -> None:
        self._service = service
        self._encoding: Encoding = encoding or host_message_encoding()
        self._clients: dict[str, QueueClient] = {}
        self._lock = threading.Lock()

    def _queue(self, name: str) -> QueueClient:
        with self._lock:
            client = self._clients.get(name)
            if client is None:
                client = self._service.get_queue_client(name)
                try:
                    client.create_queue()
                except ResourceExistsError:
                    pass
                self._clients[name] = client
            return client

    def send(self, queue: str, payload: BaseModel | str | bytes, *, delay_s: float = 0) -> str:
        """Enqueue; returns the message id. `delay_s` keeps it invisible that long (max 7 days)."""
        text = encode_message(with_trace(payload), self._encoding)
        delay = int(min(max(0.0, delay_s), MAX_DELAY_S))
        sent = self._queue(queue).send_message(
            text, visibility_timeout=delay or None, time_to_live=NEVER_EXPIRE
        )
        return str(sent.id)
