"""The queue sender encodes exactly what the trigger decodes, and delays work."""

from __future__ import annotations

import base64
import time
import uuid

import pytest
from pydantic import BaseModel

from shared.store.clients import StorageClients
from shared.store.queues import QueueSender, encode_message, host_message_encoding


class Msg(BaseModel):
    link_id: str
    n: int


def test_base64_message_round_trips(storage: StorageClients) -> None:
    name = "q" + uuid.uuid4().hex[:10]
    sender = QueueSender(storage.queues, "base64")
    sender.send(name, Msg(link_id="l1", n=3))
    raw = storage.queues.get_queue_client(name).receive_message()
    assert raw is not None
    assert Msg.model_validate_json(base64.b64decode(raw.content)) == Msg(link_id="l1", n=3)


def test_none_encoding_sends_plain_text(storage: StorageClients) -> None:
    name = "q" + uuid.uuid4().hex[:10]
    QueueSender(storage.queues, "none").send(name, "hello")
    raw = storage.queues.get_queue_client(name).receive_message()
    assert raw is not None and raw.content == "hello"


def test_delayed_message_stays_invisible(storage: StorageClients) -> None:
    name = "q" + uuid.uuid4().hex[:10]
    QueueSender(storage.queues, "base64").send(name, "later", delay_s=2)
    client = storage.queues.get_queue_client(name)
    assert client.receive_message() is None
    time.sleep(2.5)
    assert client.receive_message() is not None


def test_oversized_message_is_refused_before_sending() -> None:
    with pytest.raises(ValueError, match="limit"):
        encode_message("x" * 60_000, "base64")


def test_project_host_json_uses_base64() -> None:
    assert host_message_encoding() == "base64"
