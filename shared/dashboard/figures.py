"""The dashboard's figures as pure functions over recorded rows: transfers per time bucket, initial-sync
progress, pace and expected finish, the last change each way. No I/O and no clock (`now` is an argument).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.dashboard.schemas import WINDOW_HOURS, TransferBucket
from shared.models.rows import ActivityRow
from shared.onboarding.schemas import StateCounts

BUCKETS_PER_WINDOW = 24
TRANSFER_EVENTS = frozenset({"synced"})
DELETE_EVENTS = frozenset({"deleted"})
FROM_SHAREPOINT = "from SharePoint"       # the detail of a file synced SharePoint -> Procore (to_procore.py)
MIN_PACE_SAMPLE = 1                       # files synced before a pace (and a finish) is estimated


def bucket_seconds(window: str) -> int:
    """24 buckets per window: 30 min for 12 h, 1 h for 24 h, ... 30 h for a month."""
    return WINDOW_HOURS[window] * 3600 // BUCKETS_PER_WINDOW


def transfer_buckets(events: Iterable[ActivityRow], now: datetime, window: str) -> list[TransferBucket]:
    """Files (and bytes) copied and deleted per bucket, oldest bucket first; events outside the window are
    left out, and so are events without a size (folders, and events recorded before sizes were)."""
    step = timedelta(seconds=bucket_seconds(window))
    start = now - step * BUCKETS_PER_WINDOW
    counts = [[0, 0, 0, 0] for _ in range(BUCKETS_PER_WINDOW)]
    for event in events:
        if event.at < start or event.at > now or event.size is None:   # folders carry no size
            continue
        index = min(int((event.at - start) / step), BUCKETS_PER_WINDOW - 1)
        if event.event in TRANSFER_EVENTS:
            counts[index][0] += 1
            counts[index][1] += event.size
        elif event.event in DELETE_EVENTS:
            counts[index][2] += 1
            counts[index][3] += event.size
    return [TransferBucket(start=start + step * i, transferred_files=c[0], transferred_bytes=c[1],
                           deleted_files=c[2], deleted_bytes=c[3]) for i, c in enumerate(counts)]


def progress(counts: StateCounts) -> float:
    """Share of the link's items that are done (synced, skipped or failed) during an initial sync; 0.0 while
    no item is known yet (the enumeration has not listed any)."""
    total = counts.synced + counts.pending + counts.skipped + counts.failed
    return 0.0 if total == 0 else (total - counts.pending) / total


@dataclass(frozen=True)
class Pace:
    files_per_hour: float | None
    expected_finish: datetime | None


def pace(synced_at: Iterable[datetime], started: datetime, now: datetime, pending: int) -> Pace:
    """Files per hour since the initial sync started, and when `pending` more are done at that pace."""
    done = sum(1 for at in synced_at if at >= started)
    hours = max((now - started).total_seconds(), 1.0) / 3600
    if done < MIN_PACE_SAMPLE:
        return Pace(None, None)
    rate = done / hours
    return Pace(rate, now + timedelta(hours=pending / rate))


def direction_of(event: ActivityRow) -> str:
    """'to_procore' for a file synced from SharePoint, else 'to_sharepoint'."""
    return "to_procore" if (event.detail or "").startswith(FROM_SHAREPOINT) else "to_sharepoint"


def last_synced(events: Iterable[ActivityRow]) -> dict[str, datetime]:
    """The newest `synced` event's time in each direction."""
    last: dict[str, datetime] = {}
    for event in events:
        if event.event in TRANSFER_EVENTS:
            way = direction_of(event)
            if way not in last or event.at > last[way]:
                last[way] = event.at
    return last
