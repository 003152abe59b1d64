"""Polling with a deadline, and the one error the demo (and the end-to-end tests) fail with.

`DemoFailure` is an AssertionError so that tests using these helpers fail rather than error.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class DemoFailure(AssertionError):
    """Something expected did not happen (did not arrive, was refused, timed out)."""


def wait_for(probe: Callable[[], T | None], timeout: float, what: str, interval: float = 0.5) -> T:
    """Call `probe` until it returns something truthy; DemoFailure naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise DemoFailure(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
