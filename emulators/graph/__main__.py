"""`python -m emulators.graph --port 0 --data-dir DIR --ready-file FILE`

Serves until SIGINT/SIGTERM. Once listening, writes FILE atomically: the contract §2 "graph"
object (base_url, authority, tenant_id, sites, mailbox, app, user) plus ca_file, emulator_url and
sharepoint_url (the other host name the uploadUrl and downloadUrl point at).
The state is saved in DIR before each write is answered; a restart on the same DIR carries on from it.
"""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

from emulators.graph.server import GraphEmulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulators.graph", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="Graph HTTP port (0: any free port)")
    parser.add_argument("--tls-port", type=int, default=0, help="authority HTTPS port (0: any)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--sharepoint-port", type=int, default=0,
                        help="port of the uploadUrl/downloadUrl host (0: any free port)")
    parser.add_argument("--sharepoint-host", help="its host name, resolving to --host (default: the "
                        "other loopback name, localhost for 127.0.0.1)")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--ready-file", type=Path, required=True)
    parser.add_argument("--ca-cert", type=Path, help="PEM CA to sign the TLS certificate (with --ca-key)")
    parser.add_argument("--ca-key", type=Path)
    parser.add_argument("--no-persist", action="store_true",
                        help="keep the state in memory only (default: saved in DATA_DIR, restored on restart)")
    args = parser.parse_args(argv)
    emu = GraphEmulator(args.data_dir, port=args.port, tls_port=args.tls_port, host=args.host,
                        ca_cert=args.ca_cert, ca_key=args.ca_key, sharepoint_port=args.sharepoint_port,
                        sharepoint_host=args.sharepoint_host, persist=not args.no_persist)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    emu.start()
    emu.write_ready_file(args.ready_file)
    done.wait()
    emu.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
