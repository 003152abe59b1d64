"""Following one live change until it shows on the other side, timed: first until it is visible there,
then until the link has nothing pending (the product has recorded it). The next edit waits for that,
as a person's next edit would come seconds later.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO, TypeVar

from demo.onboarding import Onboarded, link_status
from demo.stack import Running
from demo.waiting import DemoFailure

T = TypeVar("T")
POLL_S = 0.25


@dataclass
class Change:
    what: str
    seconds: float         # until the other side showed it
    recorded: float        # until the product had recorded it (status: nothing pending)


class Arrivals:
    """Times changes of one link; `changes` keeps them in order."""

    def __init__(self, run: Running, ob: Onboarded, timeout: float, out: TextIO) -> None:
        self.run, self.ob, self.timeout, self.out = run, ob, timeout, out
        self.changes: list[Change] = []

    def arrive(self, what: str, where: str, probe: Callable[[], T | None]) -> T:
        """Wait for `probe` (the change seen in `where`), then for the record; DemoFailure on timeout."""
        start = time.monotonic()
        value = self._poll(probe, start, f"live change did not arrive in {where} within {self.timeout:g} s: {what}")
        arrived = time.monotonic() - start
        self._poll(self._nothing_pending, start,
                   f"live change arrived but was not recorded within {self.timeout:g} s: {what}")
        change = Change(what, arrived, time.monotonic() - start)
        self.changes.append(change)
        self.out.write(f"  {what:<52} arrived in {change.seconds:4.1f} s (recorded {change.recorded:4.1f} s)\n")
        self.out.flush()
        return value

    def _poll(self, probe: Callable[[], T | None], start: float, failure: str) -> T:
        while True:
            value = probe()
            if value:
                return value
            if time.monotonic() - start > self.timeout:
                raise DemoFailure(failure)
            time.sleep(POLL_S)

    def _nothing_pending(self) -> bool:
        counts = link_status(self.run, self.ob)["counts"]
        if counts["failed"]:
            raise DemoFailure(f"the product recorded a failure during the live edits: {counts}")
        return not counts["pending"]
