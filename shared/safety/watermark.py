"""The Procore reconciliation watermark (style R9), as pure functions: no I/O, no clock.

A pass reads the closed range [until - LAG, now] of `updated_at`, sorted ascending (the client adds its
own small lag below that). Ids already handed on at the same `updated_at` are remembered in `seen`
(only within the lag window), so an unchanged item is not hinted twice however often the range is
re-read. A pass hands on at most `limit` hints; the watermark then stops at the last hinted time and
the rest follows in another step. The cursor is written only after the hints are enqueued.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, ValidationError

from shared.models.rows import ItemKind
from shared.procore.paging import DEFAULT_LAG

LAG = timedelta(seconds=30)             # late index visibility and clock skew we still catch
READ_SLACK = DEFAULT_LAG                # the client's own lag below `since`
MAX_HINTS_PER_STEP = 500
MAX_SEEN = 2000


class Watermark(BaseModel):
    """The stored cursor value: everything changed up to `until` was handed on."""

    model_config = ConfigDict(frozen=True)

    v: int = 1
    until: datetime
    seen: dict[str, str] = {}           # procore id -> updated_at already handed on (lag window only)

    def dump(self) -> str:
        return self.model_dump_json()

    @classmethod
    def parse(cls, value: str) -> Watermark | None:
        """The watermark, or None when the stored value is not one (start afresh)."""
        try:
            return cls.model_validate_json(value)
        except ValidationError:
            return None


@dataclass(frozen=True)
class Changed:
    """One item of a tool's change feed."""

    procore_id: str
    kind: ItemKind
    updated_at: datetime | None


@dataclass(frozen=True)
class Pass:
    hints: list[Changed]
    next: Watermark
    more: bool                          # the limit was reached: continue in another step


def window(mark: Watermark, now: datetime) -> tuple[datetime, datetime]:
    """The closed `updated_at` range a pass reads: [since, until]."""
    return mark.until - LAG, max(now, mark.until)


def _stamp(at: datetime | None) -> str:
    return at.isoformat() if at is not None else ""


def plan_pass(mark: Watermark, changes: Iterable[Changed], until: datetime,
              limit: int = MAX_HINTS_PER_STEP) -> Pass:
    """Which changes to hand on (`changes` sorted by updated_at) and the watermark after them."""
    hints: list[Changed] = []
    seen = dict(mark.seen)
    last: datetime | None = None
    more = False
    for change in changes:
        stamp = _stamp(change.updated_at)
        if change.updated_at is not None and mark.seen.get(change.procore_id) == stamp:
            continue                    # handed on earlier, unchanged since
        if len(hints) >= limit:
            more = True
            break
        hints.append(change)
        if change.updated_at is not None:
            seen[change.procore_id] = stamp
            last = change.updated_at if last is None else max(last, change.updated_at)
    new_until = max(mark.until, last) if more and last is not None else (mark.until if more else until)
    return Pass(hints, Watermark(until=new_until, seen=_prune(seen, new_until)), more)


def _prune(seen: dict[str, str], until: datetime) -> dict[str, str]:
    """Keep only what the next read can return again (newest first, at most MAX_SEEN)."""
    keep_from = until - LAG - READ_SLACK
    recent = [(at, pid) for pid, at in seen.items() if at and datetime.fromisoformat(at) >= keep_from]
    recent.sort(reverse=True)
    return {pid: at for at, pid in recent[:MAX_SEEN]}
