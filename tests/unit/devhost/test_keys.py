"""Auth levels against the master key and the function key; where a caller's key is read from."""

from __future__ import annotations

import azure.functions as func
import pytest

from devhost.keys import Keys, is_authorized, presented_key

KEYS = Keys(master="m" * 56, function="f" * 56)
A, F, ADMIN = func.AuthLevel.ANONYMOUS, func.AuthLevel.FUNCTION, func.AuthLevel.ADMIN


@pytest.mark.parametrize(("level", "key", "allowed"), [
    (A, None, True), (A, "junk", True),
    (F, None, False), (F, "", False), (F, "junk", False), (F, KEYS.function, True), (F, KEYS.master, True),
    (ADMIN, None, False), (ADMIN, KEYS.function, False), (ADMIN, KEYS.master, True),
    (F, KEYS.function[:-1], False),
])
def test_auth_levels(level: func.AuthLevel, key: str | None, allowed: bool) -> None:
    assert is_authorized(level, key, KEYS) is allowed


def test_header_wins_over_code_query() -> None:
    assert presented_key({"x-functions-key": "h"}, {"code": "q"}) == "h"
    assert presented_key({}, {"code": "q"}) == "q"
    assert presented_key({}, {}) is None


def test_missing_keys_are_generated_and_distinct() -> None:
    keys = Keys.create()
    assert len(keys.master) >= 40 and len(keys.function) >= 40 and keys.master != keys.function
    assert Keys.create("given", None).master == "given"
