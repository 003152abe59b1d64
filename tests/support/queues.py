"""Reading a Storage queue back in tests: every message now on it, removed and decoded."""

from __future__ import annotations

import base64
import json
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.queue import QueueClient


def drain(connection_string: str, queue: str) -> list[dict[str, Any]]:
    """Every visible message on `queue`, removed and decoded (none when the queue was never made)."""
    client = QueueClient.from_connection_string(connection_string, queue)
    found: list[dict[str, Any]] = []
    try:
        while batch := list(client.receive_messages(messages_per_page=32, max_messages=32)):
            for message in batch:
                found.append(json.loads(base64.b64decode(message.content)))
                client.delete_message(message)
    except ResourceNotFoundError:
        pass                        # nothing was ever sent to it
    finally:
        client.close()
    return found
