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
from shared.models.messages import DETECT, METADATA, TRANSFER, Lane, SpToProcore
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


def _pump(env: Env) -> None:
    """Run every message the steps send (transfer, metadata, live) through the real dispatcher, until none
    is left (a step that fails raises here)."""
    s = env.services.settings
    queues = ((s.queue_transfer, TRANSFER), (s.queue_metadata, METADATA), (s.queue_live, DETECT))
    for _ in range(20):
        ran = 0
        for queue, adapter in queues:
            for body in env.take(queue):
                dispatch.handle(env.services, queue, json.dumps(body), adapter, delivery_id=uuid.uuid4().hex)
                ran += 1
        if not ran:
            return
    raise AssertionError("the steps never settled")


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
    stem = f"large-{uuid.uuid4().hex[:6]}"
    name = f"{stem}.bin"
    size = budget.STEP_BYTES + 1024 * 1024
    old, new = (bytes([n]) * size for n in (1, 2))
    if newer is Side.SHAREPOINT:
        made = _person_makes_in_procore(env, ctx, name, old, tmp_path)
        _after(made.updated_at)
        item = _sp_large(env, ctx, name, new, tmp_path)
    else:
        item = _sp_large(env, ctx, name, old, tmp_path)
        _after(item.last_modified)
        made = _person_makes_in_procore(env, ctx, name, new, tmp_path)
    ctx.send(Step.TRANSFER, SpToProcore(tenant_id=ctx.link.tenant_id, link_id=ctx.link.link_id, lane=Lane.LIVE,
                                        tool=ToolKey.DOCUMENTS, sp_item_id=item.id))
    _pump(env)

    procore, sharepoint = _procore_files(ctx, stem), _sp_files(ctx, stem)
    assert set(procore) == {name} and set(sharepoint) == {name}           # no duplicate on either side
    assert procore[name].procore_id == made.procore_id and sharepoint[name].id == item.id
    assert _procore_bytes(ctx, procore[name]) == new and _sp_bytes(ctx, sharepoint[name]) == new   # newest wins
    twin = twin_of(ctx, item.id)
    assert twin is not None and twin.procore_id == made.procore_id and twin.state is ItemState.SYNCED
    assert _conflicts(env, ctx) == [made.procore_id]
    assert not list(env.repos.transfers.query(ctx.link.link_id, "item eq @i", {"i": item.id}))   # none half done


def _sp_large(env: Env, ctx: LinkContext, name: str, data: bytes, tmp: Path) -> DriveItem:
    _, root_sp = tool_root(ctx, ToolKey.DOCUMENTS)
    path = tmp / uuid.uuid4().hex
    path.write_bytes(data)
    with env.graph_session("user") as graph:
        written = sp_upload.upload_new(graph, ctx.drive_id, root_sp, name, path, conflict="fail")
    assert written.item is not None
    return written.item
