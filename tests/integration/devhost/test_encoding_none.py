"""host.json `messageEncoding: none` and a custom routePrefix: messages stay plain text both ways."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.devhost.conftest import RunningHost, drain_queue, launch_host, queue, unique, wait_for


@pytest.fixture(scope="module")
def plain(azurite_conn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHost]:
    settings = {"IN_QUEUE": unique("in"), "OUT_QUEUE": unique("out")}
    host = launch_host("plain", Path(tmp_path_factory.mktemp("plain")), azurite_conn, settings)
    yield host
    host.stop()


def _outputs(host: RunningHost, seen: list[str]) -> list[str]:
    seen.extend(drain_queue(queue(host.conn, host.settings["OUT_QUEUE"], base64=False)))
    return seen


def test_plain_text_message_is_consumed_and_written_plain(plain: RunningHost) -> None:
    queue(plain.conn, plain.settings["IN_QUEUE"], base64=False).send_message("hello plain")
    seen: list[str] = []
    wait_for(lambda: "HELLO PLAIN" in _outputs(plain, seen), what="the $return queue output")
    assert seen == ["HELLO PLAIN"]


def test_http_output_binding_writes_plain_text(plain: RunningHost) -> None:
    assert plain.client.post("/v1/echo", content=b"via http").status_code == 202
    seen: list[str] = []
    wait_for(lambda: "VIA HTTP" in _outputs(plain, seen), what="the chained output")
    assert plain.client.post("/api/echo", content=b"x").status_code == 404  # routePrefix is v1
