"""Give freed heap memory back to the operating system after a step that moved tens of MiB.

glibc raises its mmap threshold each time a large buffer is freed, so the next buffers of that size come
from the heap, and freed heap pages stay mapped: a worker's RSS would keep a big transfer's peak long after
the transfer. `malloc_trim(0)` returns the free pages of every arena; without glibc it is a no-op. It costs
a walk of the heap, so only steps that moved many bytes call it (shared/sync/transfer).
"""

from __future__ import annotations

import ctypes
import functools
import logging
from collections.abc import Callable

log = logging.getLogger("pcsync.memory")


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        log.info("no glibc malloc_trim here: freed heap memory stays with the process")
        return None


def give_back() -> bool:
    """Return the heap's free pages to the OS; True when something was returned."""
    trim = _malloc_trim()
    return bool(trim(0)) if trim is not None else False
