"""Peak memory of the client while uploading and downloading a 512 MiB file stays under 100 MiB.

The file is generated on disk in 1 MiB pieces; the client runs in its own process (measured there:
VmHWM and sampled RSS), the emulator in this one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

SIZE = 512 * 1024 * 1024
LIMIT_MIB = 100
ROOT = Path(__file__).resolve().parents[3]


def _make_file(path: Path, size: int) -> None:
    block = bytearray(os.urandom(1024 * 1024))
    with open(path, "wb") as fh:
        for i in range(size // len(block)):
            block[:8] = i.to_bytes(8, "little")
            fh.write(block)
        fh.write(block[: size % len(block)])


def test_512_mib_round_trip_under_100_mib(desc: dict[str, Any], tmp_path: Path) -> None:
    src, dest = tmp_path / "big-512.bin", tmp_path / "back.bin"
    _make_file(src, SIZE + 12345)          # a size that is not a multiple of 160 or 320 KiB
    (tmp_path / "desc.json").write_text(json.dumps(desc))
    run = subprocess.run([sys.executable, "-m", "tests.integration.graph.memory_probe",
                          str(tmp_path / "desc.json"), str(src), str(dest)],
                         cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    print(f"\n512 MiB round trip: peak RSS {report['peak_rss_mib']:.1f} MiB "
          f"(baseline {report['baseline_rss_mib']:.1f} MiB, after upload "
          f"{report['peak_after_upload_mib']:.1f} MiB), upload {report['upload_s']:.1f} s, "
          f"download {report['download_s']:.1f} s")
    assert report["size"] == SIZE + 12345
    assert report["local_hash"] == report["server_hash"] == report["download_hash"]
    assert report["peak_rss_mib"] < LIMIT_MIB
    src.unlink()
    dest.unlink()
