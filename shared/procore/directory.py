"""Who we are and what we may see: /me, the companies the app is installed in, permitted projects."""

from __future__ import annotations

from collections.abc import Iterator

from .models import Company, Project, UserRef
from .paging import iterate
from .session import ProcoreSession


class DirectoryApi:
    def __init__(self, session: ProcoreSession) -> None:
        self._s = session

    def me(self) -> UserRef:
        return UserRef.model_validate(self._s.get_json("/rest/v1.0/me", route="/rest/v1.0/me"))

    def companies(self) -> list[Company]:
        body = self._s.get_json("/rest/v1.0/companies", route="/rest/v1.0/companies")
        return [Company.model_validate(c) for c in body]

    def project(self, project_id: int) -> Project:
        """One project of the company, if the app is permitted on it (errors.NotFound otherwise)."""
        body = self._s.get_json(f"/rest/v1.0/projects/{project_id}", route="/rest/v1.0/projects/{id}",
                                params={"company_id": self._s.company_id})
        return Project.model_validate(body)

    def projects(self) -> Iterator[Project]:
        return iterate(self._s, "/rest/v1.1/projects", route="/rest/v1.1/projects",
                       params={"company_id": self._s.company_id}, parse=Project.model_validate)
