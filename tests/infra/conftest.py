"""Fixtures of the infra tests: the azd hooks talking to a local ARM stand-in over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.infra.hooks import FakeArm, fake_azd, load, serve


@pytest.fixture
def arm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[tuple[FakeArm, Path]]:
    """A FakeArm the hooks talk to, and the log of their azd calls."""
    client = load("arm_client")
    fake = FakeArm()
    script, log = fake_azd(tmp_path)
    with serve(fake) as url:
        monkeypatch.setenv(client.ARM_URL_ENV, url)
        monkeypatch.setenv(client.AZD_ENV, str(script))
        yield fake, log
