"""`python -m demo [--keep] [--state-dir DIR]` (`./dev demo`): the whole product on the local stack.

Exit 0 only if every expected file and record arrived; 1 with a message naming what did not; 130 on
Ctrl-C. Without --keep the stack stops on every exit; with it, it runs until Ctrl-C / SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from types import FrameType

from demo.flow import Timeouts, run_demo
from demo.stack import Running, start_stack
from demo.summary import write
from demo.waiting import DemoFailure

PROJECT = 101


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="./dev demo", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keep", action="store_true", help="leave the stack running after the demo (until Ctrl-C)")
    ap.add_argument("--state-dir", type=Path,
                    help="where the stack keeps its data, logs and stack.json (default: a fresh temp dir, "
                         "removed after a successful run without --keep)")
    ap.add_argument("--timeout", type=float, default=Timeouts.initial_sync,
                    help="seconds the initial sync may take (default %(default).0f)")
    ap.add_argument("--change-timeout", type=float, default=Timeouts.live_change,
                    help="seconds each live change may take to arrive (default %(default).0f)")
    return ap.parse_args(argv)


def _keep(run: Running, out_dir: Path) -> None:
    stack_json = out_dir / "stack.json"
    stack_json.write_text(json.dumps(run.doc, indent=2))
    print(f"\nThe stack keeps running (--keep). Details: {stack_json}\nPress Ctrl-C to stop it.", flush=True)
    stop = threading.Event()
    try:
        while not stop.wait(0.5):
            dead = [name for name, proc in run.stack.children if proc.poll() is not None]
            if dead:
                print(f"demo: {', '.join(dead)} exited unexpectedly; stopping", file=sys.stderr)
                return
    except KeyboardInterrupt:
        pass
    finally:
        stack_json.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    for sig in (signal.SIGINT, signal.SIGTERM):  # also when started with SIGINT ignored (a background job)
        signal.signal(sig, _interrupt)
    chosen = args.state_dir is not None
    state_dir = (args.state_dir or Path(tempfile.mkdtemp(prefix="pcsync-demo-"))).resolve()
    timeouts = Timeouts(initial_sync=args.timeout, live_change=args.change_timeout)
    code, run = 1, None
    started = time.monotonic()
    try:
        print(f"Starting the local stack (Azurite, Procore and Graph emulators, Functions host) in {state_dir}",
              flush=True)
        run = start_stack(state_dir, seed_size="demo")
        print(f"Stack up in {time.monotonic() - started:.1f} s: Functions host at {run.doc['functions_url']}",
              flush=True)
        summary, ob = run_demo(run, PROJECT, timeouts)
        write(summary, sys.stdout)
        if args.keep:
            print(f"  (the status API: curl -H 'Authorization: Bearer {ob.api_key}' "
                  f"{run.doc['functions_url'].rstrip('/')}{ob.status_path()})")
        print(f"\nDEMO OK in {time.monotonic() - started:.0f} s: every expected file and record arrived.", flush=True)
        code = 0
    except DemoFailure as exc:
        print(f"\nDEMO FAILED: {exc}", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        print("\ndemo interrupted; stopping the stack", file=sys.stderr, flush=True)
        code = 130
    except Exception:  # noqa: BLE001 - anything else is a failure too, reported in full
        traceback.print_exc()
        print("\nDEMO FAILED: unexpected error (above)", file=sys.stderr, flush=True)
    try:
        if run is not None and args.keep and code != 130:
            _keep(run, state_dir)
    finally:
        _stop(run, state_dir, remove=not chosen and code == 0)
    return code


def _stop(run: Running | None, state_dir: Path, *, remove: bool) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave children behind
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if run is not None:
        run.stop()
    if remove:
        shutil.rmtree(state_dir, ignore_errors=True)
    else:
        print(f"Stack stopped. Data and logs (host.log, procore.log, graph.log) are in {state_dir}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
