"""Sites and drives: /sites/{id}, /sites/{host}:/{path}, /sites/{id}/drives, /drives/{id}."""

from __future__ import annotations

from starlette.responses import Response

from emulators.graph import serialize
from emulators.graph.web import Ctx, json_response, route


@route("GET", "sites/{site}")
async def get_site(ctx: Ctx) -> Response:
    site = ctx.store.site(ctx.target.params["site"])
    body = {"@odata.context": f"{ctx.rt.graph_base}/$metadata#sites/$entity"}
    body.update(serialize.site_json(ctx.store, site))
    return json_response(body)


@route("GET", "sites/{site}/drives")
async def list_drives(ctx: Ctx) -> Response:
    site = ctx.store.site(ctx.target.params["site"])
    drives = [serialize.drive_json(ctx.store, ctx.store.drives[d]) for d in site.drive_ids]
    return json_response({"@odata.context": f"{ctx.rt.graph_base}/$metadata#drives", "value": drives})


@route("GET", "sites/{site}/drive")
async def default_drive(ctx: Ctx) -> Response:
    site = ctx.store.site(ctx.target.params["site"])
    return json_response(serialize.drive_json(ctx.store, ctx.store.drives[site.drive_ids[0]]))


@route("GET", "drives/{d}")
async def get_drive(ctx: Ctx) -> Response:
    body = {"@odata.context": f"{ctx.rt.graph_base}/$metadata#drives/$entity"}
    body.update(serialize.drive_json(ctx.store, ctx.drive()))
    return json_response(body)
