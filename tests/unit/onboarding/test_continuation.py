"""The activity continuation token: signed, bound to its link, dated within the link's life."""

from __future__ import annotations

import base64
import json
from datetime import date

import pytest

from shared.onboarding.continuation import Position, sign, verify
from shared.onboarding.web import ApiProblem

KEY = b"k" * 32
TODAY = date(2026, 5, 10)
OLDEST = date(2026, 1, 1)
ROW = "09999999999999999999-0123abcd"


def _verify(token: str, tenant: str = "t1", link: str = "l1", keys: tuple[bytes, ...] = (KEY,)) -> Position:
    return verify(keys, token, tenant, link, today=TODAY, oldest=OLDEST)


def _refused(token: str, **kw: object) -> ApiProblem:
    with pytest.raises(ApiProblem) as caught:
        _verify(token, **kw)  # type: ignore[arg-type]
    problem = caught.value
    assert problem.status == 400 and [p.field for p in problem.problems] == ["continuation"]
    return problem


def _forge(payload: dict[str, object], mac: str) -> str:
    raw = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    return f"{raw}.{mac}"


def test_round_trip_for_its_own_link() -> None:
    for position in (Position(date(2026, 5, 1), ROW), Position(TODAY), Position(OLDEST, ROW)):
        assert _verify(sign(KEY, "t1", "l1", position)) == position


def test_another_link_tenant_or_key_is_refused() -> None:
    token = sign(KEY, "t1", "l1", Position(date(2026, 5, 1), ROW))
    _refused(token, link="l2")
    _refused(token, tenant="t2")
    _refused(token, keys=(b"x" * 32,))
    assert _verify(token, keys=(b"x" * 32, KEY)) == Position(date(2026, 5, 1), ROW)   # a refreshed key


def test_tampered_or_forged_tokens_are_refused() -> None:
    token = sign(KEY, "t1", "l1", Position(date(2026, 5, 1), ROW))
    payload, mac = token.split(".")
    far = _forge({"v": 1, "d": "2036-05-01", "k": ""}, mac)
    for bad in (far, payload, f"{payload}.", f"{payload}.{mac[:-2]}", f"{payload[:-2]}.{mac}", "", "@@", "a.b",
                token + "x" * 600):
        _refused(bad)


@pytest.mark.parametrize("position", [Position(date(2036, 5, 1)), Position(date(2026, 5, 11)),
                                      Position(date(2025, 12, 31)), Position(date(2026, 5, 1), "not-a-row-key")])
def test_signed_but_out_of_range_positions_are_refused(position: Position) -> None:
    _refused(sign(KEY, "t1", "l1", position))


def test_token_is_url_safe_and_does_not_carry_the_link() -> None:
    token = sign(KEY, "t1", "secret-link-id", Position(date(2026, 5, 1), ROW))
    assert "=" not in token and "+" not in token and "/" not in token and "secret-link-id" not in token
