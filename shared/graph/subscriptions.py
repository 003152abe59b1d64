"""Change-notification subscriptions on a library root: create, renew, delete.

Graph validates the notificationUrl synchronously during create (our receiver must echo the
validationToken within 10 s). Expiry is capped at MAX_LIFETIME (42,300 minutes for driveItems).
A renew that answers 404 means the subscription lapsed: create a new one. A failed handshake is
Unavailable (retry later: cold starts and tunnels time out), any other 400 is our bug.
"""

from __future__ import annotations

import datetime as dt

from shared import errors
from shared.graph.errors import error_info
from shared.graph.models import Subscription
from shared.graph.paths import encode_segment
from shared.graph.session import GraphSession

MAX_LIFETIME = dt.timedelta(minutes=42300)
SAFETY_MARGIN = dt.timedelta(minutes=5)


def _expiry(now: dt.datetime, lifetime: dt.timedelta) -> str:
    when = now + min(lifetime, MAX_LIFETIME - SAFETY_MARGIN)
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def drive_of(resource: str) -> str | None:
    """The drive id of a subscription's resource as create_subscription sends it (`drives/{id}/root`)."""
    parts = resource.strip("/").split("/")
    return parts[1] if len(parts) == 3 and parts[0] == "drives" and parts[2] == "root" and parts[1] else None


def create_subscription(session: GraphSession, drive_id: str, notification_url: str, client_state: str,
                        lifetime: dt.timedelta = MAX_LIFETIME,
                        lifecycle_url: str | None = None) -> Subscription:
    body = {"changeType": "updated", "notificationUrl": notification_url,
            "resource": f"drives/{drive_id}/root", "expirationDateTime": _expiry(_now(), lifetime),
            "clientState": client_state, "latestSupportedTlsVersion": "v1_2"}
    if lifecycle_url:
        body["lifecycleNotificationUrl"] = lifecycle_url
    resp = session.request("POST", "/subscriptions", json=body, route="/subscriptions", accept=(400,))
    if resp.status_code == 400:
        info = error_info(resp)
        text = f"POST /subscriptions -> 400 {info.code}: {info.message} (request-id {info.request_id})"
        if "validation" in info.message.lower():
            # our endpoint did not answer the handshake in time (cold start, tunnel): try again later
            raise errors.Unavailable(text)
        raise errors.InvariantBroken(text)
    return Subscription.model_validate(resp.json())


def renew_subscription(session: GraphSession, subscription_id: str,
                       lifetime: dt.timedelta = MAX_LIFETIME) -> Subscription | None:
    """The renewed subscription, or None when it no longer exists (recreate it)."""
    resp = session.request("PATCH", f"/subscriptions/{encode_segment(subscription_id)}",
                           json={"expirationDateTime": _expiry(_now(), lifetime)},
                           route="/subscriptions/{subscription-id}", accept=(404,))
    return None if resp.status_code == 404 else Subscription.model_validate(resp.json())


def get_subscription(session: GraphSession, subscription_id: str) -> Subscription | None:
    """The subscription, or None when it no longer exists (lapsed or deleted: recreate it)."""
    resp = session.request("GET", f"/subscriptions/{encode_segment(subscription_id)}",
                           route="/subscriptions/{subscription-id}", accept=(404,))
    return None if resp.status_code == 404 else Subscription.model_validate(resp.json())


def delete_subscription(session: GraphSession, subscription_id: str) -> None:
    session.request("DELETE", f"/subscriptions/{encode_segment(subscription_id)}",
                    route="/subscriptions/{subscription-id}")


def list_subscriptions(session: GraphSession) -> list[Subscription]:
    data = session.request("GET", "/subscriptions", route="/subscriptions").json()
    return [Subscription.model_validate(v) for v in data.get("value", [])]
