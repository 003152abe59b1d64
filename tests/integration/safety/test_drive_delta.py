"""The drive's change feed with several links on one drive (a "Projects" library, a folder per project):
one delta read serves every link, each change reaches exactly the link it is under, a run that is
going coalesces the next notifications, a link that registered while the drive's cursor moved on
without it still gets its changes (its own cursor is read once, then dropped), and the drive's cursor
goes with the drive's last link.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from shared import errors
from shared.graph import content as sp_content
from shared.graph import delta as sp_delta
from shared.graph import items as sp_items
from shared.models.messages import DriveDelta, GraphNotice, GraphNotices, Lane, StartInitialSync
from shared.models.rows import CursorRow, LeaseRow, LinkRow, Stage, SubscriptionKind, drive_scope
from shared.onboarding.links import delete_link
from shared.sync.context import load_context
from shared.sync.lease import is_held
from shared.sync.runners.delta import LEASE, drive_lease
from tests.integration.safety.conftest import Env


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


def _hold_lease(env: Env, link: LinkRow, holder: str, expires_in: timedelta) -> None:
    """Another run holds the drive's lease (or held it, and died: `expires_in` <= 0)."""
    env.repos.leases.upsert(LeaseRow(scope=_drive(link), name=LEASE, holder=holder,
                                     expires_at=datetime.now(UTC) + expires_in))


def _lease(env: Env, link: LinkRow) -> LeaseRow:
    stored = env.repos.leases.get(_drive(link), LEASE)
    assert stored is not None
    return stored.row


def test_a_run_going_on_coalesces_the_next_notifications(env: Env) -> None:
    link, docs = _linked(env)
    env.run(DriveDelta(tenant_id=link.tenant_id, link_id=link.link_id))
    env.take()
    assert not is_held(_lease(env, link), datetime.now(UTC))          # the run let go when it was done
    _hold_lease(env, link, "another-run", timedelta(minutes=5))
    held_until = _lease(env, link).expires_at
    _put(env, docs, "Meanwhile.txt")
    for _ in range(3):
        env.run(DriveDelta(tenant_id=link.tenant_id, link_id=link.link_id))
    assert _changes(env.take()) == {}               # the running step reads again; nothing started
    lease = _lease(env, link)
    assert lease.again and lease.holder == "another-run"
    assert lease.expires_at == held_until           # notifications never extend another run's lease
    env.repos.leases.upsert(LeaseRow(scope=_drive(link), name=LEASE))   # that run let go
    env.run(DriveDelta(tenant_id=link.tenant_id, link_id=link.link_id))
    assert "Meanwhile.txt" in _changes(env.take())


def test_a_lease_left_by_a_run_that_died_expires_by_itself(env: Env) -> None:
    """The stall seen on a busy drive: a lease with no living holder, marked `again` by every notification.
    The marks do not keep it alive; once it expires the next notification takes it over and reads."""
    link, docs = _linked(env)
    env.run(DriveDelta(tenant_id=link.tenant_id, link_id=link.link_id))
    env.take()
    _hold_lease(env, link, "a-run-that-died", timedelta(seconds=4))
    _put(env, docs, "While orphaned.txt")
    env.run(DriveDelta(tenant_id=link.tenant_id, link_id=link.link_id))
    assert _changes(env.take()) == {}
    assert _lease(env, link).again
    expires = _lease(env, link).expires_at
    assert expires is not None
    while datetime.now(UTC) < expires - timedelta(seconds=2):   # notifications well before its expiry
        env.run(DriveDelta(tenant_id=link.tenant_id, link_id=link.link_id))   # still refused, not extended
        assert _lease(env, link).expires_at == expires
        time.sleep(0.2)
    while datetime.now(UTC) <= expires:             # wait for the condition: the orphan's expiry
        time.sleep(0.1)
    env.run(DriveDelta(tenant_id=link.tenant_id, link_id=link.link_id))
    assert _changes(env.take()) == {"While orphaned.txt": link.link_id}
    assert not is_held(_lease(env, link), datetime.now(UTC))


def test_a_run_handing_on_after_its_last_round_leaves_no_lease_behind(env: Env) -> None:
    """A run that reached MAX_ROUNDS lets go before it sends its continuation: whatever notification comes
    in between either takes the lease or finds it free, and the continuation reads."""
    link, docs = _linked(env)
    env.run(DriveDelta(tenant_id=link.tenant_id, link_id=link.link_id))
    env.take()
    ctx = load_context(env.services, link.tenant_id, link.link_id, Lane.LIVE)
    assert ctx is not None
    run = drive_lease(ctx)
    assert run.request(datetime.now(UTC))
    assert not drive_lease(ctx).request(datetime.now(UTC))    # a notification meanwhile: marked again
    run.release()                                              # the hand-off
    assert not is_held(_lease(env, link), datetime.now(UTC))
    _put(env, docs, "After the hand-off.txt")
    env.run(DriveDelta(tenant_id=link.tenant_id, link_id=link.link_id))   # the continuation
    assert _changes(env.take()) == {"After the hand-off.txt": link.link_id}


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


def test_a_link_whose_folder_goes_before_its_first_run_pauses_and_hands_nothing_on(env: Env) -> None:
    """Its first run reads from its own cursor; the batch deletes its folder (and so everything below):
    nothing is handed on as deleted, the link pauses, and it keeps its cursor to catch up on resume."""
    older, _ = _linked(env)
    env.run(DriveDelta(tenant_id=older.tenant_id, link_id=older.link_id))
    env.take()
    late, late_docs = _linked(env)                  # registered: its own cursor is taken
    with env.graph_session("user") as graph:
        sp_items.delete_item(graph, env.site["drive_id"], late.root_item_id or "")
    env.run(DriveDelta(tenant_id=older.tenant_id, link_id=older.link_id))
    assert late.link_id not in _changes(env.take()).values()
    assert env.link(late.link_id).stage is Stage.PAUSED
    assert env.repos.cursors.get(late.link_id, "graph_delta") is not None


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
    assert list(env.repos.leases.query(_drive(keeper))) == []


def test_a_storm_of_notifications_leaves_the_drive_to_the_next_one(env: Env) -> None:
    """Many notifications at once for a drive that keeps changing (a busy neighbour's flood), each run
    through the real dispatcher on its own thread, the failed ones retried as the host would: afterwards
    no lease is left held, and the next notification reads the next change (the old lease could end up
    held by no run: every notification refreshed it, and the runs lost their races to write it)."""
    link, docs = _linked(env)
    env.run(DriveDelta(tenant_id=link.tenant_id, link_id=link.link_id))
    env.take()
    note = DriveDelta(tenant_id=link.tenant_id, link_id=link.link_id)
    failed: list[DriveDelta] = []

    def notify(n: int) -> None:
        if n % 8 == 0:
            _put(env, docs, f"Storm {n:03d}.txt")
        try:
            env.run(note)
        except errors.SyncError:
            failed.append(note)

    with ThreadPoolExecutor(12) as pool:
        list(pool.map(notify, range(240)))
    for message in failed:                          # the host's retries
        env.run(message)
    while True:                                     # the continuations: paced steps (sent a second later,
        continuations = [m for m in env.take() if m["kind"] == "drive_delta"]   # the lease passed to them)
        if not continuations and not env.invisible():                          # and hand-offs after MAX_ROUNDS
            break
        for message in continuations:
            env.run(DriveDelta.model_validate(message))
        time.sleep(0.2)
    assert not is_held(_lease(env, link), datetime.now(UTC))
    _put(env, docs, "After the storm.txt")
    env.run(note)
    assert _changes(env.take()) == {"After the storm.txt": link.link_id}


def test_a_busy_drive_is_read_at_a_steady_pace_by_a_step_the_lease_is_passed_to(env: Env) -> None:
    """Notifications keep coming while a round runs (our own uploads' echoes at an initial sync): rather than
    read again at once, the run passes its lease to a DriveDelta step sent ROUND_INTERVAL later, which takes
    it (once) and reads what came in meanwhile."""
    link, docs = _linked(env)
    env.run(DriveDelta(tenant_id=link.tenant_id, link_id=link.link_id))
    env.take()
    note = DriveDelta(tenant_id=link.tenant_id, link_id=link.link_id)
    _put(env, docs, "Busy.txt")
    with ThreadPoolExecutor(max_workers=1) as pool:
        run = pool.submit(env.run, note)
        while not run.done():                       # a notification after another during the round
            env.run(note)
        run.result()
    sent = env.take_until(lambda found: any(m["kind"] == "drive_delta" for m in found))
    assert _changes(sent) == {"Busy.txt": link.link_id}
    paced = [m for m in sent if m["kind"] == "drive_delta"]
    assert len(paced) == 1 and paced[0]["lease_holder"]
    lease = _lease(env, link)
    assert lease.holder == paced[0]["lease_holder"] and is_held(lease, datetime.now(UTC))
    for _ in range(3):                              # requests meanwhile leave it to that step
        env.run(DriveDelta(tenant_id=link.tenant_id, link_id=link.link_id))
    assert _changes(env.take()) == {}

    ctx = load_context(env.services, link.tenant_id, link.link_id, Lane.LIVE)
    assert ctx is not None
    first = drive_lease(ctx)                        # one delivery of the paced step has taken the lease ...
    assert first.resume(paced[0]["lease_holder"], datetime.now(UTC))
    env.run(DriveDelta.model_validate(paced[0]))    # ... and its duplicate neither reads nor marks it
    assert _changes(env.take()) == {}
    lease = _lease(env, link)
    assert lease.holder == first.holder and not lease.again
    first.release()

    _put(env, docs, "Meanwhile, paced.txt")
    env.run(DriveDelta.model_validate(paced[0]))    # the paced step (its lease free now) takes it and reads
    assert _changes(env.take()) == {"Meanwhile, paced.txt": link.link_id}
    assert not is_held(_lease(env, link), datetime.now(UTC))
    env.run(DriveDelta.model_validate(paced[0]))    # a second delivery of it: an ordinary request, nothing new
    assert _changes(env.take()) == {}
    assert not is_held(_lease(env, link), datetime.now(UTC))


def _notices(env: Env, link: LinkRow) -> GraphNotices:
    """What the Graph receiver queues for a notification of the link's subscription (right clientState)."""
    sid = link.graph_subscription_id
    assert sid is not None
    stored = env.repos.subscriptions.get(SubscriptionKind.GRAPH.value, sid)
    assert stored is not None
    return GraphNotices(notices=[GraphNotice(sid=sid, state_hash=stored.row.secret_hash)])


def test_a_notification_while_a_run_is_going_only_marks_its_lease(env: Env) -> None:
    """No DriveDelta step for a drive whose run is going: the notification marks the lease, as that step
    would; with no run going, it starts one."""
    link, docs = _linked(env)
    env.take()
    env.run(_notices(env, link))
    assert [m["kind"] for m in env.take()] == ["drive_delta"]       # nothing running: a run is started
    _hold_lease(env, link, "another-run", timedelta(minutes=5))
    held_until = _lease(env, link).expires_at
    _put(env, docs, "Meanwhile.txt")
    for _ in range(3):
        env.run(_notices(env, link))
    assert env.take() == []                                         # no step: the running one reads again
    lease = _lease(env, link)
    assert lease.again and lease.holder == "another-run" and lease.expires_at == held_until
    env.repos.leases.upsert(LeaseRow(scope=_drive(link), name=LEASE))   # that run let go
    env.run(_notices(env, link))
    assert [m["kind"] for m in env.take()] == ["drive_delta"]
