"""Where a Documents/upload call is addressed: a project (`?project_id=`) or a company (path)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class Scope(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Literal["project", "company"]
    id: int

    @classmethod
    def project(cls, project_id: int) -> Scope:
        return cls(kind="project", id=project_id)

    @classmethod
    def company(cls, company_id: int) -> Scope:
        return cls(kind="company", id=company_id)

    @property
    def v1(self) -> str:
        """Prefix of folders/files/file_versions paths."""
        return "/rest/v1.0" if self.kind == "project" else f"/rest/v1.0/companies/{self.id}"

    @property
    def v1_route(self) -> str:
        return "/rest/v1.0" if self.kind == "project" else "/rest/v1.0/companies/{company_id}"

    @property
    def query(self) -> dict[str, Any]:
        return {"project_id": self.id} if self.kind == "project" else {}

    @property
    def plural(self) -> str:
        return "projects" if self.kind == "project" else "companies"

    @property
    def uploads(self) -> str:
        return f"/rest/v1.1/{self.plural}/{self.id}/uploads"

    @property
    def uploads_route(self) -> str:
        return f"/rest/v1.1/{self.plural}/{{{self.kind}_id}}/uploads"

    @property
    def index(self) -> str:
        return f"/rest/v1.0/{self.plural}/{self.id}/documents"

    @property
    def index_route(self) -> str:
        return f"/rest/v1.0/{self.plural}/{{{self.kind}_id}}/documents"

    @property
    def resource_prefix(self) -> str:
        """Webhook resource names: "Project Files", "Company Folders", ..."""
        return "Project" if self.kind == "project" else "Company"
