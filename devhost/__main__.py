"""CLI: `python -m devhost --script-root DIR [--app function_app] [--port 0] [--settings FILE]
[--master-key K] [--function-key K] [--ready-file FILE]`. Exits 0 after a graceful SIGTERM/SIGINT stop.
Keys may also come from DEVHOST_MASTER_KEY / DEVHOST_FUNCTION_KEY; missing keys are generated.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from devhost.runner import DEFAULT_DRAIN_SECONDS, Host, HostInfo, HostOptions, write_ready_file
from devhost.settings import ConfigError

log = logging.getLogger("devhost")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m devhost", description="Local Azure Functions host (Python v2 model)")
    p.add_argument("--script-root", type=Path, default=Path.cwd(), help="folder with host.json and the app module")
    p.add_argument("--app", default="function_app", help="module that defines the FunctionApp")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    p.add_argument("--port", type=int, default=7071, help="HTTP port; 0 picks a free one")
    p.add_argument("--settings", type=Path, help="local.settings.json (default: <script-root>/local.settings.json)")
    p.add_argument("--master-key", default=os.environ.get("DEVHOST_MASTER_KEY"), help="master (admin) key")
    p.add_argument("--function-key", default=os.environ.get("DEVHOST_FUNCTION_KEY"), help="host function key")
    p.add_argument("--ready-file", type=Path, help="write {url, admin_key, function_key, functions} here when ready")
    p.add_argument("--drain-seconds", type=float, default=DEFAULT_DRAIN_SECONDS,
                   help="how long a stop waits for in-flight work")
    p.add_argument("--fetch-visibility", type=float, default=600.0,
                   help="visibility timeout of fetched queue messages in seconds (the host uses 600; tests shorten it)")
    p.add_argument("--log-level", default="INFO")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("azure").setLevel(logging.WARNING)
    options = HostOptions(script_root=args.script_root, app_module=args.app, port=args.port, host=args.host,
                          settings_file=args.settings, master_key=args.master_key, function_key=args.function_key,
                          drain_seconds=args.drain_seconds, fetch_visibility=args.fetch_visibility)
    host = Host(options)

    def ready(info: HostInfo) -> None:
        if args.ready_file:
            write_ready_file(args.ready_file, info)
        print(f"devhost listening on {info.url}", flush=True)

    try:
        asyncio.run(host.serve(ready=ready, handle_signals=True))
    except ConfigError as exc:
        log.error("cannot start: %s", exc)
        return 2
    if not host.drained:  # a function thread is still running: do not let interpreter exit join it
        log.warning("exiting with work still running after %.0f s", args.drain_seconds)
        logging.shutdown()
        os._exit(0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
