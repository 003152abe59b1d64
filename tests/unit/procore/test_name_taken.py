"""Procore's 422 "name has already been taken" is a conflict the engine plans (NameTaken); every other
422 stays our bug (InvariantBroken). Through ProcoreSession over httpx.MockTransport."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shared import errors
from shared.procore.conflicts import NameTaken
from tests.unit.procore.test_session import make


def _post_answering(status: int, body: Any) -> None:
    session, _, _ = make(lambda r: httpx.Response(status, json=body))
    session.request("POST", "/rest/v1.0/files", json={"file": {"name": "Plan.pdf"}})


def test_a_name_already_taken_is_name_taken() -> None:
    with pytest.raises(NameTaken) as caught:
        _post_answering(422, {"errors": {"name": ["has already been taken"]}})
    assert isinstance(caught.value, errors.Conflict)


@pytest.mark.parametrize("body", [
    {"errors": {"data": ["can't be blank"]}},              # another field
    {"errors": {"name": ["is too long"]}},                 # another complaint about the name
    {"errors": "has already been taken"},                  # no field named
    "not json at all",
])
def test_other_422s_stay_invariant_broken(body: Any) -> None:
    with pytest.raises(errors.InvariantBroken):
        _post_answering(422, body)


def test_a_409_name_clash_is_a_plain_conflict() -> None:
    with pytest.raises(errors.Conflict) as caught:
        _post_answering(409, {"errors": {"name": ["has already been taken"]}})
    assert not isinstance(caught.value, NameTaken)
