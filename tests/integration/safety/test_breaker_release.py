"""Issue 11 point 6 against Azurite: the breaker's release finishes the job. Deletes of the released
burst still arriving after the release (and one detected before it but decided after) are applied,
not held again, with no second trip or email; a new burst after a quiet gap trips again."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from shared.models.api import ToolKey
from shared.models.messages import Lane, ProcoreMetadata
from shared.models.rows import ItemKind, ItemRow, ItemState, LinkRow
from shared.onboarding.held_deletes import decide_held
from shared.store.repositories import item_key
from shared.sync.context import LinkContext, load_context
from shared.sync.runners.breaker import admit_delete, register_delete
from tests.integration.safety.conftest import Env

ITEMS = 50
GAP_S = 5.0   # the tenant's burst gap: short, so the quiet gap is short, yet longer than any gap between one
#               burst's registrations on a loaded machine (at 1 s, a slow Azurite split the burst in two)


def _context(env: Env, link: LinkRow) -> LinkContext:
    ctx = load_context(env.services, link.tenant_id, link.link_id, Lane.LIVE)
    assert ctx is not None
    ctx.tenant = ctx.tenant.model_copy(update={"settings": ctx.tenant.settings.model_copy(
        update={"mass_delete_burst_gap_s": GAP_S})})
    return ctx


def _synced_rows(env: Env, link: LinkRow, first_id: int) -> list[ItemRow]:
    """ITEMS synced files of the link (their rows only: the breaker counts rows, it reads no file)."""
    now = datetime.now(UTC)
    rows = [ItemRow(link_id=link.link_id, tool=ToolKey.DOCUMENTS, procore_id=str(first_id + i), kind=ItemKind.FILE,
                    state=ItemState.SYNCED, procore_name=f"f{first_id + i}.pdf", sp_name=f"f{first_id + i}.pdf",
                    sp_item_id=f"SP{first_id + i}", updated_at=now) for i in range(ITEMS)]
    for row in rows:
        env.repos.items.upsert(row)
    return rows


def _register(ctx: LinkContext, rows: list[ItemRow]) -> None:
    for row in rows:
        message = ProcoreMetadata(tenant_id=ctx.link.tenant_id, link_id=ctx.link.link_id, tool=row.tool,
                                  sp_item_id=row.sp_item_id or "", action="recycle")
        assert register_delete(ctx, row, "to_procore", message)


def _states(env: Env, link: LinkRow, rows: list[ItemRow]) -> set[str]:
    found = set()
    for row in rows:
        stored = env.repos.deletes.get(link.link_id, item_key(row.tool.value, row.procore_id))
        assert stored is not None
        found.add(stored.row.state)
    return found


def _trips(env: Env, link: LinkRow) -> int:
    today = datetime.now(UTC).date()
    return sum(1 for a in env.repos.recent_activity(link.link_id, today - timedelta(days=1), today)
               if a.event == "deletes_held")


def test_a_release_applies_the_rest_of_its_burst_and_a_later_burst_trips_again(env: Env) -> None:
    link = env.new_link()
    rows = _synced_rows(env, link, 9000)
    ctx = _context(env, link)
    assert decide_held(env.services, link, "release") == 0   # nothing held: a release approves nothing
    assert env.link(link.link_id).deletes_released_at is None
    first, late, tail, later = rows[:20], rows[20:21], rows[21:31], rows[31:46]

    _register(ctx, first)                       # the burst's first deletes: 20 of 50 trips the breaker
    assert [admit_delete(ctx, r) for r in first] == [False] * len(first)
    assert env.link(link.link_id).deletes_held and _trips(env, link) == 1
    _register(ctx, late)                        # detected before the release, decided after it

    assert decide_held(env.services, env.link(link.link_id), "release") == len(first)
    assert not env.link(link.link_id).deletes_held
    assert _states(env, link, first) == {"released"}

    _register(ctx, tail)                        # the rest of the burst, still arriving after the release
    assert [admit_delete(ctx, r) for r in late + tail] == [True] * (len(late) + len(tail))
    assert _states(env, link, late + tail) == {"released"}
    assert not env.link(link.link_id).deletes_held and _trips(env, link) == 1, "the release must finish the job"

    last = max(env.repos.deletes.get(link.link_id, item_key("documents", r.procore_id)).row.detected_at
               for r in tail)
    while datetime.now(UTC) <= last + timedelta(seconds=GAP_S):   # a quiet gap ends the burst
        time.sleep(0.1)
    _register(ctx, later)                       # a new burst: 15 of 50 since the release
    assert admit_delete(ctx, later[0]) is False
    assert env.link(link.link_id).deletes_held and _trips(env, link) == 2
    assert [admit_delete(ctx, r) for r in later[1:]] == [False] * (len(later) - 1)
    assert _states(env, link, later) == {"held"} and _trips(env, link) == 2

    notify = env.services.settings.queue_notify
    paused = _notifications(env, notify, link, 2)
    assert len(paused) == 2 and len({m["notification_id"] for m in paused}) == 2


def _notifications(env: Env, queue: str, link: LinkRow, count: int) -> list[dict[str, object]]:
    """The link's breaker emails on the notify queue (sent with a short visibility delay)."""
    found: list[dict[str, object]] = []
    deadline = time.monotonic() + 40
    while len(found) < count and time.monotonic() < deadline:
        found += [m for m in env.take(queue) if m.get("link_id") == link.link_id
                  and str(m.get("subject", "")).startswith("Deletes paused")]
        time.sleep(0.5)
    return found


class _ReleasedWhileDeciding(LinkContext):
    """A step whose first read of the link is followed at once by an operator's release (the real one),
    so it decides on a link row the release has already changed: the race of a burst still arriving."""

    released = False

    def reload_link(self) -> LinkRow:
        link = super().reload_link()
        if not self.released:
            self.released = True
            decide_held(self.services, link, "release")
        return link


def test_a_delete_decided_during_the_release_takes_it_and_trips_nothing(env: Env) -> None:
    link = env.new_link()
    now = datetime.now(UTC)
    rows = [ItemRow(link_id=link.link_id, tool=ToolKey.DOCUMENTS, procore_id=str(9500 + i), kind=ItemKind.FILE,
                    state=ItemState.SYNCED, procore_name=f"r{i}.pdf", sp_item_id=f"SPR{i}", updated_at=now)
               for i in range(ITEMS)]
    for row in rows:
        env.repos.items.upsert(row)
    ctx = _context(env, link)
    burst = rows[:20]
    _register(ctx, burst)
    assert [admit_delete(ctx, r) for r in burst[:-1]] == [False] * (len(burst) - 1)
    assert _trips(env, link) == 1

    racing = _ReleasedWhileDeciding(ctx.services, ctx.tenant, env.link(link.link_id), Lane.LIVE)
    assert admit_delete(racing, burst[-1]) is True and racing.released
    assert _states(env, link, burst) == {"released"}
    assert not env.link(link.link_id).deletes_held and _trips(env, link) == 1


def test_a_delete_detected_again_keeps_its_time_and_its_state(env: Env) -> None:
    """A duplicate delivery detects the same delete twice: the second detection neither moves its time (which
    could chain a later burst to a released one) nor undoes the operator's release."""
    link = env.new_link()
    rows = _synced_rows(env, link, 9100)
    ctx = _context(env, link)
    burst = rows[:20]
    _register(ctx, burst)
    assert [admit_delete(ctx, r) for r in burst] == [False] * len(burst)        # tripped and held
    first = {r.procore_id: env.repos.deletes.get(link.link_id, item_key("documents", r.procore_id)).row
             for r in burst}
    _register(ctx, burst[:5])                                                  # detected again while held
    assert _states(env, link, burst) == {"held"}
    assert decide_held(env.services, env.link(link.link_id), "release") == len(burst)
    _register(ctx, burst[5:10])                                                # and again after the release
    assert _states(env, link, burst) == {"released"}
    for r in burst:
        again = env.repos.deletes.get(link.link_id, item_key("documents", r.procore_id)).row
        assert again.detected_at == first[r.procore_id].detected_at
