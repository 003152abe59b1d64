"""Why a link pauses and when it may resume by itself: pure decisions, no I/O (the I/O is in
shared/sync/runners/pause.py).

A pause names one cause. The causes we can re-check (the SharePoint folder or library, the Procore
project, each side's credentials) resume by themselves once the check passes; a pause by request, or
one whose cause we cannot pin down, waits for the resume call. Never imports azure.functions.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from shared import errors


class PauseCause(enum.StrEnum):
    FOLDER_GONE = "sharepoint_folder_gone"        # the link's folder was deleted / moved to the recycle bin
    DRIVE_GONE = "sharepoint_drive_gone"          # the document library itself is gone
    SHAREPOINT_ACCESS = "sharepoint_access"       # the app lost its permission on the site
    MICROSOFT_CREDENTIALS = "microsoft_credentials"
    PROCORE_CREDENTIALS = "procore_credentials"
    PROCORE_PROJECT = "procore_project_unreachable"
    BY_REQUEST = "by_request"
    CONFIGURATION = "configuration"               # a ConfigError no check could pin down


# Causes a periodic check can see fixed (and then resume the link by itself).
AUTO_RESUMABLE = frozenset(PauseCause) - {PauseCause.BY_REQUEST, PauseCause.CONFIGURATION}
CREDENTIAL_CAUSES = frozenset({PauseCause.MICROSOFT_CREDENTIALS, PauseCause.PROCORE_CREDENTIALS})
MAX_REASON = 500


@dataclass(frozen=True)
class Diagnosis:
    cause: PauseCause
    reason: str                                   # a sentence the tenant can act on (no raw API error)


def folder_label(folder_path: str) -> str:
    return f"'{folder_path}'" if folder_path else "(the library root)"


def folder_gone(folder_path: str) -> Diagnosis:
    return Diagnosis(PauseCause.FOLDER_GONE,
                     f"The SharePoint folder {folder_label(folder_path)} was deleted or moved to the recycle bin. "
                     "Restore it from the SharePoint recycle bin and the link resumes by itself; nothing on the "
                     "Procore side was changed.")


def drive_gone(drive_id: str) -> Diagnosis:
    return Diagnosis(PauseCause.DRIVE_GONE,
                     f"The SharePoint document library {drive_id} no longer exists or is no longer visible to "
                     "the app. Restore it (or the app's access to it) and the link resumes by itself.")


def sharepoint_access(site_id: str) -> Diagnosis:
    return Diagnosis(PauseCause.SHAREPOINT_ACCESS,
                     f"The app may no longer read or write the SharePoint site {site_id}. Grant it access again "
                     "and the link resumes by itself.")


def credentials(system: str) -> Diagnosis:
    if system == "procore":
        return Diagnosis(PauseCause.PROCORE_CREDENTIALS,
                         "Procore refused the tenant's client id/secret (revoked or expired). Update them with "
                         "PATCH /api/tenants/{tenant_id} (procore.client_secret) and the link resumes by itself.")
    return Diagnosis(PauseCause.MICROSOFT_CREDENTIALS,
                     "Microsoft Entra ID refused the tenant's client id/secret (revoked or expired). Update them "
                     "with PATCH /api/tenants/{tenant_id} (microsoft.client_secret) and the link resumes by itself.")


def procore_unreachable(project_id: int | None, company_id: int) -> Diagnosis:
    what = f"Procore project {project_id}" if project_id is not None else f"Procore company {company_id}"
    return Diagnosis(PauseCause.PROCORE_PROJECT,
                     f"{what} is no longer reachable by the app (deleted, archived, or the app's access was "
                     "removed). Restore access and the link resumes by itself.")


def by_request() -> Diagnosis:
    return Diagnosis(PauseCause.BY_REQUEST, "Paused through the API; resume it with the resume call.")


def unexplained(exc: errors.ConfigError) -> Diagnosis:
    """A configuration error no check explains: its own text (already free of secrets), to be resumed by hand."""
    return Diagnosis(PauseCause.CONFIGURATION,
                     f"{type(exc).__name__}: {exc}"[:MAX_REASON - 60] + " (fix it, then call resume)")


def resumes_by_itself(cause: str | None) -> bool:
    return cause in AUTO_RESUMABLE


def pause_mail(project_name: str, folder_path: str, reason: str) -> tuple[str, str]:
    """(subject, body) of the one email a pause sends."""
    subject = f"Sync paused for project {project_name}"
    body = (f"The sync of Procore project {project_name} with the SharePoint folder {folder_label(folder_path)} "
            f"is paused.\n\n{reason}\n\nNothing is lost: changes made meanwhile on either side are picked up when "
            "the link resumes.")
    return subject, body
