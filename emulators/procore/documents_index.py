"""The flat, paginated Documents index: /rest/v1.0/{projects|companies}/{id}/documents.

Filters: document_type, updated_at, created_at, folder_id (subtree), is_in_recycle_bin, search,
file_type[], private; sort by updated_at, created_at, name (prefix `-` for descending) or
document_type_then_name (the default).
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from . import tree
from .errors import bad_request
from .gate import Ctx, route
from .models import File, Folder, Scope
from .paging import in_range, paginate, time_range
from .store import State

SORTS = {
    "updated_at": lambda x: (x.updated_at, x.id),
    "created_at": lambda x: (x.created_at, x.id),
    "name": lambda x: (x.name.lower(), x.id),
    "document_type_then_name": lambda x: (isinstance(x, File), x.name.lower(), x.id),
}


def routes(st: State) -> list[Route]:
    async def index(ctx: Ctx) -> Response:
        if "project_id" in ctx.request.path_params:
            scope: Scope = ("project", ctx.project(ctx.path_int("project_id")).id)
        else:
            scope = ("company", ctx.company(ctx.path_int("company_id")).id)
        root, recycle = tree.roots(st, scope)
        q = ctx.q
        doc_type = q("filters[document_type]")
        in_bin = (q("filters[is_in_recycle_bin]") or "false").lower() == "true"
        updated, created = time_range(ctx, "updated_at"), time_range(ctx, "created_at")
        folder_id = ctx.int_q("filters[folder_id]")
        search = (q("filters[search]") or "").lower()
        types = {t.lower() for t in ctx.request.query_params.getlist("filters[file_type][]")}
        private = q("filters[private]")
        sort = q("sort") or "document_type_then_name"
        key = SORTS.get(sort.lstrip("-"))
        if key is None:
            raise bad_request(f"sort {sort} is not supported")
        with st.lock:
            items: list[Folder | File] = [
                x for x in (*st.folders.values(), *st.files.values())
                if x.scope == scope and x.id not in (root.id, recycle.id) and x.is_deleted == in_bin
                and (doc_type is None or doc_type == ("file" if isinstance(x, File) else "folder"))
                and in_range(x.updated_at, updated) and in_range(x.created_at, created)
                and (folder_id is None or (x.id != folder_id and tree.is_within(st, x.parent_id, folder_id)))
                and (not search or search in x.name.lower())
                and (not types or (isinstance(x, File) and tree.file_type(x.name) in types))
                and (private is None or x.private == (private.lower() == "true"))
            ]
            items.sort(key=key, reverse=sort.startswith("-"))
            return paginate(ctx, items, lambda x: tree.render_index_item(st, x))

    return [
        route(st, "/rest/v1.0/projects/{project_id}/documents", index, ["GET"]),
        route(st, "/rest/v1.0/companies/{company_id}/documents", index, ["GET"]),
    ]
