"""Request parsing and error bodies: every invalid field named, malformed JSON apart, no input echoed."""

from __future__ import annotations

import json

import pytest

from shared.models.api import CreateLinkRequest, CreateTenantRequest
from shared.onboarding.web import MAX_API_BODY_BYTES, ApiProblem, ApiRequest, ApiResponse, parse_body


def _request(body: object | bytes) -> ApiRequest:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return ApiRequest("POST", "http://h:7071/api/x?code=k", {}, body=raw)


def _fields(model: type, body: object | bytes) -> tuple[int, list[str], str]:
    with pytest.raises(ApiProblem) as caught:
        parse_body(model, _request(body))
    problem = caught.value
    return problem.status, [p.field for p in problem.problems], problem.response().body.decode()


TENANT = {"name": "Acme", "procore": {"company_id": 1, "client_id": "c", "client_secret": "TOPSECRET"},
          "microsoft": {"tenant_id": "t", "client_id": "c", "client_secret": "TOPSECRET"}, "notify": ["a@b.co"]}
LINK = {"procore_project_id": 1, "sharepoint": {"site_id": "s", "drive_id": "d", "folder_path": "A"}}


def test_malformed_json_is_400() -> None:
    for raw in (b"", b"{", b"nul", b'{"a": 1,}'):
        status, fields, body = _fields(CreateTenantRequest, raw)
        assert status == 400 and json.loads(body)["error"] == "malformed_json" and fields == []


def test_each_bad_field_is_named_without_echoing_values() -> None:
    bad = {**TENANT, "procore": {**TENANT["procore"], "company_id": "one"}, "notify": [], "extra": 1}
    status, fields, body = _fields(CreateTenantRequest, bad)
    assert status == 422 and set(fields) == {"procore.company_id", "notify", "extra"}
    assert "TOPSECRET" not in body and '"one"' not in body
    assert json.loads(body)["error"] == "invalid_request"


def test_whole_model_rules_name_the_field_they_concern() -> None:
    assert _fields(CreateLinkRequest, {**LINK, "tools": {"forms": "two_way"}})[1] == ["tools.forms"]
    assert _fields(CreateLinkRequest, {**LINK, "procore_company_documents": True})[1] == ["procore_project_id"]
    assert _fields(CreateLinkRequest, {**LINK, "procore_company_documents": True, "procore_project_id": None,
                                       "tools": {"photos": "one_way"}})[1] == ["tools.photos"]
    assert _fields(CreateLinkRequest, [LINK])[1] == ["body"]


def test_valid_bodies_parse() -> None:
    assert parse_body(CreateLinkRequest, _request(LINK)).procore_project_id == 1
    assert parse_body(CreateTenantRequest, _request(TENANT)).procore.client_secret.get_secret_value() == "TOPSECRET"


def test_request_origin_is_scheme_and_host() -> None:
    assert _request({}).origin == "http://h:7071"
    assert ApiRequest("GET", "https://app.azurewebsites.net/api/x", {}).origin == "https://app.azurewebsites.net"


def test_every_response_says_nosniff() -> None:
    responses = [ApiResponse.json(200, {"a": 1}), ApiResponse.text(200, "<html>echo</html>"), ApiResponse.empty(),
                 ApiProblem(401, "unauthorized", "no", headers={"WWW-Authenticate": "Bearer"}).response(),
                 ApiResponse.json(202, {}, {"x-content-type-options": "nosniff", "Location": "/x"})]
    for response in responses:
        values = [v for k, v in response.headers.items() if k.lower() == "x-content-type-options"]
        assert values == ["nosniff"], response
    assert responses[3].headers["WWW-Authenticate"] == "Bearer" and responses[4].headers["Location"] == "/x"


def test_oversized_bodies_are_413_before_parsing() -> None:
    big = json.dumps({**LINK, "sharepoint": {**LINK["sharepoint"], "folder_path": "A" * MAX_API_BODY_BYTES}})
    status, fields, body = _fields(CreateLinkRequest, big.encode())
    assert status == 413 and fields == ["body"] and json.loads(body)["error"] == "payload_too_large"
    assert parse_body(CreateLinkRequest, _request(LINK)).procore_project_id == 1
