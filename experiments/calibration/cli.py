"""`gpu-alloc calibrate SPEC --out DIR`: a sweep whose runs keep the record's simulated values,
then history matching per configuration (registered into the CLI by `experiments.cli`).

Exit codes as `gpu-alloc sweep`: 0 every run ok, 1 some runs failed (they are in runs.parquet
and left out of the matching), 2 bad input (one line on stderr, before any run), 130 and 143
interrupted (finish with --resume).
"""

from __future__ import annotations

import argparse
import sys

from experiments.cli_common import out_folder, whole
from experiments.sweeps.cli import (
    SOME_FAILED,
    add_run_options,
    builtin_specs,
    executor_options,
    print_summary,
)

MAX_SEEDS = 1_000


def cmd_calibrate(args: argparse.Namespace) -> int:
    from experiments.calibration.run import CalibrationResult, run_calibration
    from experiments.sweeps.errors import SweepInterrupted

    try:
        result: CalibrationResult = run_calibration(
            args.spec, out_folder(args.out), seeds=args.seeds, **executor_options(args)
        )
    except SweepInterrupted as exc:
        print(f"gpu-alloc: {exc}", file=sys.stderr)
        return exc.exit_code
    for wave in result.waves:
        print_summary(wave.sweep.summary, wave.sweep.out)
        print(
            f"calibrate {wave.spec.name}: {wave.kept:,} of {len(wave.table):,} configurations "
            f"kept (largest implausibility <= {wave.cutoff:g})"
        )
        print("  wrote " + ", ".join(str(p) for p in wave.written[:2]) + " and the PNGs")
    if result.stopped:
        print(f"  {result.stopped}")
    return SOME_FAILED if result.failed else 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `calibrate` to the `gpu-alloc` command line."""
    p = sub.add_parser(
        "calibrate",
        help="history matching against the record: a sweep spec with a [calibrate] table",
        description="Run every run of SPEC (a sweep spec with a [calibrate] table; built-in: "
        f"{', '.join(builtin_specs())}), keep each record point's simulated value, and rule "
        "each configuration in or out by its largest implausibility. Writes the sweep, "
        "plausible.parquet and report/ to --out (and wave2/, ... with waves = N).",
    )
    p.add_argument("spec", help="spec file or built-in spec name")
    add_run_options(p)
    p.add_argument(
        "--seeds",
        type=whole(1, MAX_SEEDS),
        help="seeds per configuration (default: the spec's seeds or replications)",
    )
    p.set_defaults(func=cmd_calibrate)
