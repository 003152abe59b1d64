"""Onboarding payload validation: every bad field is named."""

from __future__ import annotations

import json
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


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"procore_project_id": "101"}, "procore_project_id"),
        ({"procore_project_id": True}, "procore_project_id"),
        ({"procore_project_id": 101.0}, "procore_project_id"),
        ({"procore_project_id": 2**63}, "procore_project_id"),
        ({"procore_project_id": None, "procore_company_documents": "true"}, "procore_company_documents"),
        ({"procore_project_id": None, "procore_company_documents": 1}, "procore_company_documents"),
    ],
)
def test_link_ids_and_flags_take_their_json_type_only(over: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        CreateLinkRequest.model_validate_json(json.dumps(_link(**over)))
    assert field in _fields(exc)


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"procore": {"company_id": True, "client_id": "pc", "client_secret": "s"}}, "procore.company_id"),
        ({"procore": {"company_id": "1", "client_id": "pc", "client_secret": "s"}}, "procore.company_id"),
        ({"procore": {"company_id": 2**63, "client_id": "pc", "client_secret": "s"}}, "procore.company_id"),
        ({"settings": {"delete_sync": "false"}}, "settings.delete_sync"),
        ({"settings": {"delete_sync": 0}}, "settings.delete_sync"),
        ({"settings": {"mass_delete_count_24h": "200"}}, "settings.mass_delete_count_24h"),
        ({"settings": {"quiet_period_s": "5"}}, "settings.quiet_period_s"),
    ],
)
def test_tenant_ids_and_settings_take_their_json_type_only(over: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        CreateTenantRequest.model_validate_json(json.dumps(_tenant(**over)))
    assert field in _fields(exc)


def test_largest_int64_id_and_whole_numbers_for_floats_are_fine() -> None:
    link = CreateLinkRequest.model_validate_json(json.dumps(_link(procore_project_id=2**63 - 1)))
    assert link.procore_project_id == 2**63 - 1
    tenant = CreateTenantRequest.model_validate_json(json.dumps(_tenant(
        procore={"company_id": 2**63 - 1, "client_id": "pc", "client_secret": "s"},
        settings={"quiet_period_s": 0, "mass_delete_share": 1, "delete_sync": False})))
    assert tenant.settings.quiet_period_s == 0 and tenant.settings.delete_sync is False
