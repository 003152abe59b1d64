"""Issue 12: a 2 GiB file copied each way with the host's functionTimeout at one minute. No file size is
bounded by functionTimeout: the copy runs as many transfer steps (invocations, counted in the host log),
none timed out, the bytes arrive identical, and the host's peak RSS grows by less than 100 MiB (bytes
stream through; nothing holds a file). Its own stack: the timeout override is a host setting.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.graph import items as sp_items
from shared.graph import upload as sp_upload
from shared.graph.quickxor import QuickXorHash
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from shared.sync.transfer.budget import STEP_BYTES
from tests.support.e2e import Onboarded, Running, onboard, start_stack, wait_for, wait_regular
from tests.support.live import TIMERS_OFF
from tests.support.trees import procore_item

PROJECT = 101
SCOPE = Scope.project(PROJECT)
MiB = 1024 * 1024
SIZE = int(os.environ.get("PCSYNC_LARGE_FILE_MIB", "2048")) * MiB   # smaller locally, to try the test itself
TIMEOUT = "00:01:00"
ARRIVAL_S = 900            # honest on a loaded 2-core machine; each direction takes a minute or two
RSS_GROWTH_LIMIT = 100 * MiB
pytestmark = pytest.mark.timeout(ARRIVAL_S + 300)   # the arrival wait, the source written and read back
_EXECUTED = re.compile(r"Executed 'Functions\.transfer_(?:live|initial)' \(Succeeded")


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, Onboarded]]:
    state_dir = tmp_path_factory.mktemp("large")
    run = start_stack(state_dir, seed_size="small",
                      host_env={**TIMERS_OFF, "AzureFunctionsJobHost__functionTimeout": TIMEOUT})
    try:
        ob = onboard(run, PROJECT)
        wait_regular(run, ob, timeout=180)
        run.emulator("procore", "/_emulator/config", {"rate_spike_limit": 1_000_000})
        yield run, ob
    finally:
        run.stop()
        _drop_stored_bytes(state_dir)


def _drop_stored_bytes(state_dir: Path) -> None:
    """The stack's stores hold about 12 GiB by now (each 2 GiB file in Procore, SharePoint and staging):
    free it for the rest of the run; the logs (files at the top) stay for a failure's reader."""
    for child in state_dir.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)


def _write_source(path: Path, seed: int) -> tuple[str, str]:
    """SIZE bytes, no MiB like another (a random block, each MiB stamped with its index), written in
    chunks; returns their sha256 and QuickXorHash."""
    block = bytearray(os.urandom(16 * MiB)) if seed else bytearray(16 * MiB)
    sha, qx = hashlib.sha256(), QuickXorHash()
    with open(path, "wb") as out:
        for start in range(0, SIZE, len(block)):
            for mib in range(0, len(block), MiB):
                block[mib:mib + 8] = ((start + mib) // MiB + seed * 1_000_003).to_bytes(8, "little")
            piece = memoryview(block)[: SIZE - start]
            out.write(piece)
            sha.update(piece)
            qx.update(piece)
    return sha.hexdigest(), qx.b64digest()


def _host_pid(run: Running) -> int:
    host = next(c for c in run.stack.children if c.name == "host")
    assert host.proc is not None
    return host.proc.pid


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def _transfer_invocations(run: Running) -> int:
    return len(_EXECUTED.findall((run.stack.state_dir / "host.log").read_text(errors="replace")))


def _timeouts(run: Running) -> int:
    return (run.stack.state_dir / "host.log").read_text(errors="replace").count("Timeout value of ")


def _report(direction: str, seconds: float, steps: int, growth: int) -> None:
    print(f"\n{direction}: {SIZE / MiB:.0f} MiB in {seconds:.0f} s, {steps} transfer invocations, "
          f"host peak RSS +{growth / MiB:.1f} MiB")


def _check_run(run: Running, pid: int, before_rss: int, before_steps: int) -> tuple[int, int]:
    steps = _transfer_invocations(run) - before_steps
    growth = _peak_rss(pid) - before_rss
    assert _timeouts(run) == 0, "a transfer step ran past functionTimeout"
    assert steps >= 2 * (SIZE // STEP_BYTES), f"only {steps} transfer invocations: the copy did not go in steps"
    assert growth < RSS_GROWTH_LIMIT, f"host peak RSS grew {growth / MiB:.1f} MiB"
    return steps, growth


def test_a_2_gib_file_from_procore_reaches_sharepoint_in_steps(big: tuple[Running, Onboarded],
                                                               tmp_path: Path) -> None:
    run, ob = big
    source = tmp_path / "procore.bin"
    _, quickxor = _write_source(source, seed=1)
    user = run.procore_client("user")
    root = user.documents.root(SCOPE, exclude_files=True)
    pid, before_rss, before_steps = _host_pid(run), _peak_rss(_host_pid(run)), _transfer_invocations(run)
    upload = user.uploads.upload(SCOPE, FileSource(source), filename="Site model.bin")
    source.unlink()
    started = time.monotonic()
    user.documents.create_file(SCOPE, name="Site model.bin", parent_id=root.id, upload_uuid=upload.uuid)
    graph = run.graph_session("user")
    path = f"{ob.folder_path}/Documents/Site model.bin"
    arrived = wait_for(lambda: (i := sp_items.get_by_path(graph, run.site["drive_id"], path)) is not None
                       and i.quick_xor_hash == quickxor and i, ARRIVAL_S, "the 2 GiB file in SharePoint")
    seconds = time.monotonic() - started
    assert arrived and arrived.size == SIZE   # SharePoint's own hash of what it stored: byte-identical
    steps, growth = _check_run(run, pid, before_rss, before_steps)
    _report("Procore -> SharePoint", seconds, steps, growth)


def test_a_2_gib_file_from_sharepoint_reaches_procore_in_steps(big: tuple[Running, Onboarded],
                                                               tmp_path: Path) -> None:
    run, ob = big
    source = tmp_path / "sharepoint.bin"
    sha256, _ = _write_source(source, seed=2)
    graph = run.graph_session("user")
    docs = sp_items.get_by_path(graph, run.site["drive_id"], f"{ob.folder_path}/Documents")
    assert docs is not None
    pid, before_rss, before_steps = _host_pid(run), _peak_rss(_host_pid(run)), _transfer_invocations(run)
    started = time.monotonic()
    sp_upload.upload_new(graph, run.site["drive_id"], docs.id, "Point cloud.bin", source, conflict="fail")
    source.unlink()
    user = run.procore_client("user")

    def arrived() -> int | None:
        item = procore_item(user, SCOPE, "Point cloud.bin")
        if item is None:
            return None
        latest = user.documents.file(SCOPE, int(item.id), latest_version_only=True).latest_version
        return int(item.id) if latest is not None and latest.size == SIZE else None

    file_id = wait_for(arrived, ARRIVAL_S, "the 2 GiB file in Procore")
    seconds = time.monotonic() - started
    latest = user.documents.file(SCOPE, file_id, latest_version_only=True).latest_version
    assert latest is not None
    digest = hashlib.sha256()
    for chunk in user.downloads.iter_bytes(latest.url):   # Procore keeps no hash: read it back
        digest.update(chunk)
    assert digest.hexdigest() == sha256
    steps, growth = _check_run(run, pid, before_rss, before_steps)
    _report("SharePoint -> Procore", seconds, steps, growth)
