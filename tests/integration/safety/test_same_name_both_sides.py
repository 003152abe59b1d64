"""Rule (d) of the README, SharePoint's step first, against Azurite and both emulators over HTTP: a person
makes a file in Procore while SharePoint's new file of the same name is on its way there. Procore refuses
the create (422 name taken); the step plans the pair as the same name made on both sides (newest wins, or
keep_both), so no duplicate is written on either side, one twin pair is recorded, with a conflict activity."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared.graph import items as sp_items
from shared.graph import ranges
from shared.graph import upload as sp_upload
from shared.graph.content import put_new_small
from shared.graph.models import DriveItem
from shared.models.api import ConflictPolicy, ToolKey
from shared.models.messages import DETECT, METADATA, TRANSFER, FetchFile, Lane, SpToProcore
from shared.models.rows import ItemKind, ItemState
from shared.procore.uploads import FileSource
from shared.sync import dispatch
from shared.sync.conflict import Side, conflict_name
from shared.sync.context import LinkContext, Step
from shared.sync.runners.record import twin_of
from shared.sync.runners.tree import tool_root
from shared.sync.transfer import budget
from shared.tools.base import SourceItem, link_scope
from tests.integration.safety.conftest import Env

OLD, NEW = b"the older content\n" * 50, b"the newer content, longer\n" * 60
BOTH = [ConflictPolicy.NEWEST_WINS, ConflictPolicy.KEEP_BOTH]


@pytest.fixture
def policy(env: Env, request: pytest.FixtureRequest) -> Iterator[ConflictPolicy]:
    """The tenant's conflict policy for one test (stored, so every step reads it), restored after."""
    wanted: ConflictPolicy = request.param
    stored = env.repos.get_tenant(env.tenant.tenant_id)
    assert stored is not None
    before = stored.row
    env.repos.tenants.upsert(before.model_copy(update={
        "settings": before.settings.model_copy(update={"conflict_policy": wanted})}))
    try:
        yield wanted
    finally:
        env.repos.tenants.upsert(before)


def _after(moment: datetime | None) -> None:
    """Wait until the clock is in a later whole second than `moment` (both services give times to the
    second), so the next file made is strictly newer."""
    assert moment is not None
    later = moment.replace(microsecond=0) + timedelta(seconds=1)
    deadline = time.monotonic() + 10
    while datetime.now(UTC) < later:
        assert time.monotonic() < deadline, f"the clock never passed {moment}"
        time.sleep(0.02)


def _sp_file(env: Env, ctx: LinkContext, name: str, data: bytes) -> DriveItem:
    _, root_sp = tool_root(ctx, ToolKey.DOCUMENTS)
    with env.graph_session("user") as graph:
        return put_new_small(graph, ctx.drive_id, root_sp, name, data, conflict="fail")


def _person_makes_in_procore(env: Env, ctx: LinkContext, name: str, data: bytes, tmp: Path) -> SourceItem:
    """A person (not our app) creates the file in the Documents root, unknown to the sync."""
    root_procore, _ = tool_root(ctx, ToolKey.DOCUMENTS)
    path = tmp / uuid.uuid4().hex
    path.write_bytes(data)
    person = env.procore_client("user")
    try:
        scope = link_scope(ctx.link)
        upload = person.uploads.upload(scope, FileSource(path), filename=name)
        made = person.documents.create_file(scope, name=name, upload_uuid=upload.uuid, parent_id=int(root_procore))
    finally:
        person.close()
    current = ctx.adapter(ToolKey.DOCUMENTS).get(ctx.procore, ctx.link, str(made.id), ItemKind.FILE)
    assert current is not None
    return current


def _pump(env: Env, rounds: int = 20) -> list[str]:
    """Run every message the steps send (transfer, metadata, live) through the real dispatcher, until none
    is left (a step that fails raises here); returns the kind (and phase) of each message run, in order."""
    s = env.services.settings
    queues = ((s.queue_transfer, TRANSFER), (s.queue_metadata, METADATA), (s.queue_live, DETECT))
    ran_kinds: list[list[str]] = []
    for _ in range(rounds):
        ran: list[str] = []
        for queue, adapter in queues:
            for body in env.take(queue):
                dispatch.handle(env.services, queue, json.dumps(body), adapter, delivery_id=uuid.uuid4().hex)
                ran.append(f"{body.get('kind')}:{body.get('phase', '')}")
        if not ran:
            return [kind for each in ran_kinds for kind in each]
        ran_kinds.append(ran)
    raise AssertionError(f"the steps never settled: {ran_kinds[-5:]}")


def _procore_files(ctx: LinkContext, stem: str) -> dict[str, SourceItem]:
    root_procore, _ = tool_root(ctx, ToolKey.DOCUMENTS)
    children = ctx.adapter(ToolKey.DOCUMENTS).children(ctx.procore, ctx.link, root_procore)
    return {c.name: c for c in children if c.kind is ItemKind.FILE and c.name.startswith(stem)}


def _sp_files(ctx: LinkContext, stem: str) -> dict[str, DriveItem]:
    _, root_sp = tool_root(ctx, ToolKey.DOCUMENTS)
    return {c.name or "": c for c in sp_items.iter_children(ctx.graph, ctx.drive_id, root_sp)
            if not c.is_folder and (c.name or "").startswith(stem)}


def _procore_bytes(ctx: LinkContext, item: SourceItem) -> bytes:
    return b"".join(ctx.adapter(ToolKey.DOCUMENTS).fetch(ctx.procore, ctx.link, item))


def _sp_bytes(ctx: LinkContext, item: DriveItem) -> bytes:
    return b"".join(ranges.iter_from(ctx.graph, ctx.drive_id, item.id, 0, None))


def _conflicts(env: Env, ctx: LinkContext) -> list[str]:
    today = datetime.now(UTC).date()
    return [a.item or "" for a in env.repos.recent_activity(ctx.link.link_id, today - timedelta(days=1), today)
            if a.event == "conflict"]


@pytest.mark.parametrize("policy", BOTH, indirect=True)
@pytest.mark.parametrize("newer", [Side.SHAREPOINT, Side.PROCORE])
def test_the_same_name_made_on_both_sides_becomes_one_pair(env: Env, policy: ConflictPolicy, newer: Side,
                                                           tmp_path: Path) -> None:
    ctx = env.live_context(started=True)
    stem = f"same-{uuid.uuid4().hex[:6]}"
    name = f"{stem}.txt"
    if newer is Side.SHAREPOINT:
        made = _person_makes_in_procore(env, ctx, name, OLD, tmp_path)
        _after(made.updated_at)
        item = _sp_file(env, ctx, name, NEW)
    else:
        item = _sp_file(env, ctx, name, OLD)
        _after(item.last_modified)
        made = _person_makes_in_procore(env, ctx, name, NEW, tmp_path)
    # SharePoint's new file reaches its step only now: Procore already holds that name
    ctx.send(Step.TRANSFER, SpToProcore(tenant_id=ctx.link.tenant_id, link_id=ctx.link.link_id, lane=Lane.LIVE,
                                        tool=ToolKey.DOCUMENTS, sp_item_id=item.id))
    _pump(env)

    loser = Side.PROCORE if newer is Side.SHAREPOINT else Side.SHAREPOINT
    copy = conflict_name(name, loser, datetime.now(UTC).date().isoformat())
    expected = {name, copy} if policy is ConflictPolicy.KEEP_BOTH else {name}
    procore, sharepoint = _procore_files(ctx, stem), _sp_files(ctx, stem)
    assert set(procore) == expected and set(sharepoint) == expected      # no duplicate on either side
    assert procore[name].procore_id == made.procore_id and sharepoint[name].id == item.id   # the same two files
    assert _procore_bytes(ctx, procore[name]) == NEW and _sp_bytes(ctx, sharepoint[name]) == NEW   # newest wins

    twin = twin_of(ctx, item.id)                                         # one pair, synced, its claim released
    assert twin is not None and twin.procore_id == made.procore_id and twin.state is ItemState.SYNCED
    claim = env.repos.items_by_sp.get(ctx.link.link_id, item.id)
    assert claim is not None and claim.row.item_key and claim.row.claimed_at is None
    assert _conflicts(env, ctx) == [made.procore_id]

    if policy is ConflictPolicy.KEEP_BOTH:                              # the loser's content kept beside, paired
        kept = twin_of(ctx, sharepoint[copy].id)
        assert kept is not None and kept.procore_id == procore[copy].procore_id
        assert _procore_bytes(ctx, procore[copy]) == OLD and _sp_bytes(ctx, sharepoint[copy]) == OLD


@pytest.mark.parametrize("policy", [ConflictPolicy.NEWEST_WINS], indirect=True)
@pytest.mark.parametrize("newer", [Side.SHAREPOINT, Side.PROCORE])
def test_a_large_file_made_on_both_sides_becomes_one_pair_in_steps(env: Env, policy: ConflictPolicy, newer: Side,
                                                                   tmp_path: Path) -> None:
    """The same rule for a file copied in steps: Procore refuses the create only at the last step, after the
    bytes went up; the pair is still one, and SharePoint's winning content goes as a new Procore version."""
    ctx = env.live_context(started=True)
    stem, name, old, new, made, item = _large_made_on_both(env, ctx, "large", newer, (1, 2), tmp_path)
    _pump(env)

    procore, sharepoint = _procore_files(ctx, stem), _sp_files(ctx, stem)
    assert set(procore) == {name} and set(sharepoint) == {name}           # no duplicate on either side
    assert procore[name].procore_id == made.procore_id and sharepoint[name].id == item.id
    assert _procore_bytes(ctx, procore[name]) == new and _sp_bytes(ctx, sharepoint[name]) == new   # newest wins
    twin = twin_of(ctx, item.id)
    assert twin is not None and twin.procore_id == made.procore_id and twin.state is ItemState.SYNCED
    assert _conflicts(env, ctx) == [made.procore_id]
    assert not list(env.repos.transfers.query(ctx.link.link_id, "item eq @i", {"i": item.id}))   # none half done


def _large_made_on_both(env: Env, ctx: LinkContext, prefix: str, newer: Side, fills: tuple[int, int],
                        tmp: Path) -> tuple[str, str, bytes, bytes, SourceItem, DriveItem]:
    """A file larger than one transfer step made on both sides under one name, the `newer` side's second
    (its bytes the second fill); SharePoint's new file is then delivered to its step. Returns (stem, name,
    older bytes, newer bytes, the Procore file, the SharePoint file)."""
    stem = f"{prefix}-{uuid.uuid4().hex[:6]}"
    name = f"{stem}.bin"
    size = budget.STEP_BYTES + 1024 * 1024
    old, new = (bytes([n]) * size for n in fills)
    if newer is Side.SHAREPOINT:
        made = _person_makes_in_procore(env, ctx, name, old, tmp)
        _after(made.updated_at)
        item = _sp_large(env, ctx, name, new, tmp)
    else:
        item = _sp_large(env, ctx, name, old, tmp)
        _after(item.last_modified)
        made = _person_makes_in_procore(env, ctx, name, new, tmp)
    ctx.send(Step.TRANSFER, SpToProcore(tenant_id=ctx.link.tenant_id, link_id=ctx.link.link_id, lane=Lane.LIVE,
                                        tool=ToolKey.DOCUMENTS, sp_item_id=item.id))
    return stem, name, old, new, made, item


def _sp_large(env: Env, ctx: LinkContext, name: str, data: bytes, tmp: Path) -> DriveItem:
    _, root_sp = tool_root(ctx, ToolKey.DOCUMENTS)
    path = tmp / uuid.uuid4().hex
    path.write_bytes(data)
    with env.graph_session("user") as graph:
        written = sp_upload.upload_new(graph, ctx.drive_id, root_sp, name, path, conflict="fail")
    assert written.item is not None
    return written.item


@pytest.mark.parametrize("policy", [ConflictPolicy.KEEP_BOTH], indirect=True)
@pytest.mark.parametrize("newer", [Side.SHAREPOINT, Side.PROCORE])
def test_a_large_loser_is_kept_beside_in_steps(env: Env, policy: ConflictPolicy, newer: Side, tmp_path: Path) -> None:
    """keep_both with a large loser: its copy is staged and written in steps before the winner is applied
    (the step that met the conflict writes nothing), and each side ends with the winner and the copy."""
    ctx = env.live_context(started=True)
    stem, name, old, new, made, item = _large_made_on_both(env, ctx, "kept", newer, (3, 4), tmp_path)
    ran = _pump(env, rounds=80)   # the copy's steps, then the winner's, each a queue hop

    loser = Side.PROCORE if newer is Side.SHAREPOINT else Side.SHAREPOINT
    copy = conflict_name(name, loser, datetime.now(UTC).date().isoformat())
    procore, sharepoint = _procore_files(ctx, stem), _sp_files(ctx, stem)
    assert set(procore) == {name, copy} and set(sharepoint) == {name, copy}
    assert procore[name].procore_id == made.procore_id and sharepoint[name].id == item.id
    assert _procore_bytes(ctx, procore[name]) == new and _sp_bytes(ctx, sharepoint[name]) == new
    assert _procore_bytes(ctx, procore[copy]) == old and _sp_bytes(ctx, sharepoint[copy]) == old
    twin, kept = twin_of(ctx, item.id), twin_of(ctx, sharepoint[copy].id)
    assert twin is not None and twin.procore_id == made.procore_id and twin.state is ItemState.SYNCED
    assert kept is not None and kept.procore_id == procore[copy].procore_id
    assert _conflicts(env, ctx) == [made.procore_id]                      # recorded once, not per step
    assert ran.count("write_beside:") == 1                                # the copy went in its own steps
    for sp_id in (item.id, f"beside:{item.id}", made.procore_id, f"beside:{made.procore_id}"):
        assert not list(env.repos.transfers.query(ctx.link.link_id, "item eq @i", {"i": sp_id}))


@pytest.mark.parametrize("policy", [ConflictPolicy.KEEP_BOTH], indirect=True)
@pytest.mark.parametrize("newer", [Side.SHAREPOINT, Side.PROCORE])
def test_a_large_pair_edited_on_both_sides_keeps_the_loser_beside_in_steps(
        env: Env, policy: ConflictPolicy, newer: Side, tmp_path: Path) -> None:
    """The same for a synced pair edited on both sides (Procore's new version meets SharePoint's edit): the
    loser is staged from where it lives (SharePoint's item, or Procore's version) and written first."""
    ctx = env.live_context(started=True)
    stem = f"pair-{uuid.uuid4().hex[:6]}"
    name = f"{stem}.bin"
    size = budget.STEP_BYTES + 1024 * 1024
    first, older, newest = (bytes([n]) * size for n in (5, 6, 7))
    item = _sp_large(env, ctx, name, first, tmp_path)
    ctx.send(Step.TRANSFER, SpToProcore(tenant_id=ctx.link.tenant_id, link_id=ctx.link.link_id, lane=Lane.LIVE,
                                        tool=ToolKey.DOCUMENTS, sp_item_id=item.id))
    _pump(env, rounds=40)
    twin = twin_of(ctx, item.id)
    assert twin is not None and twin.state is ItemState.SYNCED
    edits = [(Side.PROCORE, older), (Side.SHAREPOINT, newest)] if newer is Side.SHAREPOINT else \
        [(Side.SHAREPOINT, older), (Side.PROCORE, newest)]
    for side, data in edits:
        if side is Side.SHAREPOINT:
            edited = _sp_replace(env, ctx, item.id, data, tmp_path)
            _after(edited.last_modified)
        else:
            version = _person_edits_in_procore(env, ctx, twin.procore_id, data, tmp_path)
            _after(version)
    current = ctx.adapter(ToolKey.DOCUMENTS).get(ctx.procore, ctx.link, twin.procore_id, ItemKind.FILE)
    assert current is not None and current.version
    ctx.send(Step.TRANSFER, FetchFile(tenant_id=ctx.link.tenant_id, link_id=ctx.link.link_id, lane=Lane.LIVE,
                                      tool=ToolKey.DOCUMENTS, procore_id=twin.procore_id, version=current.version))
    ran = _pump(env, rounds=80)

    loser = Side.PROCORE if newer is Side.SHAREPOINT else Side.SHAREPOINT
    copy = conflict_name(name, loser, datetime.now(UTC).date().isoformat())
    procore, sharepoint = _procore_files(ctx, stem), _sp_files(ctx, stem)
    assert set(procore) == {name, copy} and set(sharepoint) == {name, copy}
    assert procore[name].procore_id == twin.procore_id and sharepoint[name].id == item.id
    assert _procore_bytes(ctx, procore[name]) == newest and _sp_bytes(ctx, sharepoint[name]) == newest
    assert _procore_bytes(ctx, procore[copy]) == older and _sp_bytes(ctx, sharepoint[copy]) == older
    assert ran.count("write_beside:") == 1
    assert _conflicts(env, ctx).count(twin.procore_id) == 1


def _sp_replace(env: Env, ctx: LinkContext, item_id: str, data: bytes, tmp: Path) -> DriveItem:
    path = tmp / uuid.uuid4().hex
    path.write_bytes(data)
    with env.graph_session("user") as graph:
        written = sp_upload.upload_replace(graph, ctx.drive_id, item_id, path)
    assert written.item is not None
    return written.item


def _person_edits_in_procore(env: Env, ctx: LinkContext, file_id: str, data: bytes, tmp: Path) -> datetime | None:
    """A person adds a version of the file in Procore; returns when it was made."""
    path = tmp / uuid.uuid4().hex
    path.write_bytes(data)
    person = env.procore_client("user")
    try:
        scope = link_scope(ctx.link)
        upload = person.uploads.upload(scope, FileSource(path), filename=path.name)
        person.documents.add_version(scope, int(file_id), upload_uuid=upload.uuid)
    finally:
        person.close()
    current = ctx.adapter(ToolKey.DOCUMENTS).get(ctx.procore, ctx.link, file_id, ItemKind.FILE)
    assert current is not None
    return current.updated_at
