"""The test-only surface under /_emulator/ (contract §3 plus the switches the Graph tests need).

faults, notifications, stats, reset-stats (contract); config, throttle, locks, delta resync and
duplicates, upload drops and expiry, download drops, token revocation, certificate credentials, subscription
lifecycle events and expiry, notification log, recycle bin, mail, extra sites, descriptor.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulators.graph.notifier import Degrade
from emulators.graph.runtime import Runtime
from emulators.graph.serialize import item_json
from emulators.graph.state import iso, utcnow


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    data = await request.json()
    return data if isinstance(data, dict) else {}


def routes(rt: Runtime) -> list[Route]:
    store = rt.store

    async def faults(request: Request) -> Response:
        b = await _body(request)
        rt.faults.set_random(float(b.get("error_rate", 0.0)), list(b.get("statuses", [429, 500, 503])),
                             int(b.get("latency_ms", 0)), b.get("seed"))
        return JSONResponse({"ok": True})

    async def notifications(request: Request) -> Response:
        assert rt.notifier is not None
        if request.method == "GET":   # the deliveries queued or in flight (tests wait for 0)
            return JSONResponse({"pending": rt.notifier.pending()})
        b = await _body(request)
        with rt.notifier.cond:
            rt.notifier.degrade = Degrade(float(b.get("drop_rate", 0.0)), float(b.get("duplicate_rate", 0.0)),
                                          int(b.get("delay_ms", 0)), random.Random(b.get("seed")))
        return JSONResponse({"ok": True})

    async def notification_log(request: Request) -> Response:
        assert rt.notifier is not None
        with rt.notifier.cond:
            return JSONResponse({"deliveries": list(rt.notifier.log)})

    async def stats(request: Request) -> Response:
        return JSONResponse(rt.faults.stats())

    async def reset_stats(request: Request) -> Response:
        rt.faults.reset_stats()
        return JSONResponse({"ok": True})

    async def config(request: Request) -> Response:
        if request.method == "POST":
            unknown = rt.config.update(await _body(request))
            if unknown:
                return JSONResponse({"error": f"unknown keys: {unknown}"}, status_code=400)
        return JSONResponse(rt.config.as_dict())

    async def throttle(request: Request) -> Response:
        b = await _body(request)
        rt.faults.add_throttle(int(b.get("status", 429)), int(b.get("retry_after", 1)),
                               int(b.get("count", 1)), b.get("match"), b.get("client_id"))
        return JSONResponse({"ok": True})

    async def locks(request: Request) -> Response:
        b = await _body(request)
        with store.lock:
            drive = store.drive(b["drive_id"])
            item = store.item(drive, b["item_id"])
            item.lock = None if request.method == "DELETE" else b.get("kind", "edit")
        return JSONResponse({"ok": True, "lock": item.lock})

    async def delta_resync(request: Request) -> Response:
        b = await _body(request)
        with store.lock:
            store.drive(b["drive_id"]).delta_epoch += 1
        return JSONResponse({"ok": True})

    async def delta_duplicates(request: Request) -> Response:
        rt.delta_duplicates = bool((await _body(request)).get("enabled", True))
        return JSONResponse({"ok": True})

    async def upload_drop(request: Request) -> Response:
        b = await _body(request)
        with rt.faults.lock:
            rt.faults.upload_drops.append(int(b.get("after_bytes", 0)))
        return JSONResponse({"ok": True})

    async def download_drop(request: Request) -> Response:
        b = await _body(request)
        with rt.faults.lock:
            rt.faults.download_drops.append(int(b.get("after_bytes", 0)))
        return JSONResponse({"ok": True})

    async def upload_expire(request: Request) -> Response:
        with store.lock:
            for s in store.sessions.values():
                s.expires = utcnow() - dt.timedelta(seconds=1)
        return JSONResponse({"ok": True})

    async def issued_tokens(request: Request) -> Response:
        """Every access token issued lately (a log scan checks that none was ever logged)."""
        return JSONResponse({"tokens": list(rt.authority.issued)})

    async def revoke_tokens(request: Request) -> Response:
        rt.authority.not_before = time.time()
        return JSONResponse({"ok": True})

    async def credentials(request: Request) -> Response:
        b = await _body(request)
        store.identities[b["client_id"]].certificates.append(b["certificate_pem"])
        return JSONResponse({"ok": True})

    async def lifecycle(request: Request) -> Response:
        b = await _body(request)
        sub = store.subscriptions.get(request.path_params["sid"])
        if sub is None or not sub.lifecycle_url or rt.notifier is None:
            return JSONResponse({"error": "no such subscription or no lifecycleNotificationUrl"}, 404)
        rt.notifier.enqueue(sub.lifecycle_url, {
            "subscriptionId": sub.id, "subscriptionExpirationDateTime": iso(sub.expires),
            "tenantId": store.tenant_id, "clientState": sub.client_state,
            "lifecycleEvent": b.get("event", "reauthorizationRequired")}, delay=0.0)
        return JSONResponse({"ok": True})

    async def expire_subscription(request: Request) -> Response:
        with store.lock:
            sub = store.subscriptions.get(request.path_params["sid"])
            if sub is not None:
                sub.expires = utcnow() - dt.timedelta(seconds=1)
        return JSONResponse({"ok": sub is not None})

    async def subscriptions(request: Request) -> Response:
        with store.lock:
            return JSONResponse({"value": [{"id": s.id, "resource": s.resource, "expires": iso(s.expires),
                                            "notificationUrl": s.notification_url}
                                           for s in store.subscriptions.values()]})

    async def recycle_bin(request: Request) -> Response:
        with store.lock:
            drive = store.drive(request.query_params["drive_id"])
            return JSONResponse({"value": [
                {"id": i, "name": drive.items[i].name, "deletedBy": drive.items[i].modified_by.client_id}
                for i in drive.recycle_bin]})

    async def item_state(request: Request) -> Response:
        with store.lock:
            drive = store.drive(request.query_params["drive_id"])
            item = drive.items[request.query_params["item_id"]]
            return JSONResponse(item_json(store, item) | {"deleted": item.deleted, "lock": item.lock})

    async def mail(request: Request) -> Response:
        with store.lock:
            return JSONResponse({"value": [{"id": m.id, "mailbox": m.mailbox, **m.body}
                                           for m in store.messages]})

    async def sites(request: Request) -> Response:
        b = await _body(request)
        site = store.add_site(b["path"], b.get("name") or b["path"].rsplit("/", 1)[-1])
        return JSONResponse({"id": site.id, "web_url": site.web_url, "drive_id": site.drive_ids[0]})

    async def descriptor(request: Request) -> Response:
        return JSONResponse(rt.descriptor())

    return [
        Route("/faults", faults, methods=["POST"]),
        Route("/notifications", notifications, methods=["GET", "POST"]),
        Route("/notifications/log", notification_log, methods=["GET"]),
        Route("/stats", stats, methods=["GET"]),
        Route("/reset-stats", reset_stats, methods=["POST"]),
        Route("/config", config, methods=["GET", "POST"]),
        Route("/throttle", throttle, methods=["POST"]),
        Route("/locks", locks, methods=["POST", "DELETE"]),
        Route("/delta/resync", delta_resync, methods=["POST"]),
        Route("/delta/duplicates", delta_duplicates, methods=["POST"]),
        Route("/uploads/drop", upload_drop, methods=["POST"]),
        Route("/uploads/expire", upload_expire, methods=["POST"]),
        Route("/downloads/drop", download_drop, methods=["POST"]),
        Route("/tokens/revoke", revoke_tokens, methods=["POST"]),
        Route("/tokens", issued_tokens, methods=["GET"]),
        Route("/credentials", credentials, methods=["POST"]),
        Route("/subscriptions", subscriptions, methods=["GET"]),
        Route("/subscriptions/{sid}/lifecycle", lifecycle, methods=["POST"]),
        Route("/subscriptions/{sid}/expire", expire_subscription, methods=["POST"]),
        Route("/recycle-bin", recycle_bin, methods=["GET"]),
        Route("/item", item_state, methods=["GET"]),
        Route("/mail", mail, methods=["GET"]),
        Route("/sites", sites, methods=["POST"]),
        Route("/descriptor", descriptor, methods=["GET"]),
    ]
