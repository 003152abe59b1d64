"""How large files are cut into steps: bounded, aligned to staging blocks, Graph's 320 KiB unit and
Procore's segment limits, and keyed so a duplicate step is recognised."""

from __future__ import annotations

import pytest

from shared.graph.upload import FRAGMENT_UNIT, MAX_FRAGMENT
from shared.models.api import ToolKey
from shared.models.transfers import Direction
from shared.store.staging import BLOCK_BYTES
from shared.sync.transfer import budget
from shared.sync.transfer.budget import MAX_SEGMENTS, STEP_BYTES, MiB

GiB = 1024 * MiB


def test_only_files_above_one_step_go_in_steps() -> None:
    assert not budget.is_large(None)
    assert not budget.is_large(STEP_BYTES)
    assert budget.is_large(STEP_BYTES + 1)


def test_a_step_is_whole_blocks_and_whole_graph_units() -> None:
    assert STEP_BYTES % BLOCK_BYTES == 0 and STEP_BYTES % FRAGMENT_UNIT == 0
    for start, end in budget.fragments(0, STEP_BYTES):
        assert (end - start) % FRAGMENT_UNIT == 0 and end - start < MAX_FRAGMENT


@pytest.mark.parametrize("size", [STEP_BYTES + 1, 2 * GiB, 100 * GiB, 250 * 1000**3])
def test_procore_segments_are_legal_and_few_enough(size: int) -> None:
    segment = budget.segment_bytes(size)
    count = -(-size // segment)
    assert 5 * MiB <= segment <= 5 * 1000**3 and segment % BLOCK_BYTES == 0
    assert count <= MAX_SEGMENTS
    step = budget.step_bytes(Direction.TO_PROCORE, segment)
    assert step % segment == 0 and step >= segment


def test_steps_cover_the_file_exactly_once() -> None:
    size = 2 * GiB + 12345
    segment = budget.segment_bytes(size)
    step = budget.step_bytes(Direction.TO_PROCORE, segment)
    covered, offset, seen = 0, 0, []
    while offset < size:
        start, end = budget.step_range(offset, size, step)
        for index, a, b in budget.segments_in(start, end, segment):
            assert a == index * segment and b - a <= segment
            seen.append(index)
        covered += end - start
        offset = end
    assert covered == size and seen == list(range(-(-size // segment)))


def test_the_key_names_the_transfer_and_is_a_legal_table_key() -> None:
    a = budget.transfer_key(Direction.TO_PROCORE, ToolKey.DOCUMENTS, "01ABC", "aGVsbG8/+==")
    b = budget.transfer_key(Direction.TO_PROCORE, ToolKey.DOCUMENTS, "01ABC", "other")
    assert a != b and "/" not in a and "?" not in a
    assert budget.transfer_key(Direction.TO_SP, ToolKey.DOCUMENTS, "5", "9") == "to_sp:documents:5:9"
