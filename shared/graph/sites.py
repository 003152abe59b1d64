"""Site and drive resolution: by hostname + server-relative path, by id, a site's libraries.

A site or drive that is not there is the tenant's configuration problem (TargetNotFound).
"""

from __future__ import annotations

from shared import errors
from shared.graph.models import Drive, Site
from shared.graph.paths import drive_path, encode_path, encode_segment
from shared.graph.session import GraphSession


def _get(session: GraphSession, path: str, route: str) -> dict[str, object]:
    try:
        data = session.request("GET", path, route=route).json()
    except errors.NotFound as exc:
        raise errors.TargetNotFound(str(exc)) from exc
    assert isinstance(data, dict)
    return data


def site_by_path(session: GraphSession, hostname: str, server_relative_path: str) -> Site:
    """e.g. ("contoso.sharepoint.com", "/sites/Projects")."""
    path = f"/sites/{encode_segment(hostname)}:/{encode_path(server_relative_path)}"
    return Site.model_validate(_get(session, path, "/sites/{hostname}:/{path}"))


def get_site(session: GraphSession, site_id: str) -> Site:
    return Site.model_validate(_get(session, f"/sites/{encode_segment(site_id)}", "/sites/{site-id}"))


def list_drives(session: GraphSession, site_id: str) -> list[Drive]:
    data = _get(session, f"/sites/{encode_segment(site_id)}/drives", "/sites/{site-id}/drives")
    values = data.get("value")
    assert isinstance(values, list)
    return [Drive.model_validate(v) for v in values]


def get_drive(session: GraphSession, drive_id: str) -> Drive:
    return Drive.model_validate(_get(session, drive_path(drive_id), "/drives/{drive-id}"))


def drive_by_name(session: GraphSession, site_id: str, name: str) -> Drive:
    for drive in list_drives(session, site_id):
        if (drive.name or "").lower() == name.lower():
            return drive
    raise errors.TargetNotFound(f"no document library named {name!r} in site {site_id}")
