"""Live changes on a linked project, timed as a person sees them: a file created on one side until the
other side lists it (Procore -> SharePoint and SharePoint -> Procore), and what one edit costs.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from bench.measure import QUIET_WINDOW_S, Usage, usage
from bench.populate import Project, content
from bench.stack import BenchStack
from demo.onboarding import Onboarded, link_status
from demo.quiet import wait_quiet
from demo.stack import Running
from demo.uploads import BytesSource
from demo.waiting import DemoFailure
from shared.graph import content as sp_content
from shared.graph import items as sp_items
from shared.procore.scope import Scope

POLL_S = 0.05
BENCH_FOLDER = "Bench"
DOCUMENTS = "Documents"


@dataclass
class LiveLink:
    """A linked project and the Bench folder's twins: Procore folder id, SharePoint path and id."""

    view: Running
    link: Onboarded
    project_id: int
    bench_folder_id: int

    @property
    def scope(self) -> Scope:
        return Scope.project(self.project_id)

    def sp_path(self, name: str = "") -> str:
        base = f"{self.link.folder_path}/{DOCUMENTS}/{BENCH_FOLDER}"
        return f"{base}/{name}" if name else base


def _until(probe: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise DemoFailure(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(POLL_S)


def procore_to_sp(live: LiveLink, name: str, data: bytes, timeout: float) -> float:
    """Seconds from a person's new file in Procore until SharePoint lists it."""
    procore, graph = live.view.procore_client("user"), live.view.graph_session("user")
    drive = live.view.site["drive_id"]
    up = procore.uploads.upload(live.scope, BytesSource(data), filename=name)
    started = time.monotonic()
    procore.documents.create_file(live.scope, name=name, upload_uuid=up.uuid, parent_id=live.bench_folder_id)
    _until(lambda: sp_items.get_by_path(graph, drive, live.sp_path(name)), timeout, f"{name} in SharePoint")
    return time.monotonic() - started


def sp_to_procore(live: LiveLink, name: str, data: bytes, timeout: float) -> float:
    """Seconds from a person's new file in SharePoint until Procore lists it."""
    procore, graph = live.view.procore_client("user"), live.view.graph_session("user")
    drive = live.view.site["drive_id"]
    folder = sp_items.get_by_path(graph, drive, live.sp_path())
    if folder is None:
        raise DemoFailure(f"{live.sp_path()} is not in SharePoint")
    started = time.monotonic()
    sp_content.put_new_small(graph, drive, folder.id, name, data, "fail")

    def listed() -> bool:
        files = procore.documents.folder(live.scope, live.bench_folder_id).files
        return any(f.name == name and not f.is_deleted for f in files)

    _until(listed, timeout, f"{name} in Procore")
    return time.monotonic() - started


def settle(live: LiveLink, timeout: float, *, quiet: bool = True) -> None:
    """Before the next change: the whole pipeline quiet, or (`quiet=False`, while other work runs on the
    stack) nothing pending on this link by its status."""
    if quiet:
        wait_quiet(live.view, window=1.0, timeout=timeout)
        return
    _until(lambda: not link_status(live.view, live.link)["counts"]["pending"], timeout, "the link to settle")


def latencies(live: LiveLink, direction: str, samples: int, tag: str, timeout: float,
              keep_going: Callable[[], bool] = lambda: True, quiet: bool = True) -> list[float]:
    """`samples` new small files one after another in `direction` ("p2s" | "s2p"), each once the last
    one settled; stops early when `keep_going()` turns False (checked before each)."""
    out: list[float] = []
    for i in range(samples):
        if not keep_going():
            break
        name, data = f"Live {tag} {direction} {i:03d}.txt", content(zlib.crc32(tag.encode()) % 997, i)
        out.append((procore_to_sp if direction == "p2s" else sp_to_procore)(live, name, data, timeout))
        if keep_going():
            settle(live, timeout, quiet=quiet)
    return out


def edit_cost(bs: BenchStack, live: LiveLink, project: Project, timeout: float) -> Usage:
    """What the product used to carry one new version of an existing Procore file to SharePoint."""
    procore, graph = live.view.procore_client("user"), live.view.graph_session("user")
    drive = live.view.site["drive_id"]
    file_id = project.first_file_id
    file = procore.documents.file(live.scope, file_id)
    data = b"edited once for the bench\n" * 300
    wait_quiet(live.view, window=QUIET_WINDOW_S, timeout=timeout)
    before = bs.counters()
    up = procore.uploads.upload(live.scope, BytesSource(data), filename=file.name)
    procore.documents.add_version(live.scope, file_id, upload_uuid=up.uuid)

    def arrived() -> bool:
        item = sp_items.get_by_path(graph, drive, live.sp_path(project.first_file_rel))
        return item is not None and item.size == len(data)

    _until(arrived, timeout, f"the new version of {file.name} in SharePoint")
    wait_quiet(live.view, window=QUIET_WINDOW_S, timeout=timeout)
    return usage(before, bs.counters())


