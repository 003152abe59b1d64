"""The dashboard's figures as pure functions over recorded rows: transfers per time bucket, initial-sync
progress, pace and expected finish, the last change each way, live latency percentiles per direction.
No I/O and no clock (`now` is an argument).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.dashboard.schemas import WINDOW_HOURS, LatencyBucket, LatencySummary, TransferBucket
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


DIRECTIONS = ("to_sharepoint", "to_procore")


def percentile(values: list[float], p: float) -> float | None:
    """The nearest-rank `p`th percentile of `values` (None for none)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))          # ceil(n * p / 100), at least the first
    return ordered[int(rank) - 1]


def _latencies(events: Iterable[ActivityRow]) -> Iterable[tuple[ActivityRow, str, float]]:
    for event in events:
        if event.event in TRANSFER_EVENTS and event.latency_ms is not None:
            yield event, direction_of(event), event.latency_ms / 1000


def latency_buckets(events: Iterable[ActivityRow], now: datetime, window: str) -> list[LatencyBucket]:
    """p50 and p90 of the live sync latency per bucket and direction, oldest bucket first."""
    step = timedelta(seconds=bucket_seconds(window))
    start = now - step * BUCKETS_PER_WINDOW
    samples: list[dict[str, list[float]]] = [{d: [] for d in DIRECTIONS} for _ in range(BUCKETS_PER_WINDOW)]
    for event, way, seconds in _latencies(events):
        if start <= event.at <= now:
            samples[min(int((event.at - start) / step), BUCKETS_PER_WINDOW - 1)][way].append(seconds)
    return [LatencyBucket(start=start + step * i,
                          to_sharepoint_p50_s=percentile(s["to_sharepoint"], 50),
                          to_sharepoint_p90_s=percentile(s["to_sharepoint"], 90),
                          to_procore_p50_s=percentile(s["to_procore"], 50),
                          to_procore_p90_s=percentile(s["to_procore"], 90)) for i, s in enumerate(samples)]


def latency_summary(events: Iterable[ActivityRow]) -> list[LatencySummary]:
    """p50, p90 and p99 of the live sync latency in each direction."""
    per: dict[str, list[float]] = {d: [] for d in DIRECTIONS}
    for _, way, seconds in _latencies(events):
        per[way].append(seconds)
    return [LatencySummary.model_validate({"direction": way, "samples": len(v), "p50_s": percentile(v, 50),
                                           "p90_s": percentile(v, 90), "p99_s": percentile(v, 99)})
            for way, v in per.items()]
