"""Start Azurite (the npm devDependency) on loopback with random free ports, for tests and the stack.

Ports are read back from Azurite's own log line, so nothing races for a port chosen in advance.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AZURITE_BIN = Path(os.environ.get("AZURITE_BIN", ROOT / "node_modules" / ".bin" / "azurite"))
ACCOUNT = "devstoreaccount1"
# Azurite's well-known development key (public, documented; not a secret).
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
_READY = re.compile(r"Azurite (Blob|Queue|Table) service is successfully listening at http://127\.0\.0\.1:(\d+)")


@dataclass
class Azurite:
    process: subprocess.Popen[bytes]
    ports: dict[str, int]

    @property
    def connection_string(self) -> str:
        p = self.ports
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint=http://127.0.0.1:{p['Blob']}/{ACCOUNT};"
            f"QueueEndpoint=http://127.0.0.1:{p['Queue']}/{ACCOUNT};"
            f"TableEndpoint=http://127.0.0.1:{p['Table']}/{ACCOUNT};"
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_azurite(
    workdir: Path, *, in_memory: bool = True, timeout: float = 30.0, preexec_fn: Callable[[], None] | None = None,
    ports: dict[str, int] | None = None,
) -> Azurite:
    """Start Azurite; data in memory (tests) or under workdir/azurite-data (the stack); `ports` by service
    ("Blob", "Queue", "Table"), any free one where missing."""
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "azurite.log"
    want = ports or {}
    args = [str(AZURITE_BIN), "--disableTelemetry", "--skipApiVersionCheck",
            "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
            "--blobPort", str(want.get("Blob", 0)), "--queuePort", str(want.get("Queue", 0)),
            "--tablePort", str(want.get("Table", 0))]
    if in_memory:
        args.append("--inMemoryPersistence")
    else:
        args += ["--location", str(workdir / "azurite-data")]
    start = log.stat().st_size if log.exists() else 0  # a restart appends: read only its own lines
    with open(log, "ab") as fh:
        proc = subprocess.Popen(
            args, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=preexec_fn
        )
    found: dict[str, int] = {}
    deadline = time.monotonic() + timeout
    while len(found) < 3:
        with open(log, "rb") as fh:
            fh.seek(start)
            found.update({k: int(v) for k, v in _READY.findall(fh.read().decode(errors="replace"))})
        if len(found) == 3:
            break
        if proc.poll() is not None:
            raise RuntimeError("azurite exited:\n" + log.read_text(errors="replace"))
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("azurite did not start:\n" + log.read_text(errors="replace"))
        time.sleep(0.05)
    return Azurite(proc, found)
