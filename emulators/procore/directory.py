"""Who and where: /me, companies the caller is connected to, and the projects it may see."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .config import Company, Project
from .gate import Ctx, route
from .paging import paginate
from .store import State


def _company(c: Company) -> dict[str, object]:
    return {"id": c.id, "name": c.name, "is_active": True}


def _project(st: State, p: Project) -> dict[str, object]:
    return {"id": p.id, "name": p.name, "display_name": p.name, "active": True,
            "company": _company(st.directory.companies[p.company_id])}


def routes(st: State) -> list[Route]:
    async def me(ctx: Ctx) -> Response:
        return JSONResponse(ctx.me.ref())

    async def companies(ctx: Ctx) -> Response:
        return JSONResponse([_company(c) for c in st.directory.companies.values() if c.id in ctx.me.companies])

    async def projects(ctx: Ctx) -> Response:
        company = ctx.company(ctx.int_q("company_id"))
        visible = [p for p in st.directory.projects.values()
                   if p.company_id == company.id and ctx.me.sees_project(p.id)]
        return paginate(ctx, sorted(visible, key=lambda p: p.id), lambda p: _project(st, p))

    async def project(ctx: Ctx) -> Response:
        return JSONResponse(_project(st, ctx.project(ctx.path_int("id"))))

    return [
        route(st, "/rest/v1.0/me", me, ["GET"]),
        route(st, "/rest/v1.0/companies", companies, ["GET"]),
        route(st, "/rest/v1.0/projects", projects, ["GET"]),
        route(st, "/rest/v1.1/projects", projects, ["GET"]),
        route(st, "/rest/v1.0/projects/{id}", project, ["GET"]),
    ]
