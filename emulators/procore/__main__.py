"""`python -m emulators.procore --port 0 --data-dir DIR --ready-file FILE [--seed N --size small|demo|large]`

Writes FILE atomically (JSON shaped like contract §2's "procore" object) once listening, then runs
until SIGINT/SIGTERM. The state is saved in DIR before each write is answered, and a restart on the
same DIR carries on from it (--no-persist: memory only).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
from pathlib import Path

from .config import EmulatorConfig
from .seed import SIZES
from .server import start


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m emulators.procore")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--storage-port", type=int, default=0)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--ready-file", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--size", choices=sorted(SIZES), default="demo")
    ap.add_argument("--config", default="{}", help="JSON overrides of EmulatorConfig (e.g. rate limits)")
    ap.add_argument("--no-persist", action="store_true",
                    help="keep the state in memory only (default: saved in DATA_DIR, restored on restart)")
    args = ap.parse_args(argv)
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    emu = start(args.data_dir, seed=args.seed, size=args.size, host=args.host, port=args.port,
                storage_port=args.storage_port, config=EmulatorConfig(**json.loads(args.config)),
                persist=not args.no_persist)
    ready = Path(args.ready_file)
    tmp = ready.with_name(ready.name + ".tmp")
    tmp.write_text(json.dumps(emu.descriptor, indent=2))
    os.replace(tmp, ready)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    emu.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
