"""Webhook hooks and triggers (v1.0 paths, project or company scope), deliveries, and the v2.0/v3.0
payload model our receiver parses. The payload is only a hint: re-read the resource.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared import errors

from .paging import CursorPaginator, iterate
from .scope import Scope
from .session import ProcoreSession

HOOKS = "/rest/v1.0/webhooks/hooks"
DEFAULT_API_VERSION = "v2"


class Hook(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: int
    api_version: str | None = None
    namespace: str | None = None
    destination_url: str
    destination_headers: dict[str, str] | None = None
    owned_by_company_id: int | None = None
    owned_by_project_id: int | None = None


class Trigger(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: int
    webhook_hook_id: int | None = None
    resource_name: str
    event_type: str
    project_id: int | None = None
    company_id: int | None = None


class Delivery(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: int
    event_id: int | None = None
    outcome: str | None = None
    response_status: int | None = None
    response_error: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    event: dict[str, Any] | None = None


class PayloadMetadata(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    source_user_id: int | None = None
    source_project_id: int | None = None
    source_company_id: int | None = None
    source_application_id: str | None = None
    source_operation_id: str | None = None


class WebhookPayload(BaseModel):
    """A v2.0/v3.0 delivery body (ids may exceed 2^53: kept as int, which Python handles)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: int | str
    ulid: str | None = None
    timestamp: datetime
    metadata: PayloadMetadata = Field(default_factory=PayloadMetadata)
    user_id: int | None = None
    company_id: int | None = None
    project_id: int | None = None
    api_version: str | None = None
    event_type: str
    resource_name: str
    resource_id: int


def _scope_fields(scope: Scope) -> dict[str, int]:
    return {f"{scope.kind}_id": scope.id}


class WebhooksApi:
    def __init__(self, session: ProcoreSession) -> None:
        self._s = session

    def create_hook(self, scope: Scope, *, namespace: str, destination_url: str, authorization: str,
                    api_version: str = DEFAULT_API_VERSION) -> Hook:
        hook = {"api_version": api_version, "namespace": namespace, "destination_url": destination_url,
                "destination_headers": {"Authorization": authorization}}
        body = self._s.request("POST", HOOKS, route=HOOKS, json={**_scope_fields(scope), "hook": hook}).json()
        return Hook.model_validate(body)

    def list_hooks(self, scope: Scope, *, namespace: str | None = None) -> list[Hook]:
        params: dict[str, Any] = {**_scope_fields(scope), **({"namespace": namespace} if namespace else {})}
        return [Hook.model_validate(h) for h in self._s.get_json(HOOKS, route=HOOKS, params=params)]

    def update_hook(self, scope: Scope, hook_id: int, *, destination_url: str | None = None,
                    authorization: str | None = None) -> Hook:
        hook: dict[str, Any] = {}
        if destination_url is not None:
            hook["destination_url"] = destination_url
        if authorization is not None:
            hook["destination_headers"] = {"Authorization": authorization}
        body = self._s.request("PATCH", f"{HOOKS}/{hook_id}", route=HOOKS + "/{id}",
                               json={**_scope_fields(scope), "hook": hook}).json()
        return Hook.model_validate(body)

    def delete_hook(self, scope: Scope, hook_id: int) -> None:
        self._s.request("DELETE", f"{HOOKS}/{hook_id}", route=HOOKS + "/{id}", params=_scope_fields(scope))

    def create_triggers(self, scope: Scope, hook_id: int, triggers: list[tuple[str, str]]) -> list[Trigger]:
        """Bulk-create (resource_name, event_type) triggers."""
        body = self._s.request(
            "POST", f"{HOOKS}/{hook_id}/triggers/bulk", route=HOOKS + "/{hook_id}/triggers/bulk",
            json={**_scope_fields(scope), "api_version": DEFAULT_API_VERSION,
                  "triggers": [{"resource_name": r, "event_type": e} for r, e in triggers]},
        ).json()
        if body.get("failures"):
            raise errors.InvariantBroken(f"Procore refused triggers: {body['failures']}")
        return [Trigger.model_validate(t) for t in body.get("success", [])]

    def list_triggers(self, scope: Scope, hook_id: int) -> list[Trigger]:
        body = self._s.get_json(f"{HOOKS}/{hook_id}/triggers", route=HOOKS + "/{hook_id}/triggers",
                                params=_scope_fields(scope))
        return [Trigger.model_validate(t) for t in body]

    def delete_trigger(self, scope: Scope, hook_id: int, trigger_id: int) -> None:
        self._s.request("DELETE", f"{HOOKS}/{hook_id}/triggers/{trigger_id}",
                        route=HOOKS + "/{hook_id}/triggers/{id}", params=_scope_fields(scope))

    def deliveries(
        self, scope: Scope, hook_id: int, *, status: str = "any", page_size: int = 100,
    ) -> Iterator[Delivery]:
        return iterate(self._s, f"{HOOKS}/{hook_id}/deliveries", route=HOOKS + "/{hook_id}/deliveries",
                       params={**_scope_fields(scope), "filters[status]": status},
                       paginator=CursorPaginator(page_size=page_size), parse=Delivery.model_validate)
