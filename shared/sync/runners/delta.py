"""The SharePoint change feed of a drive: one delta run at a time per drive, coalescing notifications.

Many links can live on one drive (a "Projects" library with a folder per project), each with its own
subscription; a notification for any of them starts a run for the whole drive, reading from the
drive's cursor once and handing each item to every link it belongs to. A notification arriving while
a run is going marks the drive's lease (shared/sync/lease.py) `again` instead of starting a second run;
the running step then reads once more before it lets go, and a lease whose run died expires by itself.
Only items under a link (known by id, or whose parent is a known folder or another item of the batch
under the link) are handed on, one SpChange each; the cursor is saved only after they are enqueued.

A busy drive is read at a steady pace: when notifications came in during a round that took less than
ROUND_INTERVAL, the run passes its lease to a step sent ROUND_INTERVAL later rather than reading again at
once, so the changes of that second (most often our own uploads' echoes) cost one read, not one each.
An idle drive's first notification is read at once. A second delivery of a paced step neither reads nor
marks the lease: the delivery that took it reads after every mark made so far (a mark there would pace
the drive again and again, a read a second for good, under duplicate delivery).

A link starts with its own cursor (token=latest, taken when it registered, before its initial sync).
The first run that sees the link reads once from that cursor for it alone, then drops it: from then on
the drive's cursor serves it. So a link created while a run was going loses nothing. The first link
of a drive lends its cursor to the drive. Never imports azure.functions.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

from shared import errors
from shared.graph import delta as sp_delta
from shared.graph import items as sp_items
from shared.graph.models import DriveItem
from shared.models.messages import DriveDelta, SpChange
from shared.models.rows import CursorRow, Stage, drive_scope
from shared.runtime import Services
from shared.sync import pausing
from shared.sync.context import ACTIVE_STAGES, LinkContext, Step, load_context
from shared.sync.hooks import needs_graph
from shared.sync.lease import RunLease
from shared.sync.pausing import PauseCause
from shared.sync.runners import pause

log = logging.getLogger("pcsync.sync")
CURSOR = "graph_delta"
LEASE = "graph_delta"                # the leases row of the drive's run
LEASE_TTL = timedelta(minutes=5)     # renewed at each round; a run that dies frees the drive after this
MAX_ROUNDS = 10
ROUND_INTERVAL = timedelta(seconds=1)   # a busy drive's rounds start at least this far apart
MAX_DEPTH = 200


def _view(item: DriveItem) -> SpChange:
    return SpChange(tenant_id="", link_id="", sp_item_id=item.id, deleted=item.is_deleted,
                    is_folder=item.is_folder, name=item.name, parent_id=item.parent_id, etag=item.etag,
                    quickxor=item.quick_xor_hash, size=item.size, modified_by_app=item.modified_by_app,
                    modified_at=item.last_modified)


def _known_folders(ctx: LinkContext) -> set[str]:
    roots = {root.sp_item_id for root in ctx.link.tool_roots.values()}
    return roots


def _ours(ctx: LinkContext, item: DriveItem, batch: dict[str, DriveItem], memo: dict[str, bool],
          indexed: dict[str, bool], depth: int = 0) -> bool:
    """Is the item under this link? Known by id, or its parent is a known folder, or its parent is in
    the same batch and under the link. Delta may list a folder after its children (its cTag moved when
    they were added), so the batch is resolved by parent chain, not by order. `indexed` remembers the
    index reads of this batch: a neighbour's flood shares a few parents, read once, not once per file."""
    if item.id in memo:
        return memo[item.id]

    def is_indexed(sp_item_id: str) -> bool:
        if sp_item_id not in indexed:
            indexed[sp_item_id] = ctx.services.repos.items_by_sp.get(ctx.link.link_id, sp_item_id) is not None
        return indexed[sp_item_id]

    if item.id == ctx.link.root_item_id or item.id in _known_folders(ctx):
        answer = False  # the link's own folders: tracked by id, a rename of them changes nothing
    elif is_indexed(item.id):
        answer = True
    elif item.is_deleted or item.parent_id is None or depth > MAX_DEPTH:
        answer = False
    elif item.parent_id in _known_folders(ctx) or is_indexed(item.parent_id):
        answer = True
    elif item.parent_id in batch:
        answer = _ours(ctx, batch[item.parent_id], batch, memo, indexed, depth + 1)
    else:
        answer = False
    memo[item.id] = answer
    return answer


def _vanished(ctx: LinkContext, msg: DriveDelta, listed: dict[str, DriveItem]) -> int:
    """After a 410 resync the full enumeration lists live items only, so an item deleted while the old
    token was refused is simply absent ("replace any local items with the server's version, including
    deletes"): each twin missing from it, and gone when asked by id (it may have been created after its
    page was read), is handed to detect as deleted. Without this such a delete was never applied."""
    sent = 0
    own = {ctx.link.root_item_id, *_known_folders(ctx)}  # the link's own folders: never handed on (as in _ours)
    for stored in ctx.services.repos.items_by_sp.query(ctx.link.link_id):
        row = stored.row
        if not row.item_key or row.sp_item_id in listed or row.sp_item_id in own:
            continue
        try:
            if not sp_items.get_item(ctx.graph, ctx.drive_id, row.sp_item_id).is_deleted:
                continue
        except errors.NotFound:
            pass
        ctx.send(Step.DETECT, SpChange(tenant_id=ctx.link.tenant_id, link_id=ctx.link.link_id, lane=msg.lane,
                                       sp_item_id=row.sp_item_id, deleted=True))
        sent += 1
    return sent


def _drive_links(ctx: LinkContext) -> tuple[list[LinkContext], list[str]]:
    """The tenant's links on this drive that follow SharePoint changes, read now (so a link created since
    the run began is served): (those served now, the ids of paused ones)."""
    served: list[LinkContext] = []
    paused: list[str] = []
    for stored in ctx.services.repos.links.query(ctx.link.tenant_id):
        row = stored.row
        if row.drive_id != ctx.drive_id or row.stage not in ACTIVE_STAGES or not needs_graph(row.tools):
            continue
        if row.stage is Stage.PAUSED:
            paused.append(row.link_id)
            continue
        sibling = ctx if row.link_id == ctx.link.link_id else \
            load_context(ctx.services, row.tenant_id, row.link_id, ctx.lane)
        if sibling is not None:
            served.append(sibling)
    return served, paused


def _hold(ctx: LinkContext, link_id: str, position: str) -> None:
    """A paused link is not served (its messages would only bounce until it resumes): it keeps its own
    cursor at the drive's position before this round, and catches up from there once it resumes."""
    try:
        ctx.services.repos.cursors.create(CursorRow(scope=link_id, kind=CURSOR, value=position,
                                                    updated_at=datetime.now(UTC)))
    except errors.Conflict:
        pass  # it holds a position already


def _hand_on(ctx: LinkContext, msg: DriveDelta, result: sp_delta.DeltaResult) -> int:
    """Send one SpChange per item of the result under this link; returns how many."""
    batch = {item.id: item for item in result.items}
    memo: dict[str, bool] = {}
    indexed: dict[str, bool] = {}
    sent = 0
    own_app = ctx.tenant.microsoft.client_id
    for item in result.items:
        if item.modified_by_app == own_app:
            continue  # our own write (the decision would be a no-op), asked first: it costs no index read
        if not _ours(ctx, item, batch, memo, indexed):
            continue
        view = _view(item)
        ctx.send(Step.DETECT, view.model_copy(update={"tenant_id": ctx.link.tenant_id,
                                                      "link_id": ctx.link.link_id, "lane": msg.lane}))
        sent += 1
    if result.resynced:
        sent += _vanished(ctx, msg, batch)
        log.info("delta resync for link %s: %d items re-examined", ctx.link.link_id, sent)
    return sent


def _root_gone(link: LinkContext, result: sp_delta.DeltaResult) -> bool:
    """Did this batch delete (recycle) the link's own folder, or one of its tools' folders? Then every
    item below it shows as deleted too, and handing those on would delete them in Procore."""
    own = {link.link.root_item_id, *_known_folders(link)} - {None}
    return any(item.is_deleted and item.id in own for item in result.items)


def _pause_for_root(link: LinkContext) -> None:
    pause.pause_link(link, pause.diagnose(link) or pausing.folder_gone(link.link.folder_path))


def _catch_up(link: LinkContext, msg: DriveDelta, cursor: CursorRow) -> tuple[int, bool]:
    """A link's first run: what changed since its own cursor, for it alone; then the drive's cursor serves
    it. (sent, paused): a batch that deleted the link's folder pauses it and keeps its cursor, as below."""
    result = sp_delta.fetch_changes(link.graph, link.drive_id, cursor.value)
    if _root_gone(link, result):
        _pause_for_root(link)
        return 0, True
    sent = _hand_on(link, msg, result)
    link.services.repos.cursors.delete(link.link.link_id, CURSOR)
    return sent, False


def _check_restored(ctx: LinkContext, paused: list[str], result: sp_delta.DeltaResult) -> None:
    """A link paused because its folder was gone, whose folder this batch shows back (restored from the
    recycle bin): check it now, and it resumes at once instead of at the next timer run."""
    back = {item.id for item in result.items if not item.is_deleted}
    for link_id in paused:
        stored = ctx.services.repos.links.get(ctx.link.tenant_id, link_id)
        if stored is None or stored.row.pause_cause != PauseCause.FOLDER_GONE.value:
            continue
        own = {stored.row.root_item_id, *(root.sp_item_id for root in stored.row.tool_roots.values())}
        if not own & back:
            continue
        sibling = load_context(ctx.services, ctx.link.tenant_id, link_id, ctx.lane)
        if sibling is not None:
            pause.check_paused(sibling)


def _one_round(ctx: LinkContext, msg: DriveDelta) -> int:
    repos = ctx.services.repos
    scope = drive_scope(ctx.tenant.tenant_id, ctx.drive_id)
    links, paused = _drive_links(ctx)
    own_cursors = {link.link.link_id: stored.row for link in links
                   if (stored := repos.cursors.get(link.link.link_id, CURSOR)) is not None}
    stored_drive = repos.cursors.get(scope, CURSOR)
    drive_cursor = stored_drive
    if drive_cursor is not None and links and len(own_cursors) == len(links):
        drive_cursor = None  # no link served now was ever served from it: left behind by deleted links
    sent = 0
    lender = None
    if drive_cursor is None and own_cursors:  # the drive's first run: a link lends its cursor
        lender = next(link for link in links if link.link.link_id in own_cursors)
    held: set[str] = set()
    for link in links:
        cursor = own_cursors.get(link.link.link_id)
        if cursor is not None and link is not lender:
            caught, paused_now = _catch_up(link, msg, cursor)
            sent += caught
            if paused_now:
                held.add(link.link.link_id)
    start = drive_cursor.row.value if drive_cursor else \
        own_cursors[lender.link.link_id].value if lender else None
    if start is None:  # no cursor anywhere (every link's and the drive's were lost): from now on
        start = sp_delta.latest_cursor(ctx.graph, ctx.drive_id)
    for link_id in paused:
        _hold(ctx, link_id, stored_drive.row.value if stored_drive else start)
    result = sp_delta.fetch_changes(ctx.graph, ctx.drive_id, start)
    for link in links:
        if link.link.link_id in held:
            continue
        if _root_gone(link, result):     # pause it, and hold it before this round: nothing is handed on
            _pause_for_root(link)
            _hold(ctx, link.link.link_id, start)
            held.add(link.link.link_id)
            continue
        sent += _hand_on(link, msg, result)
    _check_restored(ctx, paused, result)
    repos.cursors.upsert(CursorRow(scope=scope, kind=CURSOR, value=result.delta_link, updated_at=datetime.now(UTC)))
    if lender is not None and lender.link.link_id not in held:
        repos.cursors.delete(lender.link.link_id, CURSOR)
    return sent


def drive_lease(ctx: LinkContext) -> RunLease:
    """This run's handle on the drive's lease (tenant and drive: every link of the tenant there shares it;
    the local stack shortens its TTL with PCSYNC_LEASE_SECONDS, as it shortens the queue visibility)."""
    override = ctx.services.settings.lease_seconds
    ttl = timedelta(seconds=override) if override else LEASE_TTL
    return RunLease(ctx.services.repos.leases, drive_scope(ctx.tenant.tenant_id, ctx.drive_id), LEASE, ttl)


def mark_running(services: Services, tenant_id: str, drive_id: str, now: datetime) -> bool:
    """A notification for a drive whose run is going: mark its lease to read once more (True, what a DriveDelta
    step would do when it found the lease held, without the step); False when no run holds it."""
    lease = RunLease(services.repos.leases, drive_scope(tenant_id, drive_id), LEASE, LEASE_TTL)  # never takes
    return lease.mark_if_held(now)


def drive_delta(ctx: LinkContext, msg: DriveDelta) -> int:
    """Read and hand on the drive's changes; returns how many SpChange messages were sent."""
    lease = drive_lease(ctx)
    if msg.lease_holder is not None:   # a paced step: take the lease passed to it (or a free one)
        if not lease.resume(msg.lease_holder, datetime.now(UTC)) and not lease.take_if_free(datetime.now(UTC)):
            return 0  # another delivery of this step took it: it reads after every mark, so none is added
    elif not lease.request(datetime.now(UTC)):
        return 0  # another run is going; it was told to read once more
    sent = 0
    try:
        for _ in range(MAX_ROUNDS):
            started = datetime.now(UTC)
            sent += _one_round(ctx, msg)
            if not lease.end_round(datetime.now(UTC)):
                return sent
            if datetime.now(UTC) - started < ROUND_INTERVAL:
                _pace(ctx, msg, lease)
                return sent
    except BaseException:
        lease.release()  # the host retries this message, which reads again
        raise
    # Still busy after MAX_ROUNDS: let go first, then continue in a fresh step (which takes the lease
    # or marks the run that took it meanwhile), so no request can be left with no run to serve it.
    lease.release()
    ctx.send(Step.DETECT, msg.model_copy(update={"lease_holder": None}))
    return sent


def _pace(ctx: LinkContext, msg: DriveDelta, lease: RunLease) -> None:
    """Marked again right after a short round: the next round goes to a step sent ROUND_INTERVAL later, the
    lease passed to it. The step is sent first: a crash in between leaves our own lease, which expires,
    never a lease waiting for a step nobody sent; and a step whose lease was not passed (it expired and
    another run took it) asks for it as any run would."""
    successor = uuid.uuid4().hex
    ctx.send(Step.DETECT, msg.model_copy(update={"lease_holder": successor}),
             delay_s=ROUND_INTERVAL.total_seconds())
    lease.hand_over(successor, datetime.now(UTC), ROUND_INTERVAL)
