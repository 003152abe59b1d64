"""sendMail as a service mailbox (app-only: never /me). 202 means accepted, not delivered."""

from __future__ import annotations

from typing import Any

from shared.graph.paths import encode_segment
from shared.graph.session import GraphSession


def send_mail(session: GraphSession, mailbox: str, subject: str, body: str, to: list[str], *,
              content_type: str = "Text", cc: list[str] | None = None,
              save_to_sent_items: bool = True) -> None:
    """Send from `mailbox` (user id or UPN) to plain addresses."""
    def recipients(addresses: list[str]) -> list[dict[str, Any]]:
        return [{"emailAddress": {"address": a}} for a in addresses]

    message = {"subject": subject, "body": {"contentType": content_type, "content": body},
               "toRecipients": recipients(to)}
    if cc:
        message["ccRecipients"] = recipients(cc)
    session.request("POST", f"/users/{encode_segment(mailbox)}/sendMail", idempotent=False,
                    json={"message": message, "saveToSentItems": save_to_sent_items},
                    route="/users/{user-id}/sendMail")
