"""A one-step upload reads the staging blob straight into the destination, against Azurite and both
emulators: the bytes arrive exact (SharePoint's quickXorHash, Procore's sha256) and this process's Python
heap never holds the file (its peak stays far below the file's size, the emulators' own buffers included).
A keep-both copy of a SharePoint file reads it by range straight into the copy."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
from collections.abc import Callable, Iterator
from typing import TypeVar

from shared.graph import ranges
from shared.graph import upload as sp_upload
from shared.graph.content import put_new_small
from shared.graph.quickxor import QuickXorHash
from shared.models.messages import Lane
from shared.sync.context import LinkContext, load_context
from shared.sync.transfer.staged import StagedSource
from shared.tools.base import link_scope
from tests.integration.safety.conftest import Env

MiB = 1024 * 1024
SIZE = 48 * MiB + 4321          # below the step budget (60 MiB): one step
HEAP_BOUND = 24 * MiB           # a whole-file read alone would pass it twice
T = TypeVar("T")


def _staged(env: Env, name: str) -> tuple[LinkContext, StagedSource, str, str]:
    """A link's context and a staged blob of SIZE random bytes: (ctx, source, quickxor, sha256)."""
    link = env.new_link()
    env.take()
    ctx = load_context(env.services, link.tenant_id, link.link_id, Lane.LIVE)
    assert ctx is not None
    quickxor, sha = QuickXorHash(), hashlib.sha256()

    def pieces() -> Iterator[bytes]:
        for start in range(0, SIZE, MiB):
            piece = os.urandom(min(MiB, SIZE - start))
            quickxor.update(piece)
            sha.update(piece)
            yield piece

    blob = f"{link.link_id}/test/{name}"
    ctx.services.staging.put(blob, pieces())
    return ctx, StagedSource(ctx.services.staging, blob), quickxor.b64digest(), sha.hexdigest()


def _peak_while(run: Callable[[], T]) -> tuple[T, int]:
    tracemalloc.start()
    try:
        result = run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def test_to_sharepoint_from_the_staging_blob(env: Env) -> None:
    ctx, source, quickxor, _ = _staged(env, "to-sp.bin")
    done, peak = _peak_while(lambda: sp_upload.upload_new(ctx.graph, ctx.drive_id, ctx.link.root_item_id,
                                                          "Streamed.bin", source))
    assert done.item is not None and done.item.size == SIZE
    assert done.quick_xor_hash == quickxor == done.item.quick_xor_hash
    assert peak < HEAP_BOUND, f"peak {peak / MiB:.1f} MiB"


def test_to_procore_from_the_staging_blob(env: Env) -> None:
    ctx, source, _, sha = _staged(env, "to-procore.bin")
    done, peak = _peak_while(lambda: ctx.procore.uploads.upload(link_scope(ctx.link), source,
                                                                filename="Streamed.bin"))
    assert done.size == SIZE and done.sha256 == sha
    assert peak < HEAP_BOUND, f"peak {peak / MiB:.1f} MiB"


def test_a_sharepoint_file_copied_by_range_into_a_new_one(env: Env) -> None:
    link = env.new_link()
    env.take()
    ctx = load_context(env.services, link.tenant_id, link.link_id, Lane.LIVE)
    assert ctx is not None
    data = os.urandom(3 * MiB + 17)
    with env.graph_session("user") as graph:
        original = sp_upload.upload_new(graph, ctx.drive_id, link.root_item_id, "Original.bin", _Bytes(data)).item
    assert original is not None and original.size == len(data)
    fragment = 4 * sp_upload.FRAGMENT_UNIT          # several ranges, each one Range read of the original
    source = ranges.ItemContent(ctx.graph, ctx.drive_id, original.id, len(data), original.etag)
    copy = sp_upload.upload_new(ctx.graph, ctx.drive_id, link.root_item_id, "Copy.bin", source, fragment=fragment,
                                simple_max=0)
    assert copy.item is not None and copy.item.size == len(data)
    assert copy.quick_xor_hash == copy.item.quick_xor_hash == QuickXorHash(data).b64digest()
    small = put_new_small(ctx.graph, ctx.drive_id, link.root_item_id, "Small.bin", b"x" * 1000)
    one = sp_upload.upload_new(ctx.graph, ctx.drive_id, link.root_item_id, "Small copy.bin",
                               ranges.ItemContent(ctx.graph, ctx.drive_id, small.id, 1000, small.etag))
    assert one.item is not None and one.item.quick_xor_hash == small.quick_xor_hash


class _Bytes:
    def __init__(self, data: bytes) -> None:
        self._data = data

    @property
    def size(self) -> int:
        return len(self._data)

    def read(self, start: int, length: int) -> list[bytes]:
        return [self._data[start:start + length]]
