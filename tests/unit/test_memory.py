"""shared/memory.give_back: the heap's freed pages go back to the OS (the bench's "RSS kept afterwards"
after a big transfer). Freed buffers between kept ones cannot leave by glibc's own top-of-heap trim;
malloc_trim returns them."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import os
    from shared import memory

    def rss() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    big = bytearray(16 * 1024 * 1024)      # freed: glibc raises its mmap threshold to 16 MiB
    del big
    blocks = [bytearray(1024 * 1024) for _ in range(200)]   # now from the heap, not mmap
    kept = blocks[::20]                    # a few kept between them: the heap cannot shrink from the top
    del blocks
    before = rss()
    returned = memory.give_back()
    after = rss()
    print(returned, before - after)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim: Linux only")
def test_freed_heap_memory_goes_back_to_the_os() -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    returned, freed = out.stdout.split()
    assert returned == "True"
    assert int(freed) > 100 * 1024 * 1024, f"only {int(freed) / 2**20:.0f} MiB returned"
