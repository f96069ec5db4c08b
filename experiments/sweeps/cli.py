"""`gpu-alloc sweep` and `gpu-alloc report`: registered into the CLI by `experiments.cli`.

Exit codes: 0 all runs ok, 1 the sweep finished but some runs failed (they are in runs.parquet),
2 bad input (spec, options, unreachable workers, a full disk, a folder in use), 130 interrupted by
Ctrl-C and 143 by SIGTERM (finish with --resume).
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from experiments.cli_common import (
    UsageError,
    local_workers,
    out_folder,
    positive,
    scheduler_address,
    seconds,
)

SOME_FAILED = 1


def cmd_sweep(args: argparse.Namespace) -> int:
    from experiments.sweeps.driver import run_sweep
    from experiments.sweeps.errors import SweepInterrupted

    try:
        result = run_sweep(
            args.spec,
            out_folder(args.out),
            retry_failed=args.retry_failed,
            **executor_options(args),
        )
    except SweepInterrupted as exc:
        print(f"gpu-alloc: {exc}", file=sys.stderr)
        return exc.exit_code
    print_summary(result.summary, result.out)
    return SOME_FAILED if result.summary["failed"] else 0


def executor_options(args: argparse.Namespace) -> dict[str, Any]:
    """`run_sweep`'s keyword arguments from the options `add_run_options` declares."""
    if args.dask and args.dask_local:
        raise UsageError("give either --dask ADDRESS or --dask-local N, not both")
    if args.dask or args.dask_local:
        kind, workers = "dask", args.dask_local
    else:
        kind, workers = ("process" if args.workers > 1 else "serial"), args.workers
    return {
        "executor": kind,
        "workers": workers,
        "address": args.dask,
        "resume": args.resume,
        "chunk_size": args.chunk_size,
        "progress": not args.quiet,
        "timeout": args.dask_timeout,
    }


def print_summary(s: dict[str, Any], out: Path) -> None:
    rate = f"{s['runs_per_second']:,.1f} runs/s" if s["runs_per_second"] else "nothing to run"
    print(
        f"sweep {s['spec']}: {s['runs']:,} runs, {s['ok']:,} ok, {s['failed']:,} failed; "
        f"ran {s['ran']:,} in {s['seconds']:.1f} s ({rate}) on {s['executor']}"
        + (f", {s['skipped']:,} already done" if s["skipped"] else "")
    )
    written = [out / "runs.parquet"] + [out / "series.parquet"] * (out / "series.parquet").exists()
    print("  wrote " + ", ".join(str(p) for p in written))
    if s["failed"]:
        print(
            f"  {s['failed']:,} runs failed: their errors are in runs.parquet and "
            f"{out / 'failures.jsonl'}"
        )


def cmd_report(args: argparse.Namespace) -> int:
    from experiments.sweeps.report import write_report

    outcomes = [o.strip() for o in args.outcomes.split(",")] if args.outcomes else None
    for path in write_report(args.dir, outcomes=outcomes):
        print(f"wrote {path}")
    return 0


def builtin_specs() -> list[str]:
    """Names of experiments/specs/*.toml, without importing the model (the CLI starts fast)."""
    folder = resources.files("experiments") / "specs"
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def register(sub: argparse._SubParsersAction) -> None:
    """Add `sweep` and `report` to the `gpu-alloc` command line."""
    p = sub.add_parser(
        "sweep",
        help="run a parameter sweep from a spec (TOML or built-in name)",
        description="Run every run of SPEC (a TOML file or a built-in name: "
        f"{', '.join(builtin_specs())}) and write Parquet results to --out.",
    )
    p.add_argument("spec", help="spec file or built-in spec name")
    add_run_options(p)
    p.add_argument(
        "--retry-failed", action="store_true", help="with --resume, run failed runs again"
    )
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("report", help="tables and plots of a finished sweep in DIR/report/")
    p.add_argument("dir", help="a sweep's --out directory")
    p.add_argument("--outcomes", help="metrics to report, comma-separated (default: the spec's)")
    p.set_defaults(func=cmd_report)


def add_run_options(p: argparse.ArgumentParser) -> None:
    """--out, the executor (--workers, --dask, --dask-local, --dask-timeout), --resume,
    --chunk-size and --quiet: shared by `sweep` and `calibrate`."""
    p.add_argument("--out", required=True, help="results directory")
    p.add_argument(
        "--workers", type=local_workers(), default=1, help="local worker processes (1: serial)"
    )
    p.add_argument(
        "--dask",
        type=scheduler_address,
        metavar="ADDRESS",
        help="Dask scheduler, e.g. tcp://host:8786",
    )
    p.add_argument(
        "--dask-local", type=local_workers(), metavar="N", help="start a LocalCluster of N workers"
    )
    p.add_argument(
        "--dask-timeout",
        type=seconds,
        default=60.0,
        metavar="SECONDS",
        help="how long to wait for the scheduler and a first worker (default 60)",
    )
    p.add_argument("--resume", action="store_true", help="finish a sweep already in --out")
    p.add_argument(
        "--chunk-size", type=positive, help="runs per chunk (default: adaptive, ~2 s a chunk)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
