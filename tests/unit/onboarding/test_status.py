"""Activity query parameters (the paging token has its own tests: test_continuation.py)."""

from __future__ import annotations

import pytest

from shared.onboarding.schemas import DEFAULT_ACTIVITY_LIMIT, MAX_ACTIVITY_LIMIT
from shared.onboarding.status import parse_limit
from shared.onboarding.web import ApiProblem


def test_limit() -> None:
    assert parse_limit(None) == DEFAULT_ACTIVITY_LIMIT and parse_limit("7") == 7
    for bad in ("0", "-1", "x", str(MAX_ACTIVITY_LIMIT + 1), "1.5"):
        with pytest.raises(ApiProblem):
            parse_limit(bad)
