"""Mail: POST /users/{id}/sendMail (202) and the standard messages API over each user's sent items.

sendMail reads its properties case-insensitively, as Graph does (`Message`, `SaveToSentItems`).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from starlette.responses import Response

from emulators.graph import casing, errors, ids
from emulators.graph.state import Identity, Message, iso, utcnow
from emulators.graph.web import Ctx, json_response, route, top

SENT_ITEMS = "sentitems"
SEND_MAIL_NAMES = casing.vocabulary([
    "message", "saveToSentItems", "subject", "body", "contentType", "content", "toRecipients",
    "ccRecipients", "bccRecipients", "replyTo", "from", "sender", "emailAddress", "address", "name",
    "attachments", "contentBytes", "contentId", "isInline", "importance", "internetMessageHeaders",
    "value", "isDeliveryReceiptRequested", "isReadReceiptRequested", "@odata.type",
])


def _mailbox(ctx: Ctx) -> Identity:
    key = ctx.target.params["user"].lower()
    for ident in ctx.store.identities.values():
        if ident.kind == "user" and key in (ident.object_id.lower(), (ident.email or "").lower()):
            return ident
    raise errors.GraphError(404, "ErrorInvalidUser", f"The requested user '{key}' is invalid.")


def _recipients(value: Any, field: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(
            isinstance(r, dict) and isinstance((r.get("emailAddress") or {}).get("address"), str)
            and "@" in r["emailAddress"]["address"] for r in value):
        raise errors.GraphError(400, "ErrorInvalidRecipients", "At least one recipient isn't valid.")
    return value


@route("POST", "users/{user}/sendMail")
async def send_mail(ctx: Ctx) -> Response:
    box = _mailbox(ctx)
    body = casing.canonical(await ctx.json(), SEND_MAIL_NAMES)
    msg = body.get("message")
    if not isinstance(msg, dict):
        raise errors.GraphError(400, "ErrorInvalidRequest", "The 'message' property is required.")
    to = _recipients(msg.get("toRecipients"), "toRecipients")
    cc = _recipients(msg.get("ccRecipients"), "ccRecipients")
    bcc = _recipients(msg.get("bccRecipients"), "bccRecipients")
    if not (to or cc or bcc):
        raise errors.GraphError(400, "ErrorInvalidRecipients", "At least one recipient is required.")
    content = msg.get("body") or {"contentType": "Text", "content": ""}
    if str(content.get("contentType", "Text")).lower() not in ("text", "html"):
        raise errors.GraphError(400, "ErrorInvalidRequest", "body.contentType must be Text or HTML.")
    for att in msg.get("attachments") or []:
        try:
            base64.b64decode(att.get("contentBytes", ""), validate=True)
        except (binascii.Error, ValueError):
            raise errors.GraphError(400, "ErrorInvalidRequest",
                                    "The attachment contentBytes is not valid base64.") from None
    if body.get("saveToSentItems", True):
        now = utcnow()
        record = {
            "subject": msg.get("subject", ""), "body": content,
            "bodyPreview": str(content.get("content", ""))[:255],
            "toRecipients": to, "ccRecipients": cc, "bccRecipients": bcc,
            "from": {"emailAddress": {"name": box.display_name, "address": box.email}},
            "hasAttachments": bool(msg.get("attachments")), "attachments": msg.get("attachments") or [],
            "sentDateTime": iso(now), "sentBy": ctx.ident.client_id,
        }
        with ctx.store.lock:
            ctx.store.messages.append(Message(ids.item_id(), box.object_id, now, record))
    return Response(status_code=202)


def _message_json(m: Message) -> dict[str, Any]:
    out = {"id": m.id, "createdDateTime": iso(m.created), "lastModifiedDateTime": iso(m.created),
           "isDraft": False, "isRead": True, "parentFolderId": SENT_ITEMS,
           "sender": m.body["from"], **{k: v for k, v in m.body.items() if k not in ("sentBy",)}}
    return out


def _list(ctx: Ctx, box: Identity) -> Response:
    with ctx.store.lock:
        msgs = [m for m in ctx.store.messages if m.mailbox == box.object_id]
    msgs.sort(key=lambda m: m.created, reverse=True)
    return json_response({"value": [_message_json(m) for m in msgs[: top(ctx, 10)]]})


@route("GET", "users/{user}/messages")
async def list_messages(ctx: Ctx) -> Response:
    return _list(ctx, _mailbox(ctx))


@route("GET", "users/{user}/mailFolders/{folder}/messages")
async def list_folder(ctx: Ctx) -> Response:
    if ctx.target.params["folder"].lower() != SENT_ITEMS:
        return json_response({"value": []})
    return _list(ctx, _mailbox(ctx))


@route("GET", "users/{user}/messages/{message}")
async def get_message(ctx: Ctx) -> Response:
    box = _mailbox(ctx)
    with ctx.store.lock:
        for m in ctx.store.messages:
            if m.mailbox == box.object_id and m.id == ctx.target.params["message"]:
                return json_response(_message_json(m))
    raise errors.GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
