"""Subscriptions on drive roots: create (with the validation handshake), list, get, renew, delete.

Only `drives/{id}/root`-style resources and changeType `updated`; expiry at most 42,300 minutes
ahead (shorter than 45 minutes is raised to 45); clientState up to 128 characters. The handshake
POSTs `?validationToken=` to notificationUrl (and lifecycleNotificationUrl) and needs a 200
text/plain echo within the validation timeout, else the create fails with 400.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from starlette.responses import Response

from emulators.graph import errors, ids
from emulators.graph.state import Subscription, iso, utcnow
from emulators.graph.web import Ctx, json_response, route

_RESOURCE = re.compile(r"^/?(?:drives/([^/]+)|sites/([^/]+)/drive|sites/([^/]+)/drives/([^/]+))/root$")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _bad(message: str) -> errors.GraphError:
    return errors.GraphError(400, "InvalidRequest", message)


def _drive_for(ctx: Ctx, resource: str) -> str:
    m = _RESOURCE.match(resource)
    if not m:
        raise _bad(f"Operation: Create; Exception: [Status Code: BadRequest; Reason: The resource "
                   f"'{resource}' is not supported. Only the root of a drive can be subscribed to.]")
    drive_id = m.group(1) or m.group(4)
    if drive_id is None:
        site = ctx.store.site(m.group(2))
        drive_id = site.drive_ids[0]
    ctx.store.drive(drive_id)
    return drive_id


def _check_url(url: Any, field: str) -> str:
    if not isinstance(url, str) or not url:
        raise _bad(f"{field} is required.")
    parts = urlsplit(url)
    # Graph requires https; the emulator also accepts http on loopback, where local receivers live.
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
        raise _bad(f"The {field} must be an HTTPS URL.")
    return url


def _expiry(ctx: Ctx, value: Any) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise _bad("expirationDateTime is missing or invalid.") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    now = utcnow()
    cfg = ctx.rt.config
    if when <= now:
        raise _bad("Subscription expiration can't be in the past.")
    if when > now + dt.timedelta(minutes=cfg.subscription_max_minutes):
        raise _bad(f"Subscription expiration can only be {cfg.subscription_max_minutes} minutes in "
                   "the future.")
    return max(when, now + dt.timedelta(minutes=cfg.subscription_min_minutes))


async def _validate(ctx: Ctx, url: str) -> None:
    token = f"Validation: Testing client application reachability for subscription Request-Id: {uuid.uuid4()}"
    sep = "&" if urlsplit(url).query else "?"
    target = f"{url}{sep}{urlencode({'validationToken': token})}"
    timeout = ctx.rt.config.validation_timeout_s
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            resp = await client.post(target, headers={"Content-Type": "text/plain; charset=utf-8"})
    except httpx.TimeoutException:
        raise _bad("Subscription validation request timed out.") from None
    except httpx.HTTPError:
        raise _bad("Subscription validation request failed. Notification endpoint must respond with "
                   "200 OK to validation request.") from None
    ok = (resp.status_code == 200 and resp.headers.get("content-type", "").startswith("text/plain")
          and resp.text == token)
    if not ok:
        raise _bad("Subscription validation request failed. Notification endpoint must respond with "
                   "200 OK to validation request.")


def sub_json(ctx: Ctx, sub: Subscription) -> dict[str, Any]:
    return {"id": sub.id, "resource": sub.resource, "applicationId": sub.creator_client_id,
            "changeType": sub.change_type, "clientState": sub.client_state,
            "notificationUrl": sub.notification_url, "notificationQueryOptions": None,
            "lifecycleNotificationUrl": sub.lifecycle_url, "expirationDateTime": iso(sub.expires),
            "creatorId": ctx.store.identities[sub.creator_client_id].object_id,
            "includeResourceData": None, "latestSupportedTlsVersion": sub.tls_version or "v1_2",
            "encryptionCertificate": None, "encryptionCertificateId": None, "notificationUrlAppId": None}


@route("POST", "subscriptions")
async def create(ctx: Ctx) -> Response:
    body = await ctx.json()
    resource = str(body.get("resource") or "")
    drive_id = _drive_for(ctx, resource)
    if body.get("changeType") != "updated":
        raise _bad(f"The value '{body.get('changeType')}' is not supported for changeType on this "
                   "resource. Supported value is 'updated'.")
    url = _check_url(body.get("notificationUrl"), "notificationUrl")
    lifecycle = body.get("lifecycleNotificationUrl")
    if lifecycle is not None:
        lifecycle = _check_url(lifecycle, "lifecycleNotificationUrl")
    client_state = body.get("clientState")
    if client_state is not None and (not isinstance(client_state, str) or len(client_state) > 128):
        raise _bad("clientState must be a string of at most 128 characters.")
    expires = _expiry(ctx, body.get("expirationDateTime"))
    await _validate(ctx, url)
    if lifecycle:
        await _validate(ctx, lifecycle)
    sub = Subscription(ids.new_guid(), resource.lstrip("/"), drive_id, "updated", url, lifecycle,
                       client_state, expires, ctx.ident.client_id, body.get("latestSupportedTlsVersion"))
    with ctx.store.lock:
        ctx.store.subscriptions[sub.id] = sub
    return json_response({"@odata.context": f"{ctx.rt.graph_base}/$metadata#subscriptions/$entity",
                          **sub_json(ctx, sub)}, 201)


def _get(ctx: Ctx) -> Subscription:
    sub = ctx.store.subscriptions.get(ctx.target.params["subscription"])
    if sub is None or sub.expires <= utcnow():
        if sub is not None:
            ctx.store.subscriptions.pop(sub.id, None)
        raise errors.GraphError(404, "ResourceNotFound", "The object was not found.")
    return sub


@route("GET", "subscriptions")
async def list_subs(ctx: Ctx) -> Response:
    with ctx.store.lock:
        now = utcnow()
        mine = [s for s in ctx.store.subscriptions.values()
                if s.creator_client_id == ctx.ident.client_id and s.expires > now]
        return json_response({"@odata.context": f"{ctx.rt.graph_base}/$metadata#subscriptions",
                              "value": [sub_json(ctx, s) for s in mine]})


@route("GET", "subscriptions/{subscription}")
async def get_sub(ctx: Ctx) -> Response:
    with ctx.store.lock:
        return json_response(sub_json(ctx, _get(ctx)))


@route("PATCH", "subscriptions/{subscription}")
async def renew(ctx: Ctx) -> Response:
    body = await ctx.json()
    with ctx.store.lock:
        sub = _get(ctx)
        sub.expires = _expiry(ctx, body.get("expirationDateTime"))
        return json_response(sub_json(ctx, sub))


@route("DELETE", "subscriptions/{subscription}")
async def delete(ctx: Ctx) -> Response:
    with ctx.store.lock:
        sub = _get(ctx)
        ctx.store.subscriptions.pop(sub.id, None)
    return Response(status_code=204)


@route("POST", "subscriptions/{subscription}/reauthorize")
async def reauthorize(ctx: Ctx) -> Response:
    with ctx.store.lock:
        _get(ctx)
    return Response(status_code=204)
