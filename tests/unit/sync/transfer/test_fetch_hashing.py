"""Hashes carried across steps: a QuickXorHash resumed from its saved state, and Procore segment
sha256s taken from arbitrary pieces, equal the hashes of the whole."""

from __future__ import annotations

import hashlib
import random

import pytest

from shared import errors
from shared.graph.quickxor import QuickXorHash
from shared.sync.transfer.fetch import _bounded, _SegmentHasher


def _pieces(data: bytes, rng: random.Random) -> list[bytes]:
    out, at = [], 0
    while at < len(data):
        n = rng.randint(1, 5000)
        out.append(data[at:at + n])
        at += n
    return out


def test_quickxor_resumed_from_its_state_equals_one_pass() -> None:
    rng = random.Random(7)
    data = rng.randbytes(100_003)
    stepwise, start = QuickXorHash(), 0
    for cut in (159, 161, 40_000, 99_999, 100_003):
        stepwise = QuickXorHash.from_state(stepwise.state())   # each step starts from the saved state
        stepwise.update(data[start:cut])
        start = cut
    assert stepwise.b64digest() == QuickXorHash(data).b64digest()


def test_segment_hashes_from_arbitrary_pieces() -> None:
    rng = random.Random(3)
    data = rng.randbytes(10_000)
    hasher = _SegmentHasher(0, len(data), 3000)
    for piece in _pieces(data, rng):
        hasher.update(piece)
    assert hasher.digests == [hashlib.sha256(data[a:a + 3000]).hexdigest() for a in range(0, 10_000, 3000)]


def test_bounded_takes_exactly_the_step_and_closes_the_source() -> None:
    closed: list[bool] = []

    def source():  # type: ignore[no-untyped-def]
        try:
            while True:
                yield b"x" * 1000
        finally:
            closed.append(True)

    digest = hashlib.sha256()
    assert b"".join(_bounded(source(), 2500, [digest])) == b"x" * 2500
    assert digest.hexdigest() == hashlib.sha256(b"x" * 2500).hexdigest() and closed == [True]


def test_bounded_fails_when_the_source_ends_early() -> None:
    with pytest.raises(errors.Unavailable):
        list(_bounded(iter([b"abc"]), 10, []))
