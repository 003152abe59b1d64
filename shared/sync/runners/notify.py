"""Notification mail to the tenant's notify addresses, through Graph sendMail as the tenant's mailbox."""

from __future__ import annotations

from shared import errors
from shared.graph.mail import send_mail
from shared.models.messages import SendNotification
from shared.sync.context import LinkContext


def send_notification(ctx: LinkContext, msg: SendNotification) -> None:
    sender = ctx.tenant.settings.mail_from or ctx.services.settings.mail_sender
    if not sender:
        raise errors.ConfigError("no sender mailbox: set the tenant's settings.mail_from or PCSYNC_MAIL_SENDER")
    send_mail(ctx.graph, sender, msg.subject, msg.body, list(ctx.tenant.notify))
    repos = ctx.services.repos
    repos.record_activity(repos.new_activity(ctx.link.link_id, "email_sent", detail=msg.subject))
