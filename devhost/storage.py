"""Queue storage access for triggers and output bindings: connections, clients, message encoding.

Clients are created without encode/decode policies, so the host sees and writes the raw message text
and applies host.json `messageEncoding` itself (base64 or none), exactly as the storage extension does.
`connection` names an app setting; the extension also tries the `AzureWebJobs<name>` form.
"""

from __future__ import annotations

import base64
import binascii
import collections.abc
import threading
from collections.abc import Mapping

from azure.core.exceptions import ResourceExistsError
from azure.functions import QueueMessage as AbcQueueMessage
from azure.storage.queue import QueueClient, QueueServiceClient

from devhost.settings import ConfigError


class MessageDecodeError(ValueError):
    """The message text is not valid for the configured encoding (it goes straight to poison)."""


def resolve_connection(name: str, environ: Mapping[str, str]) -> str:
    """The storage connection string behind a binding's `connection` setting name."""
    for candidate in (name, f"AzureWebJobs{name}"):
        value = environ.get(candidate)
        if value:
            return value
    raise ConfigError(f"Storage account connection string '{name}' does not exist. Set it in the "
                      "environment or in local.settings.json Values.")


def encode_message(value: str | bytes, encoding: str) -> str:
    """Message text to put on the queue for a str/bytes payload."""
    raw = value.encode("utf-8") if isinstance(value, str) else value
    if encoding == "base64":
        return base64.b64encode(raw).decode("ascii")
    return raw.decode("utf-8")


def decode_message(text: str, encoding: str) -> bytes:
    """Message body bytes from the queue text; strict base64 like .NET Convert.FromBase64String."""
    if encoding != "base64":
        return text.encode("utf-8")
    compact = "".join(text.split())  # .NET ignores whitespace inside base64
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MessageDecodeError(str(exc)) from exc


def output_payloads(value: object) -> list[str | bytes]:
    """What a queue output binding value becomes, as the worker's QueueMessageOutConverter accepts it."""
    if value is None:
        return []
    if isinstance(value, str | bytes):
        return [value]
    if isinstance(value, AbcQueueMessage):
        return [value.get_body()]
    if isinstance(value, collections.abc.Iterable):
        items: list[str | bytes] = []
        for item in value:
            if isinstance(item, str):
                items.append(item)
            elif isinstance(item, AbcQueueMessage):
                items.append(item.get_body())
            else:
                raise TypeError(f"invalid data type in output queue message list: {type(item)}")
        return items
    raise TypeError(f"unsupported queue output value: {type(value)}")


class QueueStore:
    """Thread-safe cache of QueueClients per (connection setting, queue); creates queues once."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        self._services: dict[str, QueueServiceClient] = {}
        self._clients: dict[tuple[str, str], QueueClient] = {}
        self._created: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def client(self, connection: str, queue: str) -> QueueClient:
        key = (connection, queue)
        with self._lock:
            if key not in self._clients:
                conn = resolve_connection(connection, self._environ)
                if conn not in self._services:
                    self._services[conn] = QueueServiceClient.from_connection_string(conn)
                self._clients[key] = self._services[conn].get_queue_client(queue)
            return self._clients[key]

    def ensure_queue(self, connection: str, queue: str) -> QueueClient:
        """The client, after creating the queue if this process has not seen it yet."""
        client = self.client(connection, queue)
        if (connection, queue) not in self._created:
            try:
                client.create_queue()
            except ResourceExistsError:
                pass
            self._created.add((connection, queue))
        return client

    def send(self, connection: str, queue: str, payloads: list[str | bytes], encoding: str) -> None:
        client = self.ensure_queue(connection, queue)
        for payload in payloads:
            client.send_message(encode_message(payload, encoding))

    def send_raw(self, connection: str, queue: str, text: str) -> str:
        """Put message text as-is (the poison copy keeps the original, still-encoded content); returns its id."""
        return str(self.ensure_queue(connection, queue).send_message(text).id)

    def close(self) -> None:
        with self._lock:
            for svc in self._services.values():
                svc.close()
