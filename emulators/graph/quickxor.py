"""The emulator's own QuickXorHash (the service computes it over stored bytes).

Written from the C# reference in the OneDrive API docs (code-snippets/quickxorhash.md): byte i is
XOR-ed into a 160-bit register at bit (11*i) mod 160; the length goes into the last 8 bytes.
Bytes 160 apart share a bit offset, so input is XOR-folded into one 160-byte lane with big-int
operations and the lane is spread over the register once at the end. Independent of shared/.
"""

from __future__ import annotations

import base64
from pathlib import Path

LANE = 160
WIDTH_BITS = 160
SHIFT = 11
READ_CHUNK = LANE * 32 * 1024   # 5 MiB, a multiple of 160: every chunk but the last stays lane-aligned
_LANE_BITS = LANE * 8


def _fold(data: bytes | memoryview) -> int:
    """XOR of all 160-byte blocks of `data` (len a multiple of 160), as a little-endian int."""
    blocks = len(data) // LANE
    x = int.from_bytes(data, "little")
    while blocks > 1:
        half = blocks // 2
        bits = half * _LANE_BITS
        x = (x & ((1 << bits) - 1)) ^ (x >> bits)
        blocks -= half
    return x


def _spread(lane: int) -> int:
    register = 0
    for j in range(LANE):
        b = (lane >> (8 * j)) & 0xFF
        if b:
            register ^= b << ((SHIFT * j) % WIDTH_BITS)
    mask = (1 << WIDTH_BITS) - 1
    return (register & mask) ^ (register >> WIDTH_BITS)


def _finish(lane: int, length: int) -> str:
    digest = bytearray(_spread(lane).to_bytes(20, "little"))
    for i, b in enumerate(length.to_bytes(8, "little")):
        digest[12 + i] ^= b
    return base64.b64encode(bytes(digest)).decode()


def hash_bytes(data: bytes) -> str:
    pad = (-len(data)) % LANE
    return _finish(_fold(data + b"\0" * pad), len(data))


def hash_file(path: Path) -> str:
    """Base64 QuickXorHash of a file, read in lane-aligned chunks (never whole in memory)."""
    lane, length = 0, 0
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(READ_CHUNK)
            if not chunk:
                break
            length += len(chunk)
            pad = (-len(chunk)) % LANE   # only the last chunk can be short
            lane ^= _fold(chunk + b"\0" * pad if pad else chunk)
    return _finish(lane, length)
