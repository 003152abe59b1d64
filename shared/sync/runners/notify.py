"""Notification mail to the tenant's notify addresses, through Graph sendMail as the tenant's mailbox.

Queue delivery is at-least-once, so each notification is claimed in a table row before sending:
a second delivery of the same notification sees the claim and does nothing, while a retry of the
claiming delivery (same queue message) or a claim abandoned for CLAIM_TIMEOUT sends it. A send that
fails lets go of its claim first: the retry is a new message (the dispatcher's deferred copy), which
must be able to claim it, or a transient Graph error would lose the mail.
No sender mailbox is a deployment error (the health endpoint reports it), not the tenant's: the mail
is recorded as not sent (`email_not_sent` activity, an error log) and the link goes on. The weekly digest
is one of them, its text made at send time (runners/digest.py).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from shared.graph.mail import send_mail
from shared.models.messages import SendNotification
from shared.models.rows import NotificationRow
from shared.sync.context import LinkContext
from shared.sync.runners.breaker import held_paths
from shared.sync.runners.digest import render_for

log = logging.getLogger("pcsync.sync")
CLAIM_TIMEOUT = timedelta(minutes=10)
NO_SENDER = "no sender mailbox (the deployment's PCSYNC_MAIL_SENDER, or the tenant's settings.mail_from)"
FINAL_STATES = ("sent", "no_sender")   # a notification in one of these is never sent again


def _claim(ctx: LinkContext, msg: SendNotification, owner: str) -> bool:
    now = datetime.now(UTC)

    def change(current: NotificationRow | None) -> NotificationRow | None:
        if current is not None and (current.state in FINAL_STATES or (
                current.owner != owner and now - current.claimed_at < CLAIM_TIMEOUT)):
            return None
        return NotificationRow(link_id=ctx.link.link_id, notification_id=msg.notification_id, owner=owner,
                               state="sending", claimed_at=now)

    return ctx.services.repos.notifications.mutate_won(ctx.link.link_id, msg.notification_id, change)


def send_notification(ctx: LinkContext, msg: SendNotification, delivery_id: str) -> None:
    sender = ctx.tenant.settings.mail_from or ctx.services.settings.mail_sender
    digest = msg.digest_since is not None and msg.digest_until is not None
    if digest and not ctx.tenant.settings.weekly_digest:
        return   # turned off since the timer queued it
    if not _claim(ctx, msg, delivery_id):
        return
    if not sender:
        _record_unsent(ctx, msg, delivery_id)
        return
    subject, body = msg.subject, msg.body
    if msg.digest_since is not None and msg.digest_until is not None:
        subject, body = render_for(ctx.services.repos, ctx.tenant, msg.digest_since, msg.digest_until)
    if msg.list_held_deletes:
        paths = held_paths(ctx)
        body += (f"\n\nHeld deletes ({len(paths)}):\n" + "\n".join(f"- {p}" for p in paths) if paths else
                 "\n\nAn operator has already released or discarded them.")
    try:
        send_mail(ctx.graph, sender, subject, body, list(ctx.tenant.notify))
    except BaseException:
        _let_go(ctx, msg, delivery_id)
        raise
    ctx.services.repos.notifications.upsert(NotificationRow(
        link_id=ctx.link.link_id, notification_id=msg.notification_id, owner=delivery_id, state="sent",
        claimed_at=datetime.now(UTC)))
    repos = ctx.services.repos
    repos.record_activity(repos.new_activity(ctx.link.link_id, "email_sent", detail=subject))


def _let_go(ctx: LinkContext, msg: SendNotification, owner: str) -> None:
    """Give up `owner`'s claim (its send failed): any delivery of the notification may claim it now."""

    def change(current: NotificationRow | None) -> NotificationRow | None:
        if current is None or current.owner != owner or current.state != "sending":
            return None
        return current.model_copy(update={"claimed_at": current.claimed_at - CLAIM_TIMEOUT})

    ctx.services.repos.notifications.mutate(ctx.link.link_id, msg.notification_id, change)


def _record_unsent(ctx: LinkContext, msg: SendNotification, delivery_id: str) -> None:
    repos = ctx.services.repos
    repos.notifications.upsert(NotificationRow(
        link_id=ctx.link.link_id, notification_id=msg.notification_id, owner=delivery_id, state="no_sender",
        claimed_at=datetime.now(UTC)))
    repos.record_activity(repos.new_activity(
        ctx.link.link_id, "email_not_sent", detail=f"{msg.subject}: {NO_SENDER}"))
    log.error("notification not sent: %s", NO_SENDER,
              extra={"tenant_id": ctx.link.tenant_id, "link_id": ctx.link.link_id})
