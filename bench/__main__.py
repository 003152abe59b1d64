"""`python -m bench --out FILE [--quick]` (`./dev bench`): start the local stack, run every benchmark,
print a progress line each and the table at the end, write the JSON (every figure with its target).

Exit 0 when the benchmarks ran (whether or not the targets are met), 1 when the stack or a benchmark
failed (the JSON is still written, the failed figures unmeasured), 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path
from types import FrameType

from bench.figures import all_figures
from bench.report import progress, table, write_json
from bench.stack import start_bench_stack
from bench.suite import QUICK, Sizes, run_all


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="./dev bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True, help="the JSON file to write")
    ap.add_argument("--quick", action="store_true", help="small sizes (a few minutes): what ./dev test runs")
    full = Sizes()
    for name, help_ in (("files", "files added to each compared project"), ("rounds", "interleaved rounds"),
                        ("samples", "live changes timed per direction"), ("big-mib", "the big file's size"),
                        ("other-files", "the other tenant's initial sync during the live timings"),
                        ("budget-files", "the live link's project: synced at Procore's default limits, and the small "
                                         "project of the edit-cost comparison")):
        attr = name.replace("-", "_")
        ap.add_argument(f"--{name}", type=int, help=f"{help_} (default {getattr(full, attr)}, "
                                                    f"quick {getattr(QUICK, attr)})")
    ap.add_argument("--state-dir", type=Path, help="where the stack keeps its data (default: a temp dir, removed)")
    return ap.parse_args(argv)


def _sizes(args: argparse.Namespace) -> Sizes:
    sizes = QUICK if args.quick else Sizes()
    chosen = {k: getattr(args, k) for k in ("files", "rounds", "samples", "big_mib", "other_files", "budget_files")
              if getattr(args, k) is not None}
    return replace(sizes, **chosen)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _interrupt)
    sizes = _sizes(args)
    state_dir = (args.state_dir or Path(tempfile.mkdtemp(prefix="pcsync-bench-"))).resolve()
    started = time.monotonic()
    progress(f"starting the local stack in {state_dir} ({'quick' if args.quick else 'full'}: {asdict(sizes)})")
    bs, code = None, 1
    values: dict[str, float | None] = {}
    details: dict[str, object] = {}
    try:
        bs = start_bench_stack(state_dir)
        progress(f"stack up in {time.monotonic() - started:.0f} s")
        values, details = run_all(bs, sizes, progress)
        code = 1 if details.get("errors") else 0
    except KeyboardInterrupt:
        progress("interrupted")
        code = 130
    except Exception as exc:  # noqa: BLE001 - the JSON still says what ran
        details["errors"] = {"stack": f"{type(exc).__name__}: {exc}"}
        progress(f"FAILED: {type(exc).__name__}: {exc}")
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if bs is not None:
            bs.stop()
        if args.state_dir is None:
            shutil.rmtree(state_dir, ignore_errors=True)
    figures = all_figures(values)
    meta = {"quick": args.quick, "sizes": asdict(sizes), "seconds": round(time.monotonic() - started, 1),
            "cpus": os.cpu_count(), "load_average": os.getloadavg(), "when": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                                         time.gmtime())}
    write_json(args.out, figures, meta, details)
    print("\n" + table(figures), flush=True)
    met = sum(f.met for f in figures)
    print(f"\n{met} of {len(figures)} targets met; JSON in {args.out} ({meta['seconds']:.0f} s)", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
