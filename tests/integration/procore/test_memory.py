"""Peak memory of uploading and downloading a 512 MiB file through the client stays under 100 MiB.

The file is generated on disk; the client runs in a subprocess so ru_maxrss is the client's alone
(the emulator serving it lives in this test process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from emulators.procore.server import start

from .conftest import GENEROUS

MiB = 1024 * 1024
SIZE_MIB = int(os.environ.get("PCSYNC_MEMTEST_MIB", "512"))
LIMIT_MIB = 100
ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.timeout(240)
def test_512_mib_round_trip_stays_under_100_mib(tmp_path: Path) -> None:
    src, dst = tmp_path / "huge.bin", tmp_path / "back.bin"
    block = os.urandom(MiB)
    with open(src, "wb") as f:
        for i in range(SIZE_MIB):
            f.write(i.to_bytes(8, "big") + block[8:])
    with start(tmp_path / "emu", size="small", config=GENEROUS) as emu:
        out = subprocess.run([sys.executable, "-m", "tests.integration.procore.memprobe",
                              json.dumps(emu.descriptor), str(src), str(dst)],
                             cwd=ROOT, capture_output=True, text=True, timeout=220)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"\nmemory probe ({SIZE_MIB} MiB): {result}")
    assert result["segmented"] and result["size"] == SIZE_MIB * MiB
    assert result["upload_sha256"] == result["download_sha256"]
    assert dst.stat().st_size == src.stat().st_size
    assert result["peak_rss_mib"] < LIMIT_MIB
