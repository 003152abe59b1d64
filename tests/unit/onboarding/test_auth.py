"""Bearer parsing, route ids, and constant-time secret checks for webhooks."""

from __future__ import annotations

import uuid

import pytest

from shared.onboarding.auth import bearer_token, check_id
from shared.onboarding.web import ApiProblem, ApiRequest
from shared.sync.hooks import secret_hash, secret_matches


def _req(authorization: str | None) -> ApiRequest:
    return ApiRequest("GET", "http://h/api", {} if authorization is None else {"authorization": authorization})


def test_bearer_token() -> None:
    assert bearer_token(_req("Bearer abc")) == "abc" and bearer_token(_req("bearer  abc ")) == "abc"
    for bad in (None, "", "Bearer", "Bearer ", "Basic abc", "abc"):
        assert bearer_token(_req(bad)) is None


def test_route_ids_must_be_ours() -> None:
    good = uuid.uuid4().hex
    assert check_id(good, "link") == good
    for bad in (None, "", good.upper(), good + "0", "a/b", "../x", "x" * 32):
        with pytest.raises(ApiProblem) as caught:
            check_id(bad, "link")
        assert caught.value.status == 404


def test_secret_matching() -> None:
    stored = secret_hash("Bearer s3cret")
    assert secret_matches("Bearer s3cret", stored)
    assert not secret_matches("Bearer s3cre", stored) and not secret_matches(None, stored)
    assert not secret_matches("Bearer s3cret", "")
