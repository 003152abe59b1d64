"""The bench's local stack: devhost.stack.Stack with the host's Storage behind the counting proxy, its
timers off (so what is counted came from the work measured), and the counters every benchmark reads.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.procs import cpu_seconds
from bench.proxy import CountingProxy, StorageCounts
from demo.stack import Running
from devhost.azurite import ACCOUNT, ACCOUNT_KEY
from devhost.stack import Stack
from devhost.stack_state import remember_ports

NEVER = "0 0 0 1 1 *"   # 1 January, midnight
TIMERS_OFF = {"PCSYNC_RECONCILE_SCHEDULE": NEVER, "PCSYNC_RENEW_SCHEDULE": NEVER, "PCSYNC_CHECK_SCHEDULE": NEVER,
              "PCSYNC_METRICS_SCHEDULE": NEVER, "PCSYNC_DIGEST_SCHEDULE": NEVER}
RAISED_LIMITS = {"rate_spike_limit": 1_000_000, "rate_hourly_limit": 100_000_000}
DEFAULT_LIMITS = {"rate_spike_limit": 100, "rate_hourly_limit": 3600}


@dataclass(frozen=True)
class Counters:
    """What the product had used at one moment: its own (`app`) API calls, Storage requests, CPU."""

    procore: dict[str, Any]
    procore_storage: dict[str, Any]   # Procore's file storage (uploads, downloads): not per client
    graph: dict[str, Any]
    storage: StorageCounts
    cpu_s: float


@dataclass
class BenchStack:
    run: Running
    proxy: CountingProxy

    @property
    def app_procore(self) -> str:
        return str(self.run.doc["procore"]["app"]["client_id"])

    @property
    def app_graph(self) -> str:
        return str(self.run.doc["graph"]["app"]["client_id"])

    def pids(self) -> dict[str, int]:
        return {c.name: c.proc.pid for c in self.run.stack.children if c.proc is not None}

    def counters(self) -> Counters:
        p = self.run.emulator("procore", "/_emulator/stats")["by_client"]
        g = self.run.emulator("graph", "/_emulator/stats")["clients"].get(self.app_graph, {})
        pids = self.pids()
        return Counters(p.get(self.app_procore, {}), p.get("storage", {}), g, self.proxy.snapshot(),
                        cpu_seconds([pids["host"], pids["azurite"]]))

    def faults(self, latency_ms: int) -> None:
        """The same injected latency on every Procore and Graph API call (no errors)."""
        for which in ("procore", "graph"):
            self.run.emulator(which, "/_emulator/faults", {"error_rate": 0.0, "statuses": [], "latency_ms": latency_ms})

    def limits(self, limits: dict[str, int]) -> None:
        self.run.emulator("procore", "/_emulator/config", limits)
        self.run.emulator("procore", "/_emulator/rate-limits/reset", {})

    def stop(self) -> None:
        try:
            self.run.stop()
        finally:
            self.proxy.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _connection_string(ports: dict[str, int]) -> str:
    return (f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint=http://127.0.0.1:{ports['blob']}/{ACCOUNT};"
            f"QueueEndpoint=http://127.0.0.1:{ports['queue']}/{ACCOUNT};"
            f"TableEndpoint=http://127.0.0.1:{ports['table']}/{ACCOUNT};")


def start_bench_stack(state_dir: Path) -> BenchStack:
    """Azurite on ports chosen here (remembered in the state dir, as a restart would), the proxy in front
    of them, and the host told to use the proxy; the emulators in memory, limits raised."""
    state_dir.mkdir(parents=True, exist_ok=True)
    azurite = {name: _free_port() for name in ("blob", "queue", "table")}
    remember_ports(state_dir, azurite)
    proxy = CountingProxy(azurite)
    proxied = proxy.start()
    stack = Stack(state_dir, seed_size="small", persist=False,
                  host_env={**TIMERS_OFF, "AzureWebJobsStorage": _connection_string(proxied)})
    try:
        doc = stack.start()
    except BaseException:
        stack.stop()
        proxy.stop()
        raise
    bench = BenchStack(Running(stack, doc), proxy)
    bench.limits(RAISED_LIMITS)
    return bench
