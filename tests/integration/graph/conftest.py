"""Fixtures for the Graph client tests: one emulator per test module (fast timings), sessions for
the `app` credential (the product) and the `user` credential (a person), and a fresh folder per test.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulators.graph import EmulatorConfig, GraphEmulator, start_emulator
from shared.graph import items
from shared.graph.config import GraphConfig
from shared.graph.models import DriveItem
from shared.graph.session import GraphSession

FAST = {
    "notification_batch_window_s": 0.05,
    "notification_retry_base_s": 0.2,
    "notification_retry_window_s": 2.0,
    "validation_timeout_s": 2.0,
    "notification_timeout_s": 1.0,
}


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphEmulator]:
    config = EmulatorConfig()
    config.update(dict(FAST))
    emulator = start_emulator(tmp_path_factory.mktemp("graph-emu"), config=config)
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture(scope="module")
def desc(emu: GraphEmulator) -> dict[str, Any]:
    return emu.descriptor()


def graph_config(desc: dict[str, Any], who: str = "app") -> GraphConfig:
    return GraphConfig(tenant_id=desc["tenant_id"], client_id=desc[who]["client_id"],
                       client_secret=desc[who]["client_secret"], authority=desc["authority"],
                       graph_url=desc["base_url"], ca_file=desc["ca_file"])


@pytest.fixture()
def app(desc: dict[str, Any]) -> Iterator[GraphSession]:
    session = GraphSession(graph_config(desc, "app"))
    yield session
    session.close()


@pytest.fixture()
def user(desc: dict[str, Any]) -> Iterator[GraphSession]:
    session = GraphSession(graph_config(desc, "user"))
    yield session
    session.close()


@pytest.fixture()
def control(desc: dict[str, Any]) -> Iterator[httpx.Client]:
    """The /_emulator/ test surface."""
    with httpx.Client(base_url=desc["emulator_url"] + "/_emulator", timeout=30) as client:
        yield client


@pytest.fixture()
def drive_id(desc: dict[str, Any]) -> str:
    return str(desc["sites"][0]["drive_id"])


@pytest.fixture()
def root(app: GraphSession, drive_id: str) -> DriveItem:
    found = items.get_by_path(app, drive_id, "")
    assert found is not None
    return found


@pytest.fixture()
def folder(app: GraphSession, drive_id: str, root: DriveItem) -> DriveItem:
    """A fresh, uniquely named folder for one test."""
    return items.create_folder(app, drive_id, root.id, f"t-{uuid.uuid4().hex[:10]}")


@pytest.fixture()
def raw(desc: dict[str, Any], app: GraphSession) -> Iterator[httpx.Client]:
    """A plain HTTP client carrying the app's bearer token, for strictness checks on the wire."""
    token = app.tokens.token()
    with httpx.Client(base_url=desc["base_url"], headers={"Authorization": f"Bearer {token}"},
                      timeout=30) as client:
        yield client


def write_file(path: Path, size: int, seed: int = 1) -> Path:
    """A file of `size` pseudo-random bytes, written in chunks (never whole in memory)."""
    chunk = (uuid.UUID(int=seed).bytes * 65536)[: 1024 * 1024]
    with open(path, "wb") as fh:
        left = size
        i = 0
        while left > 0:
            piece = bytes((b + i) % 256 for b in chunk[:16]) + chunk[16:]
            fh.write(piece[: min(left, len(piece))])
            left -= min(left, len(piece))
            i += 1
    return path
