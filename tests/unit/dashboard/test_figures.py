"""The dashboard's figures (shared/dashboard/figures.py): transfers per bucket, progress, pace and finish,
and the last change each way, over hand-made activity rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.dashboard import figures
from shared.models.rows import ActivityRow
from shared.onboarding.schemas import StateCounts

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def _event(event: str, minutes_ago: float, size: int | None = 100, detail: str | None = None) -> ActivityRow:
    at = NOW - timedelta(minutes=minutes_ago)
    return ActivityRow(link_id="l", day=at.date().isoformat(), row_key=f"{minutes_ago}", at=at, event=event,
                       size=size, detail=detail)


def test_transfers_fall_in_their_bucket_and_folders_and_old_events_are_left_out() -> None:
    events = [_event("synced", 5, 1000), _event("synced", 10, 24), _event("deleted", 70, 7),
              _event("synced", 30, None),                      # a folder: no size
              _event("synced", 25 * 60, 5), _event("conflict", 3)]
    buckets = figures.transfer_buckets(events, NOW, "24h")
    assert len(buckets) == figures.BUCKETS_PER_WINDOW and figures.bucket_seconds("24h") == 3600
    assert buckets[0].start == NOW - timedelta(hours=24)
    assert (buckets[-1].transferred_files, buckets[-1].transferred_bytes) == (2, 1024)
    assert (buckets[-2].deleted_files, buckets[-2].deleted_bytes) == (1, 7)
    assert sum(b.transferred_files for b in buckets) == 2
    assert sum(b.transferred_files for b in figures.transfer_buckets(events, NOW, "2d")) == 3


def test_bucket_sizes_follow_the_window() -> None:
    assert [figures.bucket_seconds(w) for w in ("12h", "24h", "2d", "7d", "30d")] == [1800, 3600, 7200, 25200, 108000]


def test_progress_counts_every_finished_item() -> None:
    assert figures.progress(StateCounts(synced=6, pending=2, skipped=1, failed=1)) == 0.8
    assert figures.progress(StateCounts()) == 0.0                    # nothing enumerated yet
    assert figures.progress(StateCounts(pending=4)) == 0.0


def test_pace_and_expected_finish() -> None:
    started = NOW - timedelta(hours=2)
    synced = [NOW - timedelta(minutes=m) for m in range(0, 100, 10)] + [started - timedelta(hours=1)]
    pace = figures.pace(synced, started, NOW, pending=15)
    assert pace.files_per_hour == 5.0                     # 10 files since the start, in 2 hours
    assert pace.expected_finish == NOW + timedelta(hours=3)
    assert figures.pace([], started, NOW, pending=3) == figures.Pace(None, None)


def test_last_change_each_way() -> None:
    events = [_event("synced", 5), _event("synced", 1, detail="from SharePoint"), _event("synced", 9),
              _event("synced", 2, detail="from SharePoint"), _event("deleted", 0)]
    last = figures.last_synced(events)
    assert last == {"to_sharepoint": NOW - timedelta(minutes=5), "to_procore": NOW - timedelta(minutes=1)}


def _timed(minutes_ago: float, latency_s: float, detail: str | None = None) -> ActivityRow:
    return _event("synced", minutes_ago, detail=detail).model_copy(update={"latency_ms": int(latency_s * 1000)})


def test_percentiles_by_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert [figures.percentile(values, p) for p in (50, 90, 99, 100)] == [50.0, 90.0, 99.0, 100.0]
    assert figures.percentile([7.0], 99) == 7.0 and figures.percentile([], 50) is None
    assert figures.percentile([3.0, 1.0, 2.0], 50) == 2.0


def test_latency_per_direction_and_bucket() -> None:
    events = [_timed(5, s) for s in (1, 2, 3, 4, 10)] + [_timed(5, 30, "from SharePoint"), _timed(90, 8),
              _event("synced", 5), _timed(26 * 60, 99)]          # no latency (initial sync) / outside the window
    summary = {s.direction: s for s in figures.latency_summary(e for e in events if e.at >= NOW - timedelta(days=1))}
    assert (summary["to_sharepoint"].samples, summary["to_sharepoint"].p50_s, summary["to_sharepoint"].p90_s) == \
        (6, 3.0, 10.0)
    assert (summary["to_procore"].samples, summary["to_procore"].p99_s) == (1, 30.0)
    buckets = figures.latency_buckets(events, NOW, "24h")
    assert (buckets[-1].to_sharepoint_p50_s, buckets[-1].to_sharepoint_p90_s) == (3.0, 10.0)
    assert buckets[-1].to_procore_p50_s == 30.0 and buckets[-2].to_sharepoint_p50_s == 8.0
    assert all(b.to_sharepoint_p50_s is None for b in buckets[:-2])
