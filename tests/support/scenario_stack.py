"""The golden scenarios (tests/scenarios/*.toml) run through the real pipeline on the local stack: each
scenario's `before` built for real (made in Procore, synced by the product), its events applied through
the public APIs as people would, and both sides read back as the scenario's own tree lines. Documents here;
the Photos scenarios' places, albums and images in tests/support/scenario_photos.py.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

import httpx
from azure.storage.queue import QueueServiceClient

from shared.graph import content as sp_content
from shared.graph import items as sp_items
from shared.procore.client import ProcoreClient
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from shared.sync.plan.vocabulary import ActionKind, Kind, Side
from tests.support.e2e import Onboarded, Running, onboard, quickxor_of, sp_tree, wait_for
from tests.support.scenario import SEP, Entry, Event, Scenario, parse_entry

TOOL_FOLDER = "Documents"        # the Documents tool's folder below a link's SharePoint folder
CHECKOUT = timedelta(hours=1)    # a Procore checkout (`lock` on the Procore side) outlasting the test
CLOCK_STEP_S = 1.1               # both servers keep seconds: the newer event is at least this much later


def content_bytes(label: str) -> bytes:
    """The bytes a scenario's content label stands for: equal labels, equal bytes (and hashes)."""
    return f"{label}\n".encode() * 16


def _label_of(hashes: dict[str, str], digest: str | None) -> str:
    return hashes.get(digest or "", f"<unknown bytes {digest}>")


@dataclass
class Place:
    """Where one scenario runs: its link, its Procore project, and its own top folder on both sides
    (named after the scenario), so scenarios sharing a link never see each other's items."""

    scenario: Scenario
    run: Running
    project_id: int
    folder_path: str                 # the link's SharePoint folder
    ob: Onboarded | None = None      # the link, once onboarded
    before_ids: dict[Side, dict[str, str]] = field(default_factory=dict)

    @property
    def top(self) -> str:
        return self.scenario.name

    @property
    def scope(self) -> Scope:
        return Scope.project(self.project_id)

    @property
    def sp_top_path(self) -> str:
        return f"{self.folder_path}/{TOOL_FOLDER}/{self.top}"

    def labels(self) -> dict[str, str]:
        """Every content label the scenario names, by the QuickXorHash of its bytes."""
        found: set[str] = set()
        lines = [*self._before_lines(), *self.scenario.after[Side.PROCORE],
                 *self.scenario.after[Side.SHAREPOINT]]
        for line in lines:
            entry = parse_entry(line)
            if entry.content is not None:
                found.add(entry.content)
        found |= {e.content for e in self.scenario.events if e.content is not None}
        return {quickxor_of(iter([content_bytes(label)])): label for label in found}

    def _before_lines(self) -> list[str]:
        s = self.scenario
        entries = [*s.both, *s.only[Side.PROCORE], *s.only[Side.SHAREPOINT]]
        return [e.path + ("/" if e.kind is Kind.FOLDER else f"{SEP}{e.content}") for e in entries]

    # reading both sides ---------------------------------------------------------------------------
    def procore_lines(self, cache: dict[int, str]) -> tuple[list[str], dict[str, str]]:
        """The scenario's Procore subtree as tree lines, and each path's Procore id."""
        user = self.run.procore_client("user")
        items = {i.id: i for i in user.documents.list_documents(self.scope)
                 if not i.is_deleted and not i.is_recycle_bin}
        tops = [i for i in items.values() if i.is_folder and i.name == self.top
                and items.get(i.parent_id or -1) is None]
        if not tops:
            return [], {}
        top_id = tops[0].id
        labels = self.labels()
        lines: list[str] = []
        ids: dict[str, str] = {}
        for item in items.values():
            parts: list[str] = []
            node: Any = item
            while node is not None and node.id != top_id:
                parts.append(node.name)
                node = items.get(node.parent_id) if node.parent_id is not None else None
            if node is None or item.id == top_id:
                continue
            path = "/".join(reversed(parts))
            ids[path] = str(item.id)
            if item.is_folder:
                lines.append(path + "/")
                continue
            version = item.file.current_version if item.file is not None else None
            if version is None:
                lines.append(f"{path}{SEP}<no version>")
                continue
            if version.id not in cache:
                cache[version.id] = quickxor_of(user.downloads.iter_bytes(version.url))
            lines.append(f"{path}{SEP}{_label_of(labels, cache[version.id])}")
        return sorted(lines), ids

    def sharepoint_lines(self) -> tuple[list[str], dict[str, str]]:
        """The scenario's SharePoint subtree as tree lines, and each path's item id."""
        graph, drive = self.run.graph_session("user"), self.run.site["drive_id"]
        top = sp_items.get_by_path(graph, drive, self.sp_top_path)
        if top is None:
            return [], {}
        labels = self.labels()
        lines: list[str] = []
        ids: dict[str, str] = {}
        for path, item in sp_tree(graph, drive, top.id):
            rel = str(path).lstrip("/")
            ids[rel] = item.id
            lines.append(rel + "/" if item.is_folder else f"{rel}{SEP}{_label_of(labels, item.quick_xor_hash)}")
        return sorted(lines), ids

    def versions(self, side: Side, item_id: str) -> int:
        """How many versions one of the scenario's files has on a side."""
        if side is Side.PROCORE:
            return len(self.run.procore_client("user").documents.file(self.scope, int(item_id)).file_versions)
        drive = self.run.site["drive_id"]
        body: dict[str, Any] = self.run.graph_session("user").request(
            "GET", f"/drives/{drive}/items/{item_id}/versions",
            route="/drives/{drive-id}/items/{item-id}/versions").json()
        return len(body["value"])

    def expected(self, side: Side, today: str) -> list[str]:
        """The scenario's `after` tree for one side; a keep-both copy is dated the day it is made."""
        return sorted(line.replace(self.scenario.policy.today, today) for line in self.scenario.after[side])

    def before(self) -> list[str]:
        return sorted(self._before_lines())


# building `before` --------------------------------------------------------------------------------
def _upload(user: ProcoreClient, scope: Scope, tmp: Path, name: str, data: bytes) -> str:
    path = tmp / uuid.uuid4().hex
    path.write_bytes(data)
    return user.uploads.upload(scope, FileSource(path), filename=name).uuid


def create_in_procore(place: Place, entries: tuple[Entry, ...], tmp: Path) -> None:
    """The scenario's top folder and `entries` made in Procore by a person (parents first)."""
    user, scope = place.run.procore_client("user"), place.scope
    root = user.documents.root(scope, exclude_files=True)
    ids = {"": user.documents.create_folder(scope, place.top, parent_id=root.id).id}
    for entry in sorted(entries, key=lambda e: e.path.count("/")):
        parent = ids[_parent_of(entry.path)]
        name = PurePosixPath(entry.path).name
        if entry.kind is Kind.FOLDER:
            ids[entry.path] = user.documents.create_folder(scope, name, parent_id=parent).id
        else:
            up = _upload(user, scope, tmp, name, content_bytes(entry.content or ""))
            user.documents.create_file(scope, name=name, parent_id=parent, upload_uuid=up)


def create_in_sharepoint(place: Place, entries: tuple[Entry, ...]) -> None:
    """`entries` made in SharePoint by a person below the scenario's top folder (made as needed)."""
    run, folder_path, top = place.run, place.folder_path, place.top
    graph, drive = run.graph_session("user"), run.site["drive_id"]
    root = sp_items.get_by_path(graph, drive, "")
    assert root is not None
    parent = root.id
    for part in [*folder_path.split("/"), TOOL_FOLDER, top]:
        parent = sp_items.ensure_folder(graph, drive, parent, part).id
    ids = {"": parent}
    for entry in sorted(entries, key=lambda e: e.path.count("/")):
        above = _parent_of(entry.path)
        name = PurePosixPath(entry.path).name
        if entry.kind is Kind.FOLDER:
            ids[entry.path] = sp_items.create_folder(graph, drive, ids[above], name, "fail").id
        else:
            sp_content.put_new_small(graph, drive, ids[above], name, content_bytes(entry.content or ""), "fail")


# applying events ----------------------------------------------------------------------------------
def _parent_of(path: str) -> str:
    return str(PurePosixPath(path).parent) if "/" in path else ""


def apply_event(place: Place, event: Event, tmp: Path) -> None:
    """One scenario event, done through the public API of its side with the *user* identity."""
    if event.side is Side.PROCORE:
        _procore_event(place, event, tmp)
    else:
        _sharepoint_event(place, event)


def _procore_ids(place: Place) -> dict[str, str]:
    ids = place.procore_lines({})[1]
    user = place.run.procore_client("user")
    for item in user.documents.list_documents(place.scope):
        if item.is_folder and item.name == place.top and not item.is_deleted and not item.is_recycle_bin:
            ids[""] = str(item.id)
    return ids


def _procore_event(place: Place, event: Event, tmp: Path) -> None:
    user, scope = place.run.procore_client("user"), place.scope
    ids = _procore_ids(place)
    path = event.path.rstrip("/")
    is_folder = event.path.endswith("/") or f"{path}/" in place.procore_lines({})[0]
    name = PurePosixPath(path).name
    if event.op == "create":
        parent = int(ids[_parent_of(path)])
        if event.path.endswith("/"):
            user.documents.create_folder(scope, name, parent_id=parent)
        else:
            up = _upload(user, scope, tmp, name, content_bytes(event.content or ""))
            user.documents.create_file(scope, name=name, parent_id=parent, upload_uuid=up)
        return
    item = int(ids[path])
    if event.op == "edit":
        up = _upload(user, scope, tmp, name, content_bytes(event.content or ""))
        user.documents.add_version(scope, item, upload_uuid=up)
    elif event.op == "rename":
        if is_folder:
            user.documents.update_folder(scope, item, name=event.to)
        else:
            user.documents.update_file(scope, item, name=event.to)
    elif event.op == "move":
        parent = int(ids[event.to or ""])
        if is_folder:
            user.documents.update_folder(scope, item, parent_id=parent)
        else:
            user.documents.update_file(scope, item, parent_id=parent)
    elif event.op == "delete":
        if is_folder:
            user.documents.delete_folder(scope, item)
        else:
            user.documents.delete_file(scope, item)
    elif event.op == "lock":
        user.documents.update_file(scope, item, checked_out_until=datetime.now(UTC) + CHECKOUT)


def _sharepoint_event(place: Place, event: Event) -> None:
    run = place.run
    graph, drive = run.graph_session("user"), run.site["drive_id"]
    path = event.path.rstrip("/")

    def item_id(rel: str) -> str:
        found = sp_items.get_by_path(graph, drive, f"{place.sp_top_path}/{rel}" if rel else place.sp_top_path)
        assert found is not None, f"{place.top}: no {rel!r} in SharePoint"
        return found.id

    name = PurePosixPath(path).name
    if event.op == "create":
        parent = item_id(_parent_of(path))
        if event.path.endswith("/"):
            sp_items.create_folder(graph, drive, parent, name, "fail")
        else:
            sp_content.put_new_small(graph, drive, parent, name, content_bytes(event.content or ""), "fail")
    elif event.op == "edit":
        sp_content.put_replace_small(graph, drive, item_id(path), content_bytes(event.content or ""))
    elif event.op == "rename":
        sp_items.rename_item(graph, drive, item_id(path), event.to or "")
    elif event.op == "move":
        sp_items.move_item(graph, drive, item_id(path), item_id(event.to or ""))
    elif event.op == "delete":
        sp_items.delete_item(graph, drive, item_id(path))
    elif event.op == "lock":
        httpx.post(run.graph_emulator_url + "/_emulator/locks", json={"drive_id": drive, "item_id": item_id(path)},
                   timeout=10).raise_for_status()


def unheard_events(scenario: Scenario) -> tuple[Event, ...]:
    """The events the product must not hear of before the last one: in a scenario with events on both
    sides, every event before the last (their side's notifications are dropped while they happen), so
    the product meets them while handling the last — a real concurrent change, whatever the load. A
    SharePoint lock is no change anyone is told of, so it is unheard too."""
    sides = {e.side for e in scenario.events if e.op != "lock"}
    if len(sides) < 2:
        return tuple(e for e in scenario.events if e.op == "lock")
    return scenario.events[:-1]


def drop_notifications(run: Running, rate: float) -> None:
    """Drop (1.0) or deliver (0.0) every change notification and webhook from now on; both emulators
    decide when the change happens, so what happened while dropping is never told."""
    run.emulator("procore", "/_emulator/notifications", {"drop_rate": rate})
    run.emulator("graph", "/_emulator/notifications", {"drop_rate": rate})


def wait_clock_past(moment: float) -> None:
    """Wait until the wall clock is CLOCK_STEP_S past `moment` (a time.time()), so the next event is
    newer than everything before it on servers that keep whole seconds."""
    wait_for(lambda: time.time() >= moment + CLOCK_STEP_S, 5, "the clock to move on", interval=0.1)


# quiet ---------------------------------------------------------------------------------------------
def pending_messages(run: Running, *, due_only: bool) -> dict[str, int]:
    """Messages in the host's queues (poison queues left out): all, or with `due_only` the visible ones."""
    counts: dict[str, int] = {}
    with QueueServiceClient.from_connection_string(run.doc["storage_connection_string"]) as service:
        for queue in service.list_queues():
            if queue.name.endswith("-poison"):
                continue
            client = service.get_queue_client(queue.name)
            counts[queue.name] = (len(client.peek_messages(max_messages=32)) if due_only
                                  else int(client.get_queue_properties().approximate_message_count or 0))
    return {q: n for q, n in counts.items() if n}


def _calls(run: Running) -> tuple[int, int]:
    procore: dict[str, Any] = run.emulator("procore", "/_emulator/stats")
    graph: dict[str, Any] = run.emulator("graph", "/_emulator/stats")
    return int(procore["total_calls"]), int(graph["total_calls"])


def wait_quiet(run: Running, *, window: float = 3.0, timeout: float = 120.0, due_only: bool = True) -> None:
    """Until no queue message is due and neither emulator was called for `window` seconds (our own
    polling calls are the only ones made meanwhile: two stats reads, which count in neither)."""
    deadline = time.monotonic() + timeout
    last: tuple[int, int] | None = None
    since = time.monotonic()
    while True:
        now = time.monotonic()
        calls, pending = _calls(run), pending_messages(run, due_only=due_only)
        if pending or calls != last:
            last, since = calls, now
        elif now - since >= window:
            return
        assert now < deadline, f"the pipeline was not quiet within {timeout:.0f} s: queues {pending}, calls {calls}"
        time.sleep(0.5)


# what the actions imply for identities ---------------------------------------------------------------
def path_after(scenario: Scenario, path: str) -> str | None:
    """Where an item of `before` is after the scenario's renames and moves (None: deleted by an event)."""
    for event in scenario.events:
        src = event.path.rstrip("/")
        if path != src and not path.startswith(src + "/"):
            continue
        if event.op == "delete":
            return None
        if event.op in ("rename", "move"):
            moved = (f"{_parent_of(src)}/{event.to}".lstrip("/") if event.op == "rename"
                     else f"{event.to}/{PurePosixPath(src).name}".lstrip("/"))
            path = moved + path[len(src):]
    return path


def identity_expectations(scenario: Scenario) -> list[tuple[Side, str, str, bool]]:
    """(side, before path, after path, same id?) for every synced item of `before` that still exists
    after: a restored item has a new id on the side it is restored to, a re-keyed one (a Photos image given
    new bytes) a new Procore id, everything else keeps its id."""
    restored = {(a.on, a.item) for a in scenario.actions if a.do is ActionKind.RESTORE}
    restored |= {(Side.PROCORE, item) for item in scenario.rekeyed}
    out: list[tuple[Side, str, str, bool]] = []
    for side in (Side.PROCORE, Side.SHAREPOINT):
        after = {parse_entry(line).path for line in scenario.after[side]}
        for entry in scenario.both:
            moved = path_after(scenario, entry.path) if not _deleted_on(scenario, side, entry.path) else None
            target = moved if moved is not None else entry.path
            if target in after:
                out.append((side, entry.path, target, (side, entry.path) not in restored))
    return out


def _deleted_on(scenario: Scenario, side: Side, path: str) -> bool:
    return any(e.op == "delete" and e.side is side and (path == e.path or path.startswith(e.path + "/"))
               for e in scenario.events)


def clear_project(run: Running, project_id: int) -> None:
    """Everything in a project's Documents root deleted by a person (to the recycle bin): each link's
    initial sync then copies only its scenarios' items."""
    user, scope = run.procore_client("user"), Scope.project(project_id)
    root = user.documents.root(scope)
    for folder in root.folders:
        user.documents.delete_folder(scope, folder.id)
    for file in root.files:
        user.documents.delete_file(scope, file.id)


def settings_of(scenario: Scenario) -> dict[str, Any]:
    """The tenant settings (onboarding API) a scenario's [settings] stand for."""
    p = scenario.policy
    out: dict[str, Any] = {}
    if p.conflict_policy.value != "newest_wins":
        out["conflict_policy"] = p.conflict_policy.value
    if not p.delete_sync:
        out["delete_sync"] = False
    return out


def onboard_link(run: Running, project_id: int, settings: dict[str, Any], *, initial_sync: str = "standard",
                 folder_path: str | None = None) -> Onboarded:
    return onboard(run, project_id, settings=settings or None, initial_sync=initial_sync, folder_path=folder_path)

