"""The benchmarks in order, on one stack: product vs naive initial syncs (interleaved rounds at 50 and
0 ms), a from-SharePoint sync onto identical files, live latency each way, one edit's cost in a small and
a big project, live latency during another tenant's big initial sync, the Procore budget at default
limits, and host memory for one big file each way. Returns the figures' values and the raw details.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from bench import live as live_mod
from bench.bigfile import big_file_memory
from bench.figures import median, percentile
from bench.live import LiveLink
from bench.measure import SyncRun, completion_mailed, finish_sync, measure_sync, new_site, start_sync
from bench.naive import NaiveResult, copy_project
from bench.populate import Project, new_project
from bench.stack import DEFAULT_LIMITS, RAISED_LIMITS, BenchStack
from shared.errors import ItemSkipped
from shared.sync.naming import sharepoint_name, unsupported_reason

MIB = 1024 * 1024
FIRST_PROJECT_ID = 300


@dataclass(frozen=True)
class Sizes:
    files: int = 2000            # files added to each compared project (the seeded ones come on top)
    rounds: int = 2              # interleaved product/naive rounds per latency
    samples: int = 20            # live changes timed per direction
    big_mib: int = 2048          # the big file, each way
    other_files: int = 2000      # the other tenant's initial sync during the live timings
    budget_files: int = 10       # the live link's project: synced at Procore's default limits; the edit's small one
    timeout: float = 3600.0


QUICK = Sizes(files=12, rounds=1, samples=3, big_mib=24, other_files=30, budget_files=12,
              timeout=300.0)


def _product_copies(name: str) -> bool:
    """Would the product copy a file of this Procore name to SharePoint (under its mapped name)?"""
    if unsupported_reason(name) is not None:
        return False
    try:
        sharepoint_name(name, is_folder=False)
    except ItemSkipped:
        return False
    return True


class Suite:
    def __init__(self, bs: BenchStack, sizes: Sizes, say: Callable[[str], None]) -> None:
        self.bs, self.sizes, self.say = bs, sizes, say
        self.ids = itertools.count(FIRST_PROJECT_ID)
        self.user = bs.run.procore_client("user")
        self.values: dict[str, float | None] = {}
        self.details: dict[str, Any] = {}

    def project(self, tag: str, files: int) -> Project:
        """A new project with `files` bench files, created at 0 ms latency (populating is not measured)."""
        self.bs.faults(0)
        pid = next(self.ids)
        return new_project(self.bs.run, self.user, pid, f"Bench {pid} {tag}", files, seed=pid)

    # -- initial syncs -------------------------------------------------------------------------------
    def compare(self) -> None:
        naive_view = new_site(self.bs, "bench-naive")
        ratios: dict[int, list[float]] = {50: [], 0: []}
        from_sp: list[float] = []
        runs: list[SyncRun] = []
        rows: list[dict[str, Any]] = []
        for r in range(self.sizes.rounds):
            for latency in (50, 0):
                p = self.project(f"r{r} {latency}ms", self.sizes.files)
                self.bs.faults(latency)
                product_first = (r + latency // 50) % 2 == 0   # alternate who goes first
                naive: NaiveResult | None = None
                if not product_first:
                    naive = copy_project(naive_view, p.id, naive_view.site["drive_id"], f"naive-{r}-{latency}")
                run = measure_sync(self.bs, new_site(self.bs, f"bench-std-{r}-{latency}"), p, f"Bench/std-{r}",
                                   timeout=self.sizes.timeout)
                if product_first:
                    naive = copy_project(naive_view, p.id, naive_view.site["drive_id"], f"naive-{r}-{latency}")
                assert naive is not None
                runs.append(run)
                ratios[latency].append(run.seconds / naive.seconds)
                rows.append({"round": r, "latency_ms": latency, "files": p.files, "product_s": run.seconds,
                             "naive_s": naive.seconds, "naive_copied": naive.files, "naive_skipped": naive.skipped,
                             "product_first": product_first, "usage": run.use.as_dict()})
                self.say(f"round {r} at {latency} ms: {p.files} files, product {run.seconds:.1f} s, "
                         f"naive {naive.seconds:.1f} s ({run.seconds / naive.seconds:.2f}x)")
                if latency == 50:
                    fsp = self.from_sharepoint(r)
                    from_sp.append((fsp.seconds / fsp.project.files) / (run.seconds / p.files))
                    rows[-1]["from_sp_per_file_ratio"] = from_sp[-1]
        self.bs.faults(0)
        files = sum(x.project.files for x in runs)
        self.values["sync_vs_naive_50ms"] = median(ratios[50])
        self.values["sync_vs_naive_0ms"] = median(ratios[0])
        self.values["storage_requests_per_file"] = sum(x.use.storage_work for x in runs) / files
        self.values["cpu_per_small_file"] = sum(x.use.cpu_s for x in runs) / files
        self.values["graph_requests_per_file"] = sum(x.use.graph_calls for x in runs) / files
        self.values["from_sp_vs_standard_50ms"] = median(from_sp)
        self.details["initial_sync_rounds"] = rows
        self.details["storage_requests_per_file_all"] = sum(x.use.storage_total for x in runs) / files

    def from_sharepoint(self, r: int) -> SyncRun:
        """A project whose files the naive copier put in SharePoint first (identical bytes on both sides),
        linked `from_sharepoint` at 50 ms: the time, and what crossed for files that were already equal."""
        q = self.project(f"r{r} from-sp", self.sizes.files)
        view = new_site(self.bs, f"bench-fsp-{r}")
        self.bs.faults(50)
        naive = copy_project(view, q.id, view.site["drive_id"], f"Bench/fsp-{r}")
        run = measure_sync(self.bs, view, q, f"Bench/fsp-{r}", initial_sync="from_sharepoint",
                           timeout=self.sizes.timeout)
        u = run.use
        uploads = sum(n for k, n in u.procore_routes.items() if k.startswith("POST") and "uploads" in k)
        uploads += sum(n for k, n in u.graph_routes.items()
                       if (k.startswith("PUT") and "content" in k) or "createUploadSession" in k)
        # a session cancelled unused carried no bytes: the link's write probe at onboarding (an existing folder)
        uploads -= sum(n for k, n in u.graph_routes.items() if k.startswith("DELETE") and k.endswith("/uploadSession"))
        # The files the naive copier could not put in SharePoint (a name SharePoint forbids, which the product
        # maps) exist only in Procore: their uploads are due, not uploads of identical files.
        procore_only = sum(1 for name in naive.skipped_names if _product_copies(name))
        self.values["from_sp_upload_calls_identical"] = float(max(0, uploads - procore_only))
        # the emulators' stats count no bytes for a file download (its length is set as it is sent): count calls
        downloads = sum(n for k, n in u.procore_routes.items() if k.startswith("GET /api/v5/files/"))
        downloads += sum(n for k, n in u.graph_routes.items() if k.startswith("GET") and k.endswith("/content"))
        self.values["from_sp_downloads_per_file"] = downloads / max(q.files, 1)
        bytes_up = u.graph_bytes_in + u.procore_storage_bytes_in
        self.details.setdefault("from_sharepoint", []).append(
            {"round": r, "files": q.files, "content_bytes": q.bytes, "seconds": run.seconds, "upload_calls": uploads,
             "procore_only_files": procore_only, "naive_skipped": list(naive.skipped_names),
             "download_calls": downloads, "bytes_up": bytes_up, "usage": u.as_dict()})
        self.say(f"from-SharePoint round {r}: {q.files} identical files in {run.seconds:.1f} s, {uploads} upload "
                 f"calls ({bytes_up} bytes up for {q.bytes} bytes of content), {downloads} downloads")
        return run

    # -- live ----------------------------------------------------------------------------------------
    def live_link(self) -> tuple[LiveLink, Project]:
        """The link the live changes are made on; its initial sync is the one measured at Procore's
        default limits (the share of the budget it used, the 429s it got)."""
        p = self.project("live, default limits", self.sizes.budget_files)
        view = new_site(self.bs, "bench-live")
        self.bs.limits(DEFAULT_LIMITS)
        try:
            run = measure_sync(self.bs, view, p, "Bench/live", timeout=self.sizes.timeout)
        finally:
            self.bs.limits(RAISED_LIMITS)
        self.budget(run)
        return LiveLink(view, run.link, p.id, p.bench_folder_id), p

    def latency(self, live: LiveLink) -> None:
        t = self.sizes.timeout
        p2s = live_mod.latencies(live, "p2s", self.sizes.samples, "idle", t)
        s2p = live_mod.latencies(live, "s2p", self.sizes.samples, "idle", t)
        self.values["procore_to_sp_p50"], self.values["procore_to_sp_p95"] = percentile(p2s, 50), percentile(p2s, 95)
        self.values["sp_to_procore_p50"], self.values["sp_to_procore_p95"] = percentile(s2p, 50), percentile(s2p, 95)
        self.details["latency_samples"] = {"procore_to_sp": p2s, "sp_to_procore": s2p}
        self.say(f"live latency: Procore -> SharePoint p50 {percentile(p2s, 50):.2f} s p95 {percentile(p2s, 95):.2f} s;"
                 f" SharePoint -> Procore p50 {percentile(s2p, 50):.2f} s p95 {percentile(s2p, 95):.2f} s")

    def live_during_other_sync(self, live: LiveLink) -> SyncRun:
        """Another tenant's big initial sync on the same drive; live Procore -> SharePoint changes timed
        while it runs (only those that started before it ended count)."""
        big = self.project("other tenant", self.sizes.other_files)
        before = self.bs.counters()
        link, started = start_sync(live.view, big, "Bench/other-tenant", "standard")
        still = lambda: not completion_mailed(live.view, big.name)  # noqa: E731
        during = live_mod.latencies(live, "p2s", 1_000_000, "busy", self.sizes.timeout, keep_going=still,
                                    quiet=False)
        run = finish_sync(self.bs, live.view, big, link, started, before, "standard", self.sizes.timeout)
        idle = self.details["latency_samples"]["procore_to_sp"]
        for q, key in ((50, "live_delay_p50"), (95, "live_delay_p95")):
            d, i = percentile(during, q), percentile(idle, q)
            self.values[key] = None if d is None or i is None else d - i
        self.details["live_during_other_sync"] = {"samples": during, "other_files": big.files,
                                                  "other_seconds": run.seconds}
        p50, p95 = percentile(during, 50) or 0.0, percentile(during, 95) or 0.0
        self.say(f"live during another tenant's {big.files}-file initial sync ({run.seconds:.1f} s): "
                 f"{len(during)} changes, p50 {p50:.2f} s, p95 {p95:.2f} s")
        return run

    def edit_costs(self, small: tuple[LiveLink, Project], big: tuple[LiveLink, Project]) -> None:
        t = self.sizes.timeout
        costs = {name: live_mod.edit_cost(self.bs, link, project, t)
                 for name, (link, project) in (("small", small), ("big", big))}
        s, b = costs["small"], costs["big"]
        self.values["edit_procore_calls_extra"] = float(b.procore_calls - s.procore_calls)
        self.values["edit_graph_calls_extra"] = float(b.graph_calls - s.graph_calls)
        self.values["edit_storage_requests_extra"] = float(b.storage_work - s.storage_work)
        self.details["edit_cost"] = {"small_files": small[1].files, "big_files": big[1].files,
                                     "small": s.as_dict(), "big": b.as_dict()}
        self.say(f"one edit: Procore {s.procore_calls} vs {b.procore_calls}, Graph {s.graph_calls} vs "
                 f"{b.graph_calls}, Storage {s.storage_work} vs {b.storage_work} "
                 f"({small[1].files}- vs {big[1].files}-file project)")

    def budget(self, run: SyncRun) -> None:
        p = run.project
        hours = max(run.seconds / 3600, 1.0)   # the hourly windows the sync spanned (at least one)
        share = run.use.procore_calls / (DEFAULT_LIMITS["rate_hourly_limit"] * hours)
        self.values["procore_budget_share"] = share
        self.values["procore_429s"] = float(run.use.procore_429)
        self.details["budget"] = {"files": p.files, "seconds": run.seconds, "procore_calls": run.use.procore_calls,
                                  "calls_per_file": run.use.procore_calls / p.files, "procore_429": run.use.procore_429}
        self.say(f"default limits: {p.files} files in {run.seconds:.1f} s, {run.use.procore_calls} Procore calls "
                 f"({share:.1%} of the hour's budget), {run.use.procore_429} answered 429")

    def memory(self, live: LiveLink) -> None:
        for m in big_file_memory(self.bs, live, self.sizes.big_mib * MIB, self.sizes.timeout):
            self.values[f"rss_growth_{m.direction}"] = m.growth / MIB
            self.values[f"rss_kept_{m.direction}"] = m.kept / MIB
            self.details.setdefault("big_file", []).append(asdict(m))
            self.say(f"big file {m.direction}: {m.size // MIB} MiB in {m.seconds:.1f} s, host RSS "
                     f"+{m.growth / MIB:.0f} MiB at peak, +{m.kept / MIB:.0f} MiB kept")


def run_all(bs: BenchStack, sizes: Sizes, say: Callable[[str], None]) -> tuple[dict[str, float | None], dict[str, Any]]:
    """Every benchmark; one that fails is reported and leaves its figures unmeasured, the rest go on."""
    suite = Suite(bs, sizes, say)
    links: dict[str, tuple[LiveLink, Project]] = {}

    def step(name: str, fn: Callable[[], object]) -> None:
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - reported, and the other benchmarks still run
            suite.details.setdefault("errors", {})[name] = f"{type(exc).__name__}: {exc}"
            say(f"{name} FAILED: {type(exc).__name__}: {exc}")

    step("initial sync vs naive", suite.compare)
    step("live link at default limits", lambda: links.setdefault("small", suite.live_link()))
    if "small" in links:
        small = links["small"][0]
        step("live latency", lambda: suite.latency(small))
        step("live during another tenant's sync",
             lambda: links.setdefault("big", _big_link(suite, small)))
        if "big" in links:
            step("edit cost", lambda: suite.edit_costs(links["small"], links["big"]))
        step("big file memory", lambda: suite.memory(small))
    return suite.values, suite.details


def _big_link(suite: Suite, small: LiveLink) -> tuple[LiveLink, Project]:
    run = suite.live_during_other_sync(small)
    return LiveLink(run.view, run.link, run.project.id, run.project.bench_folder_id), run.project
