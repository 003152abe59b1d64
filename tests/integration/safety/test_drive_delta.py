"""The drive's change feed with several links on one drive (a "Projects" library, a folder per project):
one delta read serves every link, each change reaches exactly the link it is under, a run that is
going coalesces the next notifications, a link that registered while the drive's cursor moved on
without it still gets its changes (its own cursor is read once, then dropped), and the drive's cursor
goes with the drive's last link.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.graph import content as sp_content
from shared.graph import delta as sp_delta
from shared.models.messages import DriveDelta, StartInitialSync
from shared.models.rows import CursorRow, LinkRow, Stage, drive_scope
from shared.onboarding.links import delete_link
from shared.sync.runners.delta import LEASE_TIMEOUT
from tests.integration.safety.conftest import Env

LEASE = "graph_delta_lease"


def _linked(env: Env) -> tuple[LinkRow, str]:
    """A new link with its Documents folder made (its initial sync started): (link, Documents folder id)."""
    link = env.new_link()
    env.run(StartInitialSync(tenant_id=link.tenant_id, link_id=link.link_id))
    env.take(env.services.settings.queue_initial_sync)
    env.take()
    link = env.link(link.link_id)
    return link, link.tool_roots["documents"].sp_item_id


def _put(env: Env, folder_id: str, name: str) -> None:
    """A person adds a file (the *user* identity, so the change is no echo of ours)."""
    with env.graph_session("user") as graph:
        sp_content.put_new_small(graph, env.site["drive_id"], folder_id, name, name.encode(), "fail")


def _drive(link: LinkRow) -> str:
    return drive_scope(link.tenant_id, link.drive_id)


def _changes(sent: list[dict[str, object]]) -> dict[str, str]:
    """SpChange messages sent: item name -> link id."""
    return {str(m["name"]): str(m["link_id"]) for m in sent if m["kind"] == "sp_change"}


def test_one_read_serves_every_link_of_the_drive(env: Env) -> None:
    first, first_docs = _linked(env)
    second, second_docs = _linked(env)
    _put(env, first_docs, "For the first.txt")
    _put(env, second_docs, "For the second.txt")
    env.run(DriveDelta(tenant_id=first.tenant_id, link_id=first.link_id))
    changes = _changes(env.take())
    assert changes == {"For the first.txt": first.link_id, "For the second.txt": second.link_id}
    # The drive's cursor serves both now; the links' own cursors were read once and dropped.
    assert env.repos.cursors.get(_drive(first), "graph_delta") is not None
    assert env.repos.cursors.get(first.link_id, "graph_delta") is None
    assert env.repos.cursors.get(second.link_id, "graph_delta") is None
    # A notification for the other link reads from the drive's cursor: nothing twice.
    _put(env, first_docs, "Later.txt")
    env.run(DriveDelta(tenant_id=second.tenant_id, link_id=second.link_id))
    assert _changes(env.take()) == {"Later.txt": first.link_id}


def test_a_run_going_on_coalesces_the_next_notifications(env: Env) -> None:
    link, docs = _linked(env)
    env.run(DriveDelta(tenant_id=link.tenant_id, link_id=link.link_id))
    env.take()
    env.repos.cursors.upsert(CursorRow(scope=_drive(link), kind=LEASE, value="running", updated_at=datetime.now(UTC)))
    _put(env, docs, "Meanwhile.txt")
    for _ in range(3):
        env.run(DriveDelta(tenant_id=link.tenant_id, link_id=link.link_id))
    assert _changes(env.take()) == {}               # the running step reads again; nothing started
    lease = env.repos.cursors.get(_drive(link), LEASE)
    assert lease is not None and lease.row.value == "again"
    env.repos.cursors.upsert(CursorRow(scope=_drive(link), kind=LEASE, value="idle", updated_at=datetime.now(UTC)))
    env.run(DriveDelta(tenant_id=link.tenant_id, link_id=link.link_id))
    assert "Meanwhile.txt" in _changes(env.take())


def test_a_run_that_died_is_taken_over_though_notifications_kept_telling_it_to_read_again(env: Env) -> None:
    link, docs = _linked(env)
    env.run(DriveDelta(tenant_id=link.tenant_id, link_id=link.link_id))
    env.take()
    started = datetime.now(UTC) - LEASE_TIMEOUT + timedelta(minutes=1)   # a run whose host then died
    env.repos.cursors.upsert(CursorRow(scope=_drive(link), kind=LEASE, value="running", updated_at=started))
    _put(env, docs, "While the run was dead.txt")
    for _ in range(2):                              # notifications: "read again" -- but no sign of life
        env.run(DriveDelta(tenant_id=link.tenant_id, link_id=link.link_id))
    assert _changes(env.take()) == {}
    lease = env.repos.cursors.get(_drive(link), LEASE)
    assert lease is not None and (lease.row.value, lease.row.updated_at) == ("again", started)
    # Time passes (the row as it stands LEASE_TIMEOUT later): the next notification takes the run over.
    env.repos.cursors.upsert(CursorRow(scope=_drive(link), kind=LEASE, value="again",
                                       updated_at=started - LEASE_TIMEOUT))
    env.run(DriveDelta(tenant_id=link.tenant_id, link_id=link.link_id))
    assert "While the run was dead.txt" in _changes(env.take())


def test_a_link_the_drive_cursor_passed_by_still_gets_its_changes(env: Env) -> None:
    older, _ = _linked(env)
    env.run(DriveDelta(tenant_id=older.tenant_id, link_id=older.link_id))
    env.take()
    late, late_docs = _linked(env)                  # registered: its own cursor is taken
    _put(env, late_docs, "Made early.txt")
    # A run elsewhere read past that change before the new link's row existed (moved the drive's cursor).
    latest = sp_delta.latest_cursor(env.services.graph(env.tenant), env.site["drive_id"])
    env.repos.cursors.upsert(CursorRow(scope=_drive(older), kind="graph_delta", value=latest,
                                       updated_at=datetime.now(UTC)))
    env.run(DriveDelta(tenant_id=older.tenant_id, link_id=older.link_id))
    assert _changes(env.take()) == {"Made early.txt": late.link_id}
    assert env.repos.cursors.get(late.link_id, "graph_delta") is None


def _set_stage(env: Env, link: LinkRow, stage: Stage) -> None:
    env.repos.links.mutate(link.tenant_id, link.link_id, lambda r: r.model_copy(update={"stage": stage}))


def test_a_paused_link_is_not_served_and_catches_up_when_it_resumes(env: Env) -> None:
    served, _ = _linked(env)
    paused, paused_docs = _linked(env)
    env.run(DriveDelta(tenant_id=served.tenant_id, link_id=served.link_id))
    env.take()
    _set_stage(env, paused, Stage.PAUSED)
    _put(env, paused_docs, "While paused.txt")
    env.run(DriveDelta(tenant_id=served.tenant_id, link_id=served.link_id))
    assert _changes(env.take()) == {}                # nothing for a paused link (it would only bounce)
    assert env.repos.cursors.get(paused.link_id, "graph_delta") is not None    # it holds its position
    _set_stage(env, paused, Stage.REGULAR)
    env.run(DriveDelta(tenant_id=served.tenant_id, link_id=served.link_id))
    assert _changes(env.take()) == {"While paused.txt": paused.link_id}
    assert env.repos.cursors.get(paused.link_id, "graph_delta") is None


def test_the_drive_cursor_goes_with_the_last_link_on_the_drive(env: Env) -> None:
    keeper, _ = _linked(env)
    env.run(DriveDelta(tenant_id=keeper.tenant_id, link_id=keeper.link_id))
    env.take()
    others = [s.row for s in env.repos.links.query(keeper.tenant_id)
              if s.row.link_id != keeper.link_id and s.row.stage is not Stage.DELETED]
    for link in others:
        delete_link(env.services, env.tenant, link.link_id)
    assert env.repos.cursors.get(_drive(keeper), "graph_delta") is not None   # still serves the keeper
    delete_link(env.services, env.tenant, keeper.link_id)
    assert list(env.repos.cursors.query(_drive(keeper))) == []
