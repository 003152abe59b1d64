"""One entry point per queue: parse the message, load its link, run its step, map failures.

Failure policy (style R6/R7), in one place:
- TransientError (throttled, unavailable, locked): the message goes back on its queue with a delay
  (Retry-After, else capped exponential backoff) and the invocation succeeds; after
  MAX_TRANSIENT_ATTEMPTS it is treated as a failure. A locked item is not overwritten and is looked
  at again for about a day (http_policy.locked_delay), since files stay open in Office for hours.
  One delayed copy per message: a duplicate delivery that finds another's copy pending sends none
  (shared/sync/deferral.py), so retries never multiply under at-least-once delivery.
- ItemSkipped: recorded as skipped with its reason; not retried.
- ConfigError, or a NotFound that a check traces to the link's folder, library or project: the link is
  paused with a reason the admin can read (runners/pause.py); the message is deferred, not lost.
- Anything else propagates, so the host retries it and finally moves it to `<queue>-poison`; on the
  last attempt the item is recorded as failed first, so the status API shows it.
Never imports azure.functions.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, TypeAdapter

from shared import errors
from shared.http_policy import MAX_LOCKED_ATTEMPTS, backoff_delay, locked_delay
from shared.models import messages as m
from shared.models.rows import Stage
from shared.runtime import Services
from shared.store.queues import HOST_JSON
from shared.sync.context import LinkContext, load_context
from shared.sync.deferral import UNBOUND_SCOPE, Deferrals, deferral_key
from shared.sync.runners import (
    batch,
    beside,
    check,
    completion,
    delta,
    detect,
    detect_sp,
    failure,
    graph_notices,
    initial,
    initial_match,
    initial_sp,
    metadata,
    notify,
    pause,
    reconcile,
    renew,
    to_procore,
    transfer,
)
from shared.sync.transfer import steps as transfer_steps
from shared.telemetry.spans import step_span

log = logging.getLogger("pcsync.sync")
MAX_TRANSIENT_ATTEMPTS = 30
PAUSED_RETRY_S = 300.0
DEFAULT_MAX_DEQUEUE = 5
# Run even on a paused link: the safety net (feeds must stay alive;
# a reconcile pass or a cheap check on a paused link just returns, or is the pause's health check),
# which would otherwise bounce every PAUSED_RETRY_S. A notification too: the one email of a pause is
# sent while the link is paused. And the drive's delta run: it serves the drive's other links, holds a
# paused one's position, and sees its folder restored.
RUN_WHEN_PAUSED = (m.RenewLink, m.ReconcileLink, m.CheckLink, m.SendNotification, m.DriveDelta)


def max_dequeue_count() -> int:
    try:
        config = json.loads(HOST_JSON.read_text())
    except FileNotFoundError:
        return DEFAULT_MAX_DEQUEUE
    return int(config.get("extensions", {}).get("queues", {}).get("maxDequeueCount", DEFAULT_MAX_DEQUEUE))


def _sp_to_procore(ctx: LinkContext, msg: m.SpToProcore) -> None:
    if msg.phase == "fetch":
        to_procore.fetch_from_sp(ctx, msg)
    else:
        to_procore.upload_to_procore(ctx, msg)


# Every message kind and the step that runs it (a test checks that no kind is missing). Each runner
# takes (context, message, delivery id); only the notification needs the delivery id.
Runner = Callable[[LinkContext, Any, str], object]
RUNNERS: dict[type[BaseModel], Runner] = {
    m.StartInitialSync: lambda ctx, msg, _: initial.start_initial_sync(ctx),
    m.EnumeratePage: lambda ctx, msg, _: initial.enumerate_pages(ctx, msg),
    m.ProcoreChange: lambda ctx, msg, _: detect.procore_change(ctx, msg),
    m.CheckCompletion: lambda ctx, msg, _: completion.check_completion(ctx),
    m.MirrorFolder: lambda ctx, msg, _: metadata.mirror_folder(ctx, msg),
    m.SpMetadata: lambda ctx, msg, _: metadata.sp_metadata(ctx, msg),
    m.FetchFile: lambda ctx, msg, _: initial_match.fetch_file(ctx, msg),
    m.UploadFile: lambda ctx, msg, _: transfer.upload_file(ctx, msg),
    m.CopyBatch: lambda ctx, msg, _: batch.copy_batch(ctx, msg),
    m.WriteBeside: lambda ctx, msg, _: beside.write_beside_step(ctx, msg),
    m.EnumerateSp: lambda ctx, msg, _: initial_sp.enumerate_sp(ctx, msg),
    m.DriveDelta: lambda ctx, msg, _: delta.drive_delta(ctx, msg),
    m.SpChange: lambda ctx, msg, _: detect_sp.sp_change(ctx, msg),
    m.SpToProcore: lambda ctx, msg, _: _sp_to_procore(ctx, msg),
    m.TransferChunk: lambda ctx, msg, _: transfer_steps.run_chunk(ctx, msg, transfer.finish_chunked_upload,
                                                                  to_procore.attach_chunked_upload),
    m.ProcoreMetadata: lambda ctx, msg, _: to_procore.procore_metadata(ctx, msg),
    m.RenewLink: lambda ctx, msg, _: renew.renew_link(ctx, msg),
    m.ReconcileLink: lambda ctx, msg, _: reconcile.reconcile_link(ctx, msg),
    m.CheckLink: lambda ctx, msg, _: check.check_link(ctx, msg),
    m.SendNotification: notify.send_notification,
}


# Messages bound to no link (m.UNBOUND_MESSAGES) and their steps, which take the services only.
UnboundRunner = Callable[[Services, Any], object]
UNBOUND_RUNNERS: dict[type[BaseModel], UnboundRunner] = {
    m.GraphNotices: graph_notices.check_notices,
}


def _handle_unbound(services: Services, queue: str, msg: BaseModel, delivery_id: str) -> None:
    """Run a message bound to no link: a transient failure puts it back with a delay, anything else
    propagates (host retries, then poison)."""
    deferred = False
    try:
        UNBOUND_RUNNERS[type(msg)](services, msg)
    except errors.TransientError as exc:
        attempt = msg.attempt + 1  # type: ignore[attr-defined]
        if attempt > MAX_TRANSIENT_ATTEMPTS:
            raise
        delay = backoff_delay(attempt, exc.retry_after)
        _defer(services, queue, msg, UNBOUND_SCOPE, delivery_id, attempt, delay, exc)
        deferred = True
    finally:
        if not deferred:
            _settle(services, queue, msg, UNBOUND_SCOPE, delivery_id)


def _defer(services: Services, queue: str, msg: BaseModel, scope: str, delivery_id: str, attempt: int,
           delay: float, exc: Exception) -> None:
    """Put the message back with a delay, unless a duplicate delivery's delayed copy is pending already
    (an anonymous delivery, id "", cannot claim: it always sends, as before)."""
    name = type(msg).__name__
    if delivery_id and not Deferrals(services.repos.deferrals).claim(
            scope, deferral_key(queue, msg), delivery_id, datetime.now(UTC), delay, attempt):
        log.info("%s not deferred again (attempt %d): a duplicate delivery's copy is pending: %s", name, attempt, exc)
        return
    log.info("%s deferred %.1f s (attempt %d): %s", name, delay, attempt, exc)
    services.queues.send(queue, msg.model_copy(update={"attempt": attempt}), delay_s=delay)


def _settle(services: Services, queue: str, msg: BaseModel, scope: str, delivery_id: str) -> None:
    """A deferred copy's run ended without deferring (done, skipped, failed): its deferral row goes, unless
    a duplicate claimed a later copy. Best effort: a row left behind only goes stale."""
    attempt = int(msg.attempt)  # type: ignore[attr-defined]
    if not delivery_id or not attempt:
        return
    try:
        Deferrals(services.repos.deferrals).settle(scope, deferral_key(queue, msg), attempt)
    except Exception as exc:   # never hide the run's own outcome behind a cleanup's failure
        log.warning("could not settle the deferral of %s: %s", type(msg).__name__, exc)


def _run(ctx: LinkContext, msg: BaseModel, delivery_id: str) -> None:
    runner = RUNNERS.get(type(msg))
    if runner is None:
        raise errors.InvariantBroken(f"no runner for {type(msg).__name__}")
    runner(ctx, msg, delivery_id)


def _item_of(msg: BaseModel) -> tuple[Any, str] | None:
    """The items row a message is about (SharePoint-side steps: the provisional `sp:<id>` row, which a
    from-SharePoint initial sync plans, and runners/failure.py makes for a last failure)."""
    if isinstance(msg, m.TransferChunk):
        return failure.item_of_chunk(msg)
    tool, procore_id = getattr(msg, "tool", None), getattr(msg, "procore_id", None)
    sp_item_id = getattr(msg, "sp_item_id", None)
    if procore_id is None and sp_item_id is not None:
        procore_id = initial_sp.provisional_id(sp_item_id)
    return (tool, procore_id) if tool is not None and procore_id is not None else None


def _pause(ctx: LinkContext, exc: errors.SyncError) -> bool:
    """Pause the link for what a check finds behind `exc` (shared/sync/runners/pause.py); False when
    nothing explains it (a NotFound of an ordinary item) or the check itself could not run now."""
    try:
        return pause.pause_for(ctx, exc)
    except errors.TransientError as transient:
        log.info("could not check link health now (%s): %s", type(transient).__name__, transient)
        return isinstance(exc, errors.ConfigError)   # try the message again later, as before


def _record_failure(ctx: LinkContext, item: tuple[Any, str] | None, dequeue_count: int, exc: Exception) -> None:
    """On the last delivery the item is recorded as failed first, so the status API shows it."""
    if dequeue_count >= max_dequeue_count() and item is not None:
        failure.record_failed(ctx, item[0], item[1], f"{type(exc).__name__}: {exc}"[:500])


def handle(services: Services, queue: str, body: str | bytes, adapter: TypeAdapter[Any],
           dequeue_count: int = 1, delivery_id: str = "") -> None:
    """Run one queue message of `queue` (parsed with `adapter`, the queue's message union).

    `delivery_id` is the queue message id: retries of one delivery share it, duplicates do not. The step
    runs in a span continuing the trace its message carries, with its ids on every log record."""
    msg: BaseModel = adapter.validate_json(body)
    item = getattr(msg, "procore_id", None) or getattr(msg, "sp_item_id", None) or getattr(msg, "resource_id", None)
    with step_span(queue, type(msg).__name__, getattr(msg, "trace", None), tenant_id=getattr(msg, "tenant_id", None),
                   link_id=getattr(msg, "link_id", None), item_id=str(item) if item is not None else None):
        _handle(services, queue, msg, dequeue_count, delivery_id)


def _handle(services: Services, queue: str, msg: BaseModel, dequeue_count: int, delivery_id: str) -> None:
    if isinstance(msg, m.UNBOUND_MESSAGES):
        _handle_unbound(services, queue, msg, delivery_id)
        return
    ctx = load_context(services, msg.tenant_id, msg.link_id, msg.lane)  # type: ignore[attr-defined]
    if ctx is None:
        log.info("dropped %s for a stopped link", type(msg).__name__)
        return
    if ctx.link.stage is Stage.PAUSED and not isinstance(msg, RUN_WHEN_PAUSED):
        services.queues.send(queue, msg, delay_s=PAUSED_RETRY_S)
        return
    item = _item_of(msg)
    deferred = False
    try:
        _run(ctx, msg, delivery_id)
    except errors.TransientError as exc:
        attempt = msg.attempt + 1  # type: ignore[attr-defined]
        locked = isinstance(exc, errors.Locked)
        if attempt > (MAX_LOCKED_ATTEMPTS if locked else MAX_TRANSIENT_ATTEMPTS):
            raise
        delay = locked_delay(attempt, exc.retry_after) if locked else backoff_delay(attempt, exc.retry_after)
        _defer(services, queue, msg, ctx.link.link_id, delivery_id, attempt, delay, exc)
        deferred = True
    except errors.ItemSkipped as exc:
        if item is not None:
            failure.record_skipped(ctx, item[0], item[1], exc.reason)
    except errors.ConfigError as exc:
        _pause(ctx, exc)
        services.queues.send(queue, msg, delay_s=PAUSED_RETRY_S)
    except errors.NotFound as exc:
        if _pause(ctx, exc):         # the link's folder, library or project is gone: not this item's fault
            services.queues.send(queue, msg, delay_s=PAUSED_RETRY_S)
            return
        _record_failure(ctx, item, dequeue_count, exc)
        raise
    except Exception as exc:
        _record_failure(ctx, item, dequeue_count, exc)
        raise
    finally:
        if not deferred:
            _settle(services, queue, msg, ctx.link.link_id, delivery_id)
