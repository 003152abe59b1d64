"""Issue 11, a local stack that survives a crash, through `./dev stack` alone (it brings .venv up to
date, a no-op here, and execs `python -m devhost.stack`): the host SIGKILLed mid-initial-sync is
restarted by the stack and the sync finishes with every file exactly once; a killed emulator (Procore,
then Graph) comes back on its port with its data; and the stack stopped and started again on the same
state dir brings back the same ports and data, and keeps syncing (webhooks and subscriptions
registered before the restart still deliver).
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from azure.data.tables import TableServiceClient
from azure.storage.queue import QueueServiceClient

from devhost.stack import Stack
from shared.config import POISON_SUFFIX
from shared.graph import content as sp_content
from shared.graph import items as sp_items
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from tests.support.e2e import Onboarded, Running, link_status, onboard, sp_tree, wait_for, wait_regular
from tests.support.trees import procore_files, procore_item, wait_identical

ROOT = Path(__file__).resolve().parents[2]
PROJECT = 101
SCOPE = Scope.project(PROJECT)
FETCH_VISIBILITY_S = 15     # how soon the messages the killed host was running reappear
SLOW_GRAPH_MS = 150         # stretches the initial sync so the kill lands in its middle
SYNC_TIMEOUT_S = 420
LIVE_TIMEOUT_S = 90


@dataclass
class StackProcess:
    """`./dev stack --state-dir S` as a process, and what the tests share."""

    state: Path
    out: Path
    proc: subprocess.Popen[bytes] | None = None
    run: Running | None = None
    linked: Onboarded | None = None

    def start(self) -> Running:
        (self.state / "stack.json").unlink(missing_ok=True)
        with open(self.out, "ab") as log:
            self.proc = subprocess.Popen(
                [str(ROOT / "dev"), "stack", "--state-dir", str(self.state), "--seed-size", "small",
                 "--fetch-visibility", str(FETCH_VISIBILITY_S)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while not (self.state / "stack.json").exists():
            assert self.proc.poll() is None, f"the stack exited with {self.proc.returncode}:\n{self.output()}"
            assert time.monotonic() < deadline, "stack.json never appeared"
            time.sleep(0.2)
        self.run = Running(Stack(self.state), json.loads((self.state / "stack.json").read_text()))
        return self.run

    def stop(self) -> int:
        if self.run is not None:
            self.run.close_clients()
            self.run = None
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(90)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode

    def output(self) -> str:
        return self.out.read_text(errors="replace")

    def child(self, module: str) -> psutil.Process:
        """The live child running `python -m <module>`."""
        assert self.proc is not None
        for p in psutil.Process(self.proc.pid).children():
            cmd = p.cmdline()
            if "-m" in cmd and cmd[cmd.index("-m") + 1] == module and p.status() != psutil.STATUS_ZOMBIE:
                return p
        raise AssertionError(f"no {module} child")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    base = tmp_path_factory.mktemp("crash")
    sp = StackProcess(base / "state", base / "stack.out")
    sp.start()
    try:
        yield sp
    finally:
        if sp.proc is not None and sp.proc.poll() is None:
            sp.stop()


def _restarted(sp: StackProcess, module: str, old_pid: int, health: str) -> psutil.Process:
    """The new child of `module` once the stack said so and it answers `health`."""
    name = {"devhost": "host", "emulators.procore": "procore", "emulators.graph": "graph"}[module]

    def back() -> psutil.Process | None:
        out = sp.output()
        died = out.find(f"stack: {name} (pid {old_pid}) exited with -9")
        if died < 0 or f"stack: {name} restarted" not in out[died:]:
            return None
        try:
            child = sp.child(module)
        except (AssertionError, psutil.Error):
            return None
        if child.pid == old_pid:
            return None
        try:
            return child if httpx.get(health, timeout=5).status_code < 500 else None
        except httpx.HTTPError:
            return None

    return wait_for(back, 120, f"the stack to restart {module}", interval=0.5)


def _docs_folder(run: Running, ob: Onboarded) -> str:
    docs = sp_items.get_by_path(run.graph_session("user"), run.site["drive_id"], f"{ob.folder_path}/Documents")
    assert docs is not None
    return docs.id


def _poison_messages(run: Running) -> dict[str, int]:
    service = QueueServiceClient.from_connection_string(run.doc["storage_connection_string"])
    out = {}
    for q in service.list_queues():
        if q.name.endswith(POISON_SUFFIX):
            n = service.get_queue_client(q.name).get_queue_properties().approximate_message_count
            if n:
                out[q.name] = n
    return out


def _running(stack: StackProcess, function: str) -> set[str]:
    """Invocation ids of `function` the current host started and has not finished (from its log)."""
    text = (stack.state / "host.log").read_text(errors="replace")
    current = text[text.rfind("Host started:"):]
    started = set(re.findall(rf"Executing 'Functions\.{function}' \(.*Id=([0-9a-f-]+)\)", current))
    return started - set(re.findall(rf"Executed 'Functions\.{function}' \(.*Id=([0-9a-f-]+)\)", current))


def _kill_host_when(stack: StackProcess, run: Running, ob: Onboarded, synced: int, function: str) -> dict[str, int]:
    """SIGKILL the host while the initial sync runs, past `synced` items and with `function` steps in
    flight; returns the link's counts at that moment."""
    def ready() -> dict[str, Any] | None:
        s = link_status(run, ob)
        counts = s["counts"]
        busy = s["stage"] == "initial_sync" and counts["synced"] >= synced and counts["pending"] > 0 \
            and _running(stack, function)
        return s if busy else None

    mid = wait_for(ready, 240, f"the initial sync past {synced} items with {function} running", interval=0.1)
    host = stack.child("devhost")
    host.send_signal(signal.SIGKILL)
    host.wait(10)
    assert mid["counts"]["pending"] > 0, mid                                  # killed mid-way, not after
    assert _running(stack, function), "nothing was in flight when the host died"
    _restarted(stack, "devhost", host.pid, run.doc["functions_url"] + "/api/health")
    assert json.loads((stack.state / "stack.json").read_text()) == run.doc   # same URLs and keys
    return dict(mid["counts"])


def test_host_killed_mid_initial_sync_is_restarted_and_the_sync_completes_exactly_once(
        stack: StackProcess) -> None:
    run = stack.run
    assert run is not None
    user = run.procore_client("user")
    root = user.documents.root(SCOPE, exclude_files=True)
    files = procore_files(user, SCOPE, root.id)
    run.emulator("graph", "/_emulator/faults", {"latency_ms": SLOW_GRAPH_MS})
    ob = onboard(run, PROJECT)
    stack.linked = ob
    # Twice: while the tree is enumerated and its folders made (one $batch per step), then while files are
    # copied (their upload leases held).
    first = _kill_host_when(stack, run, ob, 0, "detect_initial")
    second = _kill_host_when(stack, run, ob, first["synced"] + len(files) // 2, "transfer_initial")
    run.emulator("graph", "/_emulator/faults", {"latency_ms": 0})

    status = wait_regular(run, ob, timeout=SYNC_TIMEOUT_S)
    assert status["counts"]["failed"] == 0, status
    assert status["counts"]["synced"] > second["synced"]
    wait_identical(run, SCOPE, root.id, _docs_folder(run, ob), timeout=120)   # each file once, same bytes
    assert _poison_messages(run) == {}


def test_an_emulator_that_dies_comes_back_on_its_port_with_its_data(stack: StackProcess) -> None:
    run, ob = stack.run, stack.linked
    assert run is not None and ob is not None, "runs after the crash test (the link it made)"
    user = run.procore_client("user")
    root = user.documents.root(SCOPE, exclude_files=True)
    made = user.documents.create_folder(SCOPE, "Made just before Procore died", parent_id=root.id)
    procore = stack.child("emulators.procore")
    procore.send_signal(signal.SIGKILL)
    procore.wait(10)
    _restarted(stack, "emulators.procore", procore.pid, run.procore_url + "/_emulator/descriptor")
    assert json.loads((stack.state / "stack.json").read_text()) == run.doc
    assert procore_item(run.procore_client("user"), SCOPE, made.name, parent_id=root.id) is not None

    graph = run.graph_session("user")
    put = sp_content.put_new_small(graph, run.site["drive_id"], _docs_folder(run, ob),
                                   "Made just before Graph died.txt", b"acknowledged, so kept\n")
    # (once its change notification went out: those waiting in Graph's notifier are not kept, as in Graph)
    wait_for(lambda: procore_item(user, SCOPE, put.name or "", parent_id=root.id), LIVE_TIMEOUT_S,
             "the SharePoint file in Procore")
    emulator = stack.child("emulators.graph")
    emulator.send_signal(signal.SIGKILL)
    emulator.wait(10)
    _restarted(stack, "emulators.graph", emulator.pid, run.graph_emulator_url + "/_emulator/descriptor")
    assert json.loads((stack.state / "stack.json").read_text()) == run.doc
    kept = sp_items.get_item(run.graph_session("user"), run.site["drive_id"], put.id)   # tokens still good
    assert (kept.name, kept.quick_xor_hash) == (put.name, put.quick_xor_hash)


def _hooks(run: Running) -> list[dict[str, Any]]:
    p = run.doc["procore"]
    token = httpx.post(p["login_url"] + "/oauth/token", data={"grant_type": "client_credentials", **p["app"]},
                       timeout=30).json()["access_token"]
    resp = httpx.get(p["base_url"] + "/rest/v1.0/webhooks/hooks", params={"project_id": PROJECT, "namespace": "*"},
                     headers={"Authorization": f"Bearer {token}", "Procore-Company-Id": str(p["company_id"])},
                     timeout=30)
    resp.raise_for_status()
    return list(resp.json())


def _tables(run: Running) -> dict[str, int]:
    """Rows per table (not the activity log, which a quarter-hourly reconcile pass may add to)."""
    service = TableServiceClient.from_connection_string(run.doc["storage_connection_string"])
    return {t.name: sum(1 for _ in service.get_table_client(t.name).list_entities(select=["RowKey"]))
            for t in service.list_tables() if t.name != "activity"}


def _data(run: Running, ob: Onboarded) -> dict[str, Any]:
    """Everything the restart must bring back: emulator data, Azurite data and the link's status."""
    user = run.procore_client("user")
    root = user.documents.root(SCOPE, exclude_files=True)
    graph = run.graph_session("user")
    return {
        "procore_files": procore_files(user, SCOPE, root.id),
        "hooks": _hooks(run),
        "sharepoint": {str(path): (item.id, item.quick_xor_hash, item.etag)
                       for path, item in sp_tree(graph, run.site["drive_id"], _docs_folder(run, ob))},
        "subscriptions": run.emulator("graph", "/_emulator/subscriptions"),
        "tables": _tables(run),
        "link": {k: v for k, v in link_status(run, ob).items() if k in ("stage", "counts")},
    }


def test_stop_and_start_again_brings_back_the_same_stack_which_keeps_syncing(stack: StackProcess,
                                                                             tmp_path: Path) -> None:
    run, ob = stack.run, stack.linked
    assert run is not None and ob is not None, "runs after the crash test (the link it made)"
    root = run.procore_client("user").documents.root(SCOPE, exclude_files=True)
    wait_identical(run, SCOPE, root.id, _docs_folder(run, ob), timeout=LIVE_TIMEOUT_S)   # settled first
    wait_for(lambda: (s := link_status(run, ob))["stage"] == "regular" and s["counts"]["pending"] == 0, LIVE_TIMEOUT_S,
             "nothing pending")
    before_doc, before = run.doc, _data(run, ob)
    assert before["hooks"] and before["subscriptions"]["value"] and before["sharepoint"]
    # A second stack on the same state dir is refused clearly (its ports are taken), leaving this one be.
    second = subprocess.run([str(ROOT / "dev"), "stack", "--state-dir", str(stack.state)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert second.returncode == 1 and "remembered in" in second.stderr and "is in use" in second.stderr
    assert json.loads((stack.state / "stack.json").read_text()) == before_doc
    assert stack.stop() == 0

    run = stack.start()
    assert run.doc == before_doc                                       # same ports, keys, tenant, ids
    after = _data(run, ob)
    assert after == before

    # A person's changes on either side after the restart still arrive: hooks and subscriptions live on.
    user, graph = run.procore_client("user"), run.graph_session("user")
    root = user.documents.root(SCOPE, exclude_files=True)
    source = tmp_path / "after-restart.txt"
    source.write_bytes(b"made in Procore after the restart\n")
    upload = user.uploads.upload(SCOPE, FileSource(source), filename=source.name)
    user.documents.create_file(SCOPE, name="After restart (Procore).txt", parent_id=root.id, upload_uuid=upload.uuid)
    docs = _docs_folder(run, ob)
    sp_content.put_new_small(graph, run.site["drive_id"], docs, "After restart (SharePoint).txt",
                             b"made in SharePoint after the restart\n")
    wait_for(lambda: sp_items.get_by_path(graph, run.site["drive_id"],
                                          f"{ob.folder_path}/Documents/After restart (Procore).txt"),
             LIVE_TIMEOUT_S, "the Procore change in SharePoint")
    wait_for(lambda: procore_item(user, SCOPE, "After restart (SharePoint).txt", parent_id=root.id),
             LIVE_TIMEOUT_S, "the SharePoint change in Procore")
    wait_identical(run, SCOPE, root.id, docs, timeout=LIVE_TIMEOUT_S)
