"""Onboarding payload validation: every bad field is named."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from shared.models.api import CreateLinkRequest, CreateTenantRequest, Mode, ToolKey


def _tenant(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Acme Builders",
        "procore": {"company_id": 1, "client_id": "pc", "client_secret": "s"},
        "microsoft": {"tenant_id": "t", "client_id": "mc", "client_secret": "s"},
        "notify": ["ops@example.com"],
    }
    body.update(over)
    return body


def _link(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"procore_project_id": 101, "sharepoint": {"site_id": "s", "drive_id": "d",
                                                                        "folder_path": "Projects/Tower A"}}
    body.update(over)
    return body


def _fields(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return {".".join(str(p) for p in e["loc"]) for e in exc.value.errors()}


def test_valid_tenant_gets_defaults_and_hides_secrets() -> None:
    t = CreateTenantRequest.model_validate(_tenant())
    assert t.procore.base_url == "https://api.procore.com"
    assert t.settings.conflict_policy.value == "newest_wins"
    assert "s" not in repr(t.procore.client_secret)


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"notify": ["not-an-email"]}, "notify"),
        ({"notify": []}, "notify"),
        ({"name": ""}, "name"),
        ({"procore": {"company_id": 0, "client_id": "pc", "client_secret": "s"}}, "procore.company_id"),
        ({"microsoft": {"tenant_id": "t", "client_id": "mc"}}, "microsoft.client_secret"),
        ({"microsoft": {"tenant_id": "t", "client_id": "mc", "client_secret": "s", "graph_url": "ftp://x"}},
         "microsoft.graph_url"),
        ({"settings": {"conflict_policy": "coin_flip"}}, "settings.conflict_policy"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_tenant_fields_are_named(over: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        CreateTenantRequest.model_validate(_tenant(**over))
    assert field in _fields(exc)


def test_link_defaults_and_overrides() -> None:
    link = CreateLinkRequest.model_validate(_link(tools={"rfis": "off"}))
    tools = link.effective_tools
    assert tools[ToolKey.DOCUMENTS] is Mode.TWO_WAY and tools[ToolKey.RFIS] is Mode.OFF
    assert tools[ToolKey.SUBMITTALS] is Mode.ONE_WAY
    company = CreateLinkRequest.model_validate(_link(procore_project_id=None, procore_company_documents=True))
    assert company.effective_tools == {ToolKey.DOCUMENTS: Mode.TWO_WAY}


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"tools": {"rfis": "two_way"}}, "two_way is only"),
        ({"tools": {"documents": "off"}, "initial_sync": "from_sharepoint"}, "from_sharepoint"),
        ({"procore_company_documents": True}, "exactly one"),
        ({"procore_project_id": None}, "exactly one"),
        ({"procore_project_id": None, "procore_company_documents": True, "tools": {"photos": "one_way"}},
         "company link"),
        ({"sharepoint": {"site_id": "s", "drive_id": "d", "folder_path": "a/../b"}}, "folder path"),
        ({"tools": {"timesheets": "one_way"}}, "tools.timesheets"),
        ({"initial_sync": "whenever"}, "initial_sync"),
    ],
)
def test_bad_links_are_explained(over: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        CreateLinkRequest.model_validate(_link(**over))
    assert message in str(exc.value)
