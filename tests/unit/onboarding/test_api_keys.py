from __future__ import annotations

import uuid

from shared.onboarding.api_keys import new_api_key, parse_api_key, verify_secret


def test_key_round_trip_and_rejection() -> None:
    tenant = uuid.uuid4().hex
    key, stored = new_api_key(tenant)
    assert key not in stored and stored != key
    parsed = parse_api_key(key)
    assert parsed is not None and parsed[0] == tenant
    assert verify_secret(parsed[1], stored)
    assert not verify_secret(parsed[1][:-1] + ("A" if parsed[1][-1] != "A" else "B"), stored)
    other, _ = new_api_key(tenant)
    assert other != key


def test_malformed_keys_do_not_parse() -> None:
    for bad in ("", "pcs_x_y", "Bearer abc", "pcs_" + "g" * 32 + "_" + "a" * 43):
        assert parse_api_key(bad) is None
