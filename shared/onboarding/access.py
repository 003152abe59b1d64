"""Before a link is created: can we read the Procore side and write the SharePoint side?

Each failure becomes a 4xx the customer can act on (wrong project id, app not connected to the
company, site or library not found, no write permission, credentials refused), naming the request
field concerned. The SharePoint folder chain is ensured here (so the link can keep its id); an
existing folder gets a write probe that leaves no trace (an upload session, cancelled at once).
Transient upstream errors propagate (503 in handlers.py). Never imports azure.functions.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from shared import errors
from shared.graph import items, sites
from shared.graph.models import DriveItem
from shared.graph.paths import child_path
from shared.graph.session import GraphSession
from shared.graph.upload import UPLOAD_ROUTE, create_session
from shared.models.api import CreateLinkRequest, InitialSync, Mode, SharePointTarget
from shared.models.rows import TenantRow
from shared.onboarding.web import ApiProblem
from shared.procore.client import ProcoreClient
from shared.procore.scope import Scope
from shared.tools import TOOLS, is_available

UNPROCESSABLE = 422
PROBE_PREFIX = ".pcsync-write-check-"


@dataclass(frozen=True)
class ProcoreTarget:
    scope: Scope
    name: str                       # the project's name (the company's, for a company link)


def _problem(code: str, field: str, message: str, status: int = UNPROCESSABLE) -> ApiProblem:
    return ApiProblem.on_field(status, code, field, message)


@contextmanager
def _procore_errors(company_id: int, field: str, not_found: Callable[[], ApiProblem]) -> Iterator[None]:
    try:
        yield
    except errors.BadCredentials:
        raise _problem("procore_bad_credentials", "procore.client_secret",
                       "Procore refused the tenant's client id/secret. Update the tenant's Procore credentials.") \
            from None
    except errors.PermissionDenied:
        raise _problem("procore_permission_denied", field,
                       f"The Procore app is not connected to company {company_id}, or its service account may "
                       "not use this project's Documents tool. Install the app in the company (App Management) "
                       "and give it access to the project.") from None
    except (errors.NotFound, errors.TargetNotFound):
        raise not_found() from None


def check_procore(client: ProcoreClient, tenant: TenantRow, request: CreateLinkRequest) -> ProcoreTarget:
    company_id = tenant.procore.company_id
    if request.is_company:
        field = "procore_company_documents"
        with _procore_errors(company_id, field, lambda: _problem(
                "procore_company_not_found", field, f"Procore company {company_id} is not visible to the app.")):
            company = next((c for c in client.directory.companies() if c.id == company_id), None)
        if company is None:
            raise _problem("procore_permission_denied", field,
                           f"The Procore app is not connected to company {company_id}. Install it in the company.")
        target = ProcoreTarget(Scope.company(company_id), company.name)
    else:
        field, project_id = "procore_project_id", request.procore_project_id
        assert project_id is not None  # CreateLinkRequest guarantees one of the two
        with _procore_errors(company_id, field, lambda: _problem(
                "procore_project_not_found", field,
                f"Procore project {project_id} was not found in company {company_id}, or the app is not "
                "permitted on it. Check the project id and the app's permitted projects.")):
            project = client.directory.project(project_id)
        target = ProcoreTarget(Scope.project(project.id), project.name)
    for tool, mode in request.effective_tools.items():
        if mode is Mode.OFF or not is_available(tool):
            continue
        adapter = TOOLS[tool]
        with _procore_errors(company_id, field, partial(
                _problem, f"procore_{tool.value}_not_found", field, f"The {adapter.title} tool of this Procore "
                f"project is not available. Enable the {adapter.title} tool, or turn the {tool.value} tool off for "
                "this link.")):
            adapter.check_access(client, target.scope)
    return target


@contextmanager
def _graph_errors(field: str, not_found: Callable[[], ApiProblem] | None = None) -> Iterator[None]:
    try:
        yield
    except errors.BadCredentials:
        raise _problem("microsoft_bad_credentials", "microsoft.client_secret",
                       "Microsoft Entra ID refused the tenant's client id/secret. Update the tenant's Microsoft "
                       "credentials.") from None
    except errors.PermissionDenied:
        raise _problem("sharepoint_permission_denied", field,
                       "The app may not write to this SharePoint site. Grant it write access (Sites.Selected "
                       "with the 'write' role on the site, or Sites.ReadWrite.All) and try again.") from None
    except errors.IllegalName as exc:
        raise _problem("sharepoint_illegal_folder_name", "sharepoint.folder_path",
                       f"SharePoint does not allow this folder path: {exc}") from None
    except (errors.NotFound, errors.TargetNotFound):
        if not_found is None:
            raise
        raise not_found() from None
    except errors.ConfigError as exc:
        raise _problem("microsoft_configuration", "microsoft", f"Microsoft Graph refused the tenant's "
                       f"configuration: {exc}") from None


def check_sharepoint(session: GraphSession, target: SharePointTarget, initial_sync: InitialSync) -> DriveItem:
    """The link's target folder (created when missing), after checking the site, library and write access."""
    with _graph_errors("sharepoint.site_id", lambda: _problem(
            "sharepoint_site_not_found", "sharepoint.site_id",
            f"SharePoint site {target.site_id!r} was not found, or the app has no access to it.")):
        drives = sites.list_drives(session, target.site_id)
    if not any(d.id == target.drive_id for d in drives):
        raise _problem("sharepoint_drive_not_found", "sharepoint.drive_id",
                       f"Document library (drive) {target.drive_id!r} was not found in site {target.site_id!r}. "
                       f"Libraries of that site: {', '.join(sorted(d.id for d in drives)) or 'none'}.")
    folder_field = "sharepoint.folder_path"
    with _graph_errors(folder_field):
        folder = items.get_by_path(session, target.drive_id, "")
        if folder is None:
            raise errors.InvariantBroken("a document library without a root folder")
        created_any = False
        for segment in [s for s in target.folder_path.split("/") if s]:
            try:
                existing = items.get_child(session, target.drive_id, folder.id, segment)
                folder = existing if existing is not None else items.ensure_folder(
                    session, target.drive_id, folder.id, segment)
                created_any = created_any or existing is None
            except errors.Conflict:
                raise _problem("sharepoint_folder_path_is_file", folder_field,
                               f"{segment!r} in the folder path is a file, not a folder.") from None
            if not folder.is_folder:
                raise _problem("sharepoint_folder_path_is_file", folder_field,
                               f"{segment!r} in the folder path is a file, not a folder.")
        if initial_sync is InitialSync.STANDARD and not created_any and _has_children(session, target.drive_id,
                                                                                      folder.id):
            raise _problem("sharepoint_target_not_empty", folder_field,
                           f"The SharePoint folder '{target.folder_path or '/'}' is not empty. A standard initial "
                           "sync needs an empty target: empty the folder, choose another folder_path, or use "
                           "\"initial_sync\": \"from_sharepoint\" to merge both sides.", status=409)
        if not created_any:
            probe_write(session, target.drive_id, folder.id)
    return folder


def _has_children(session: GraphSession, drive_id: str, folder_id: str) -> bool:
    return next(iter(items.iter_children(session, drive_id, folder_id, page_size=1)), None) is not None


def probe_write(session: GraphSession, drive_id: str, folder_id: str) -> None:
    """Raise errors.PermissionDenied unless the app may create files in the folder. An upload session
    needs write access but creates no item until bytes arrive; it is cancelled right away."""
    name = f"{PROBE_PREFIX}{uuid.uuid4().hex[:12]}.tmp"
    info = create_session(session, child_path(drive_id, folder_id, name, "/createUploadSession"),
                          {"item": {"@microsoft.graph.conflictBehavior": "fail", "name": name}}, None)
    if info.upload_url:
        session.request("DELETE", info.upload_url, route=UPLOAD_ROUTE, authenticated=False, accept=(404,))
