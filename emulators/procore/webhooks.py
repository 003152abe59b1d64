"""Webhooks management (v1.0 paths, project or company scope): hooks, triggers, deliveries, resources.

Changes recorded by State.emit are matched against hooks' triggers here and queued for delivery.py,
which POSTs the payloads. A company hook also hears the company's project events.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .delivery import Delivery, DeliveryWorker, build_payload
from .errors import ApiError, not_found, unprocessable
from .gate import Ctx, route
from .store import State, iso

RESOURCES: dict[str, tuple[str, ...]] = {
    "project": (
        "Project Folders", "Project Files", "Project File Versions", "File Versions", "Images", "Image Categories",
        "RFIs", "RFI Replies", "Submittals", "Submittal Packages", "Drawings", "Drawing Sets", "Drawing Areas",
        "Drawing Uploads", "Forms", "Observation Items", "Observation Item Response Logs", "Inspection Checklists",
        "Inspection Logs", "Incidents", "Work Order Contracts", "Work Order Contract Line Items",
        "Purchase Order Contracts", "Purchase Order Contract Line Items",
    ),
    "company": ("Company Folders", "Company Files", "Company File Versions", "Form Templates", "Projects",
                "Company Users", "Company Vendors"),
}
EVENTS = ("create", "update", "delete")
NAMESPACE = re.compile(r"^[a-z0-9-]+$")
MAX_BULK = 500


@dataclass
class Hook:
    id: int
    scope: tuple[str, int]
    company_id: int
    api_version: str
    namespace: str
    destination_url: str
    destination_headers: dict[str, str]
    owner_user_id: int
    failures: int = 0
    paused_until: float = 0.0
    in_flight: bool = False
    queue: list[Delivery] = field(default_factory=list)


@dataclass
class Trigger:
    id: int
    hook_id: int
    resource_name: str
    event_type: str


class Hooks:
    """All hooks, triggers and delivery attempts of one emulator."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.hooks: dict[int, Hook] = {}
        self.triggers: dict[int, Trigger] = {}
        self.attempts: list[dict[str, Any]] = []


def hooks_of(st: State) -> Hooks:
    with st.lock:
        return st.extra.setdefault("hooks", Hooks())  # type: ignore[no-any-return]


def render_hook(h: Hook) -> dict[str, Any]:
    return {"id": h.id, "api_version": h.api_version, "namespace": h.namespace, "destination_url": h.destination_url,
            "destination_headers": h.destination_headers,
            "owned_by_company_id": h.company_id if h.scope[0] == "company" else None,
            "owned_by_project_id": h.scope[1] if h.scope[0] == "project" else None}


def render_trigger(t: Trigger, h: Hook) -> dict[str, Any]:
    return {"id": t.id, "webhook_hook_id": t.hook_id, "resource_name": t.resource_name, "resource_id": None,
            "event_type": t.event_type, "company_id": h.company_id,
            "project_id": h.scope[1] if h.scope[0] == "project" else None, "user_id": None}


def on_event(st: State, event: dict[str, Any]) -> None:
    """Fan a change out to every matching hook's queue (with the notification degradations)."""
    reg = hooks_of(st)
    rng = st.extra.setdefault("webhook_rng", __import__("random").Random(1))
    with reg.lock:
        for h in reg.hooks.values():
            in_scope = (h.scope == ("project", event["project_id"])) or (
                h.scope[0] == "company" and h.company_id == event["company_id"])
            wanted = any(t.hook_id == h.id and t.resource_name == event["resource_name"]
                         and t.event_type == event["event_type"] for t in reg.triggers.values())
            if not (in_scope and wanted):
                continue
            if rng.random() < st.notifications["drop_rate"]:
                continue
            copies = 2 if rng.random() < st.notifications["duplicate_rate"] else 1
            payload = build_payload(event, h.api_version)
            not_before = st.now() + st.notifications["delay_ms"] / 1000
            for _ in range(copies):
                h.queue.append(Delivery(st.next_id("delivery"), h.id, event["id"], payload, not_before, st.now()))
    worker: DeliveryWorker | None = st.extra.get("delivery_worker")
    if worker is not None:
        worker.wake()


def routes(st: State) -> list[Route]:
    reg = hooks_of(st)

    async def scope_of(ctx: Ctx) -> tuple[str, int]:
        body = await ctx.body()
        pid = body.get("project_id") or ctx.q("project_id")
        cid = body.get("company_id") or ctx.q("company_id")
        if pid:
            return ("project", ctx.project(int(pid)).id)
        if cid:
            return ("company", ctx.company(int(cid)).id)
        raise ApiError(400, "You must supply either a company_id or project_id")

    async def find(ctx: Ctx, key: str = "id") -> Hook:
        scope = await scope_of(ctx)
        h = reg.hooks.get(ctx.path_int(key))
        if h is None or h.scope != scope:
            raise not_found()
        return h

    def validate_trigger(t: Any) -> tuple[str, str]:
        if not isinstance(t, dict):
            raise unprocessable("trigger", "is invalid")
        name, event = str(t.get("resource_name", "")), str(t.get("event_type", "")).lower()
        if name not in RESOURCES["project"] + RESOURCES["company"]:
            raise unprocessable("resource_name", "is not included in the list")
        if event not in EVENTS:
            raise unprocessable("event_type", "is not included in the list")
        return name, event

    async def create_hook(ctx: Ctx) -> Response:
        scope = await scope_of(ctx)
        p = (await ctx.body()).get("hook") or {}
        namespace, url = str(p.get("namespace", "")), str(p.get("destination_url", ""))
        if not NAMESPACE.match(namespace):
            raise unprocessable("namespace", "may only contain lower-case letters, digits and dashes")
        if not url.startswith(("http://", "https://")):
            raise unprocessable("destination_url", "is invalid")
        company = st.directory.projects[scope[1]].company_id if scope[0] == "project" else scope[1]
        h = Hook(st.next_id("hook"), scope, company, str(p.get("api_version") or "v2"), namespace, url,
                 dict(p.get("destination_headers") or {}), ctx.me.user_id)
        with reg.lock:
            reg.hooks[h.id] = h
        return JSONResponse(render_hook(h), 201)

    async def list_hooks(ctx: Ctx) -> Response:
        scope = await scope_of(ctx)
        ns, version = ctx.q("namespace"), ctx.q("api_version")
        with reg.lock:
            found = [render_hook(h) for h in reg.hooks.values() if h.scope == scope
                     and (ns in (None, "*") or h.namespace == ns) and (version is None or h.api_version == version)]
        return JSONResponse(found)

    async def show_hook(ctx: Ctx) -> Response:
        return JSONResponse(render_hook(await find(ctx)))

    async def update_hook(ctx: Ctx) -> Response:
        h = await find(ctx)
        p = (await ctx.body()).get("hook") or {}
        with reg.lock:
            if "destination_url" in p:
                h.destination_url = str(p["destination_url"])
            if "destination_headers" in p:
                h.destination_headers = dict(p["destination_headers"] or {})
            if "api_version" in p:
                h.api_version = str(p["api_version"])
        return JSONResponse(render_hook(h))

    async def delete_hook(ctx: Ctx) -> Response:
        h = await find(ctx)
        with reg.lock:
            reg.hooks.pop(h.id, None)
            for t in [t for t in reg.triggers.values() if t.hook_id == h.id]:
                reg.triggers.pop(t.id)
        return Response(status_code=204)

    def add_trigger(h: Hook, raw: Any) -> Trigger:
        name, event = validate_trigger(raw)
        with reg.lock:
            for t in reg.triggers.values():
                if t.hook_id == h.id and (t.resource_name, t.event_type) == (name, event):
                    return t
            t = Trigger(st.next_id("trigger"), h.id, name, event)
            reg.triggers[t.id] = t
            return t

    async def create_trigger(ctx: Ctx) -> Response:
        h = await find(ctx, "hook_id")
        return JSONResponse(render_trigger(add_trigger(h, (await ctx.body()).get("trigger")), h), 201)

    async def bulk_triggers(ctx: Ctx) -> Response:
        h = await find(ctx, "hook_id")
        wanted = (await ctx.body()).get("triggers") or []
        if not isinstance(wanted, list) or len(wanted) > MAX_BULK:
            raise unprocessable("triggers", f"must be a list of at most {MAX_BULK}")
        if ctx.request.method == "DELETE":
            pairs = {validate_trigger(t) for t in wanted}
            with reg.lock:
                gone = [t for t in reg.triggers.values()
                        if t.hook_id == h.id and (t.resource_name, t.event_type) in pairs]
                for t in gone:
                    reg.triggers.pop(t.id)
            return JSONResponse({"success": [render_trigger(t, h) for t in gone]})
        success, failures = [], []
        for raw in wanted:
            try:
                success.append(render_trigger(add_trigger(h, raw), h))
            except ApiError as exc:
                failures.append({"trigger": raw, "errors": exc.errors})
        return JSONResponse({"success": success, "failures": failures}, 201)

    async def list_triggers(ctx: Ctx) -> Response:
        h = await find(ctx, "hook_id")
        with reg.lock:
            return JSONResponse([render_trigger(t, h) for t in reg.triggers.values() if t.hook_id == h.id])

    async def delete_trigger(ctx: Ctx) -> Response:
        h = await find(ctx, "hook_id")
        with reg.lock:
            t = reg.triggers.get(ctx.path_int("id"))
            if t is None or t.hook_id != h.id:
                raise not_found()
            reg.triggers.pop(t.id)
        return Response(status_code=204)

    async def deliveries(ctx: Ctx) -> Response:
        h = await find(ctx, "hook_id")
        status = ctx.q("filters[status]") or ctx.q("filter[status]") or "any"
        wanted = {"any": None, "successful": {"ok"}, "failing": {"retried", "failed"}, "discarded": {"discarded"}}
        if status not in wanted:
            raise unprocessable("filters[status]", "must be any, successful, failing or discarded")
        size = int(ctx.q("page_size") or 100)
        start = int(ctx.q("page_start") or 0)
        with reg.lock:
            rows = [a for a in reg.attempts if a["hook_id"] == h.id and a["id"] > start
                    and (wanted[status] is None or a["outcome"] in wanted[status])]
        rows.sort(key=lambda a: a["id"])
        return JSONResponse([{k: v for k, v in a.items() if k != "hook_id"} for a in rows[:size]])

    async def resources(ctx: Ctx) -> Response:
        scope = await scope_of(ctx)
        names = RESOURCES["project"] if scope[0] == "project" else RESOURCES["project"] + RESOURCES["company"]
        return JSONResponse([{"resource_name": n, "except": []} for n in names])

    st.listeners.append(lambda event: on_event(st, event))
    base = "/rest/v1.0/webhooks"
    return [
        route(st, base + "/hooks", create_hook, ["POST"]),
        route(st, base + "/hooks", list_hooks, ["GET"]),
        route(st, base + "/hooks/{id}", show_hook, ["GET"]),
        route(st, base + "/hooks/{id}", update_hook, ["PATCH", "PUT"]),
        route(st, base + "/hooks/{id}", delete_hook, ["DELETE"]),
        route(st, base + "/hooks/{hook_id}/triggers", create_trigger, ["POST"]),
        route(st, base + "/hooks/{hook_id}/triggers", list_triggers, ["GET"]),
        route(st, base + "/hooks/{hook_id}/triggers/bulk", bulk_triggers, ["POST", "DELETE"]),
        route(st, base + "/hooks/{hook_id}/triggers/{id}", delete_trigger, ["DELETE"]),
        route(st, base + "/hooks/{hook_id}/deliveries", deliveries, ["GET"]),
        route(st, base + "/resources", resources, ["GET"]),
    ]


def start_worker(st: State) -> Any:
    worker = DeliveryWorker(st, hooks_of(st))
    st.extra["delivery_worker"] = worker
    worker.start()
    return worker.stop


__all__ = ["iso", "routes", "start_worker"]
