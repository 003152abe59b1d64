"""The figures the bench reports, each with the issue's target (issue 15), and whether a value meets it.

Pure: no I/O. A figure the run could not measure has the value None and is never "met".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pydantic import BaseModel


@dataclass(frozen=True)
class Spec:
    key: str
    title: str
    unit: str
    limit: float           # the value must be <= limit
    target: str            # as the issue words it


SPECS: tuple[Spec, ...] = (
    Spec("sync_vs_naive_50ms", "initial sync time / naive copier, 50 ms latency", "x", 0.2, "<= 0.2 (5x faster)"),
    Spec("sync_vs_naive_0ms", "initial sync time / naive copier, 0 ms latency", "x", 1.0, "<= 1.0"),
    Spec("storage_requests_per_file", "Azure Storage requests per file, initial sync (no queue polls)", "req", 6,
         "<= 6"),
    Spec("cpu_per_small_file", "CPU per small file, host + Azurite", "s", 0.025, "<= 0.025 s"),
    Spec("graph_requests_per_file", "Graph requests per small file, initial sync", "req", 1.05, "<= 1.05"),
    Spec("sp_to_procore_p50", "SharePoint -> Procore latency p50, small file", "s", 2.0, "<= 2 s"),
    Spec("sp_to_procore_p95", "SharePoint -> Procore latency p95, small file", "s", 5.0, "<= 5 s"),
    Spec("procore_to_sp_p50", "Procore -> SharePoint latency p50, small file", "s", 1.5, "<= 1.5 s"),
    Spec("procore_to_sp_p95", "Procore -> SharePoint latency p95, small file", "s", 3.0, "<= 3 s"),
    Spec("from_sp_vs_standard_50ms", "from-SharePoint / standard initial sync, 50 ms", "x", 1.3, "<= 1.3"),
    Spec("from_sp_upload_calls_identical", "upload calls for identical files, from-SharePoint sync", "calls", 0,
         "none up"),
    Spec("from_sp_downloads_per_file", "downloads per identical file, from-SharePoint sync", "x", 1.0,
         "down only where no hash decides (<= 1)"),
    Spec("rss_growth_procore_to_sp", "host RSS growth, one big file Procore -> SharePoint", "MiB", 100,
         "< 100 MiB (for 2 GiB)"),
    Spec("rss_kept_procore_to_sp", "host RSS kept afterwards, big file Procore -> SharePoint", "MiB", 10,
         "returned (<= 10 MiB)"),
    Spec("rss_growth_sp_to_procore", "host RSS growth, one big file SharePoint -> Procore", "MiB", 100,
         "< 100 MiB (for 2 GiB)"),
    Spec("rss_kept_sp_to_procore", "host RSS kept afterwards, big file SharePoint -> Procore", "MiB", 10,
         "returned (<= 10 MiB)"),
    Spec("edit_procore_calls_extra", "Procore calls for one edit, big - small project", "calls", 0, "stays equal"),
    Spec("edit_graph_calls_extra", "Graph calls for one edit, big - small project", "calls", 0, "stays equal"),
    Spec("edit_storage_requests_extra", "Storage requests for one edit, big - small project", "req", 0,
         "stays equal"),
    Spec("procore_budget_share", "share of Procore's hourly budget used, initial sync, default limits", "x", 0.9,
         "<= 0.9 (a share kept for live work)"),
    Spec("procore_429s", "Procore 429s during that initial sync", "count", 0, "0"),
    Spec("live_delay_p50", "live P->SP latency p50 during another tenant's initial sync, minus idle", "s", 1.0,
         "<= 1 s"),
    Spec("live_delay_p95", "live P->SP latency p95 during another tenant's initial sync, minus idle", "s", 1.0,
         "<= 1 s"),
)
SPEC_BY_KEY = {s.key: s for s in SPECS}


class Figure(BaseModel):
    key: str
    title: str
    value: float | None
    unit: str
    target: str
    limit: float
    met: bool


def figure(key: str, value: float | None) -> Figure:
    spec = SPEC_BY_KEY[key]
    met = value is not None and value <= spec.limit
    return Figure(key=key, title=spec.title, value=value, unit=spec.unit, target=spec.target, limit=spec.limit,
                  met=met)


def all_figures(values: dict[str, float | None]) -> list[Figure]:
    """Every figure of SPECS, in order; a key the run did not reach is None (not met)."""
    unknown = set(values) - set(SPEC_BY_KEY)
    if unknown:
        raise KeyError(f"figures without a target: {sorted(unknown)}")
    return [figure(spec.key, values.get(spec.key)) for spec in SPECS]


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0..100), nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
