"""The mass-delete breaker at work: deletes are registered when detected, applied after a settle
delay only if the guard allows, otherwise held for an operator to release or discard.

While a link's deletes are held, every further delete is held too (no partial application), and
the notify addresses get one email listing the held paths. A release approves the whole burst, the
part still arriving included, and the count restarts from it (shared.sync.guards says why).
Never imports azure.functions.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel

from shared.models.messages import SendNotification
from shared.models.rows import DeleteRow, ItemRow, LinkRow
from shared.store.repositories import item_key
from shared.sync.context import LinkContext, Step
from shared.sync.guards import DELETE_SETTLE_S, DeletePolicy, in_released_burst, mass_delete_guard

log = logging.getLogger("pcsync.sync")
WINDOW = timedelta(hours=24)
# What counts toward the limits: deletes not yet decided, applied or held, detected since the last
# release. Deletes an operator released (and the rest of their burst) do not count: they were approved.
ACTIVE = ("pending", "applied", "held")
# A delete row in one of these states is still this delete's: a second detection must not move its time
# (that could chain a later burst to one an operator released) nor undo an operator's release.
STILL_OPEN = ("pending", "held", "released")
FORGET_AFTER = 2 * WINDOW  # a delete older than this no longer counts toward the breaker's window


def register_delete(ctx: LinkContext, row: ItemRow, direction: str, message: BaseModel) -> bool:
    """Record a detected delete and queue its action after the settle delay; False when the tenant
    turned delete sync off (the delete is then only logged)."""
    repos = ctx.services.repos
    path = row.sp_name or row.procore_name
    if not ctx.tenant.settings.delete_sync:
        repos.record_activity(repos.new_activity(ctx.link.link_id, "delete_not_synced", tool=row.tool,
                                                 item=row.procore_id, path=path, detail="delete sync is off"))
        return False
    key = item_key(row.tool.value, row.procore_id)
    detected = DeleteRow(link_id=ctx.link.link_id, item_key=key, direction=direction, sp_item_id=row.sp_item_id,
                         path=path, detected_at=datetime.now(UTC))

    def change(current: DeleteRow | None) -> DeleteRow | None:
        if current is not None and current.state in STILL_OPEN:
            return None   # the same delete detected again (a duplicate delivery): its time and state stay
        return detected   # new, or a new delete of an item whose last one was applied or discarded

    repos.deletes.mutate(ctx.link.link_id, key, change)
    ctx.send(Step.METADATA, message, delay_s=DELETE_SETTLE_S)
    return True


def _set_state(ctx: LinkContext, key: str, state: str) -> None:
    def change(current: DeleteRow | None) -> DeleteRow | None:
        return current.model_copy(update={"state": state}) if current is not None else None

    ctx.services.repos.deletes.mutate(ctx.link.link_id, key, change)


def admit_delete(ctx: LinkContext, row: ItemRow) -> bool:
    """May this delete be applied now? Holds it (and trips the breaker) when the guard says so."""
    repos = ctx.services.repos
    key = item_key(row.tool.value, row.procore_id)
    stored = repos.deletes.get(ctx.link.link_id, key)
    if stored is not None and stored.row.state in ("released", "applied"):
        return True   # approved by an operator, or admitted already (a redelivered message)
    if stored is not None and stored.row.state == "discarded":
        return False  # the operator chose to keep the item: it is being copied back
    link = ctx.reload_link()
    now = datetime.now(UTC)
    detected_at = stored.row.detected_at if stored is not None else now
    settings = ctx.tenant.settings
    window = [d.row for d in repos.deletes.query(ctx.link.link_id, "detected_at ge @t", {"t": now - WINDOW})]
    if not link.deletes_held and in_released_burst(
            detected_at, link.deletes_released_at, (d.detected_at for d in window if d.item_key != key),
            timedelta(seconds=settings.mass_delete_burst_gap_s)):
        _set_state(ctx, key, "released")   # the rest of a burst an operator released
        return True
    released_at = link.deletes_released_at
    recent = sum(1 for d in window if d.state in ACTIVE and (released_at is None or d.detected_at > released_at))
    total = sum(1 for _ in repos.items.query(ctx.link.link_id))
    verdict = mass_delete_guard(recent, total, DeletePolicy(settings.mass_delete_share,
                                                            settings.mass_delete_count_24h))
    if not link.deletes_held and not verdict.hold:
        _set_state(ctx, key, "applied")
        return True
    _set_state(ctx, key, "held")
    if _trip(ctx, verdict.reason if verdict.hold else link.deletes_held_reason or "deletes held",
             link.deletes_released_at):
        ctx.send(Step.NOTIFY, SendNotification(
            tenant_id=link.tenant_id, link_id=link.link_id, list_held_deletes=True,
            notification_id=f"deletes-held-{datetime.now(UTC):%Y%m%dT%H%M%S}",
            subject=f"Deletes paused for project {link.project_name}",
            body=(f"The sync held back deletes for project {link.project_name}: {verdict.reason}. Nothing was "
                  "deleted on the other side. An operator can release or discard them.")),
            delay_s=DELETE_SETTLE_S * 2)
        return False
    return _released_meanwhile(ctx, key, detected_at)


def _released_meanwhile(ctx: LinkContext, key: str, detected_at: datetime) -> bool:
    """An operator's release may have cleared the hold between our read of the link and our write of
    `held` (its query of held rows then missed this one): take the release for this delete too."""
    link = ctx.reload_link()
    if link.deletes_held or link.deletes_released_at is None or detected_at > link.deletes_released_at:
        return False

    def change(current: DeleteRow | None) -> DeleteRow | None:
        return current.model_copy(update={"state": "released"}) if current and current.state == "held" else None

    return ctx.services.repos.deletes.mutate_won(ctx.link.link_id, key, change)


def _trip(ctx: LinkContext, reason: str, seen_release: datetime | None) -> bool:
    """Mark the link's deletes held; True for the call that tripped it. Not if an operator released
    the deletes since `seen_release` was read: the verdict was about the burst they just approved."""

    def change(current: LinkRow | None) -> LinkRow | None:
        if current is None or current.deletes_held or current.deletes_released_at != seen_release:
            return None
        return current.model_copy(update={"deletes_held": True, "deletes_held_reason": reason,
                                          "updated_at": datetime.now(UTC)})

    tripped = ctx.services.repos.links.mutate_won(ctx.link.tenant_id, ctx.link.link_id, change)
    if tripped:
        repos = ctx.services.repos
        repos.record_activity(repos.new_activity(ctx.link.link_id, "deletes_held", detail=reason))
        log.warning("mass-delete breaker tripped: %s", reason,
                    extra={"tenant_id": ctx.link.tenant_id, "link_id": ctx.link.link_id})
    return bool(tripped)


def held_paths(ctx: LinkContext) -> list[str]:
    return sorted(d.row.path or d.row.item_key for d in ctx.services.repos.deletes.query(ctx.link.link_id)
                  if d.row.state == "held")


def forget_old_deletes(ctx: LinkContext, now: datetime) -> int:
    """Drop delete rows that no longer count toward the breaker (the reconcile pass calls this, so the
    table stays the size of two windows). Held deletes stay, whatever their age: they wait for an operator."""
    repos = ctx.services.repos
    forgotten = 0
    for stored in repos.deletes.query(ctx.link.link_id, "detected_at lt @t", {"t": now - FORGET_AFTER}):
        if stored.row.state != "held":
            repos.deletes.delete(ctx.link.link_id, stored.row.item_key, stored.etag)
            forgotten += 1
    return forgotten
