"""How much one transfer step may move, and how a large file is cut (pure).

STEP_BYTES bounds one step: at 10 MB/s, slower than any link this runs on, it is about six seconds of
each hop, well inside a one-minute functionTimeout. Ranges start on staging-block boundaries; a
SharePoint step is whole 10 MiB fragments (multiples of 320 KiB), a Procore step whole segments.
Never imports azure.functions.
"""

from __future__ import annotations

import re

from shared.graph.upload import DEFAULT_FRAGMENT
from shared.models.api import ToolKey
from shared.models.transfers import Direction
from shared.store.staging import BLOCK_BYTES

MiB = 1024 * 1024
STEP_BYTES = 6 * DEFAULT_FRAGMENT              # 60 MiB: 6 Graph fragments, 15 staging blocks
SEGMENT_BYTES = 20 * MiB                       # Procore segments (5 MiB..5 GB); three per step
MAX_SEGMENTS = 900                             # their sha256 list stays well inside one table property
_KEY_UNSAFE = re.compile(r"[/\\#?\x00-\x1f\x7f-\x9f]")


def is_large(size: int | None) -> bool:
    """Is this file copied in steps (else in one step, as before)?"""
    return size is not None and size > STEP_BYTES


def segment_bytes(size: int) -> int:
    """Procore segment size for a file: SEGMENT_BYTES, larger (in whole staging blocks) for a file that
    would otherwise need more than MAX_SEGMENTS segments."""
    wanted = max(SEGMENT_BYTES, -(-size // MAX_SEGMENTS))
    return -(-wanted // BLOCK_BYTES) * BLOCK_BYTES


def step_bytes(direction: Direction, segment: int = 0) -> int:
    """The bytes one step moves: STEP_BYTES, or whole segments (at least one) toward Procore."""
    if direction is Direction.TO_PROCORE and segment:
        return max(1, STEP_BYTES // segment) * segment
    return STEP_BYTES


def step_range(offset: int, size: int, step: int) -> tuple[int, int]:
    """The range [start, end) of the step at `offset`."""
    return offset, min(offset + step, size)


def fragments(start: int, end: int) -> list[tuple[int, int]]:
    """Graph fragments [a, b) covering [start, end): DEFAULT_FRAGMENT each, the last one shorter."""
    return [(a, min(a + DEFAULT_FRAGMENT, end)) for a in range(start, end, DEFAULT_FRAGMENT)]


def segments_in(start: int, end: int, segment: int) -> list[tuple[int, int, int]]:
    """(index, a, b) of the Procore segments [a, b) covering [start, end) (start is a segment boundary)."""
    return [(a // segment, a, min(a + segment, end)) for a in range(start, end, segment)]


def transfer_key(direction: Direction, tool: ToolKey, item: str, source_version: str) -> str:
    """The progress row key: one transfer per (direction, tool, item, source version)."""
    return _KEY_UNSAFE.sub("_", f"{direction.value}:{tool.value}:{item}:{source_version}")


def staged_blob_name(link_id: str, direction: Direction, tool: ToolKey, item: str, source_version: str) -> str:
    return f"{link_id}/chunked/{transfer_key(direction, tool, item, source_version)}"
