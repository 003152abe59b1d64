"""Activity paging tokens and query parameters."""

from __future__ import annotations

from datetime import date

import pytest

from shared.onboarding.schemas import DEFAULT_ACTIVITY_LIMIT, MAX_ACTIVITY_LIMIT
from shared.onboarding.status import decode_continuation, encode_continuation, parse_limit
from shared.onboarding.web import ApiProblem


def test_continuation_round_trips_and_is_opaque() -> None:
    token = encode_continuation("2026-05-01", "09999-abc")
    assert "2026" not in token and "=" not in token
    assert decode_continuation(token) == (date(2026, 5, 1), "09999-abc")


@pytest.mark.parametrize("bad", ["", "@@", "eyJ4IjoxfQ", "bm90IGpzb24"])
def test_foreign_tokens_are_400(bad: str) -> None:
    with pytest.raises(ApiProblem) as caught:
        decode_continuation(bad)
    assert caught.value.status == 400 and caught.value.problems[0].field == "continuation"


def test_limit() -> None:
    assert parse_limit(None) == DEFAULT_ACTIVITY_LIMIT and parse_limit("7") == 7
    for bad in ("0", "-1", "x", str(MAX_ACTIVITY_LIMIT + 1), "1.5"):
        with pytest.raises(ApiProblem):
            parse_limit(bad)
