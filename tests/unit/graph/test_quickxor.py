"""QuickXorHash (shared/graph/quickxor.py) against published test vectors, whole and in odd-sized
chunks, plus a throughput floor (the client hashes every byte it transfers).

Vectors: rclone backend/onedrive/quickxorhash/quickxorhash_test.go (see quickxor_vectors.py).
"""

from __future__ import annotations

import base64
import os
import time

import pytest

from emulators.graph import quickxor as emulator_quickxor
from shared.graph.quickxor import QuickXorHash, quickxor_b64
from tests.unit.graph.quickxor_vectors import VECTORS

CHUNK_SIZES = [1, 2, 3, 7, 11, 64, 97, 159, 160, 161, 319, 1000]


@pytest.mark.parametrize("size,data_b64,expected", VECTORS, ids=[str(v[0]) for v in VECTORS])
def test_vector_whole(size: int, data_b64: str, expected: str) -> None:
    data = base64.b64decode(data_b64)
    assert len(data) == size
    assert quickxor_b64(data) == expected
    assert emulator_quickxor.hash_bytes(data) == expected      # the emulator's independent version


@pytest.mark.parametrize("chunk", CHUNK_SIZES)
def test_vectors_in_odd_chunks(chunk: int) -> None:
    for size, data_b64, expected in VECTORS:
        data = base64.b64decode(data_b64)
        h = QuickXorHash()
        for i in range(0, len(data), chunk):
            h.update(data[i:i + chunk])
        assert h.b64digest() == expected, (size, chunk)


def test_copy_and_repeatable_digest() -> None:
    h = QuickXorHash(b"abc")
    clone = h.copy()
    clone.update(b"def")
    assert h.b64digest() == quickxor_b64(b"abc") == h.b64digest()
    assert clone.b64digest() == quickxor_b64(b"abcdef")


def test_large_input_chunked_equals_whole() -> None:
    data = os.urandom(3 * 1024 * 1024 + 12345)
    h = QuickXorHash()
    view = memoryview(data)
    pos, step = 0, 1
    while pos < len(data):          # chunk sizes vary: 1, 3, 9, ... up to ~200 KiB
        h.update(view[pos:pos + step])
        pos += step
        step = step * 3 % 200003 + 1
    assert h.b64digest() == quickxor_b64(data) == emulator_quickxor.hash_bytes(data)


def test_throughput_tens_of_mb_per_second() -> None:
    block = os.urandom(1024 * 1024)
    h = QuickXorHash()
    started = time.perf_counter()
    for _ in range(64):
        h.update(block)
    h.digest()
    mb_per_s = 64 / (time.perf_counter() - started)
    print(f"QuickXorHash throughput: {mb_per_s:.0f} MiB/s")
    assert mb_per_s > 30
