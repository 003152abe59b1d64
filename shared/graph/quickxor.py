"""Streaming QuickXorHash, the content hash OneDrive/SharePoint report as `file.hashes.quickXorHash`.

Definition (C# reference in the OneDrive API docs, code-snippets/quickxorhash.md): a 160-bit register;
the byte at absolute position i is XOR-ed in at bit (11 * i) mod 160 (wrapping); the total length,
as 8 little-endian bytes, is XOR-ed into the last 8 of the 20 result bytes; the API value is base64.

Bytes 160 positions apart land on the same bit offset, so the input is XOR-folded into a single
160-byte lane using big-int operations (fast in CPython) and the lane is spread over the register
once, in digest(). Pure Python, no per-bit or per-byte loops over the data. Never imports
azure.functions.
"""

from __future__ import annotations

import base64

LANE_BYTES = 160
WIDTH_BITS = 160
SHIFT = 11
DIGEST_BYTES = 20
_LANE_BITS = LANE_BYTES * 8
_MASK160 = (1 << WIDTH_BITS) - 1


def _fold(block: bytes | bytearray | memoryview) -> int:
    """XOR of all 160-byte sub-blocks of block (len is a multiple of 160), as a little-endian int."""
    n_blocks = len(block) // LANE_BYTES
    value = int.from_bytes(block, "little")
    while n_blocks > 1:
        half = n_blocks // 2
        bits = half * _LANE_BITS
        value = (value & ((1 << bits) - 1)) ^ (value >> bits)
        n_blocks -= half
    return value


class QuickXorHash:
    """hashlib-style: update(data) any number of times, then digest() / b64digest()."""

    name = "quickxorhash"
    digest_size = DIGEST_BYTES

    def __init__(self, data: bytes | None = None) -> None:
        self._lane = 0                 # XOR of all complete, lane-aligned 160-byte blocks
        self._pending = bytearray()    # < 160 bytes not yet folded (the tail of the stream so far)
        self._length = 0
        if data:
            self.update(data)

    def update(self, data: bytes | bytearray | memoryview) -> None:
        view = memoryview(data).cast("B")
        self._length += len(view)
        if self._pending:
            need = LANE_BYTES - len(self._pending)
            self._pending += view[:need]
            view = view[need:]
            if len(self._pending) < LANE_BYTES:
                return
            self._lane ^= _fold(self._pending)
            self._pending = bytearray()
        whole = len(view) - len(view) % LANE_BYTES
        if whole:
            self._lane ^= _fold(view[:whole])
        if whole < len(view):
            self._pending += view[whole:]

    def copy(self) -> QuickXorHash:
        other = QuickXorHash()
        other._lane, other._pending, other._length = self._lane, bytearray(self._pending), self._length
        return other

    def state(self) -> str:
        """The running state as text (length, folded lane, unfolded tail), so that a transfer split over
        several steps can go on hashing where the previous step stopped (`from_state`)."""
        return f"{self._length}:{self._lane:x}:{bytes(self._pending).hex()}"

    @classmethod
    def from_state(cls, text: str) -> QuickXorHash:
        length, lane, pending = text.split(":")
        restored = cls()
        restored._length, restored._lane, restored._pending = int(length), int(lane, 16), bytearray.fromhex(pending)
        return restored

    def digest(self) -> bytes:
        lane = self._lane
        if self._pending:   # zero padding adds nothing to an XOR
            lane ^= int.from_bytes(self._pending, "little")
        register = 0
        for j in range(LANE_BYTES):
            byte = (lane >> (8 * j)) & 0xFF
            if byte:
                register ^= byte << ((SHIFT * j) % WIDTH_BITS)
        register = (register & _MASK160) ^ (register >> WIDTH_BITS)
        out = bytearray(register.to_bytes(DIGEST_BYTES, "little"))
        for i, b in enumerate(self._length.to_bytes(8, "little")):
            out[DIGEST_BYTES - 8 + i] ^= b
        return bytes(out)

    def b64digest(self) -> str:
        """The value Graph returns in file.hashes.quickXorHash."""
        return base64.b64encode(self.digest()).decode("ascii")


def quickxor_b64(data: bytes) -> str:
    return QuickXorHash(data).b64digest()
