"""`gpu-alloc`: the command line. Commands and output columns are a contract outside tools rely on.

`scenarios`, `run`, `allocate` and `negotiate` live here; `record`, `sweep`, `report`, `calibrate`,
`bench` and `app` register themselves from their modules. Exit codes: 0 on success, 2 on bad input
(one line on stderr, no traceback, nothing started).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from experiments import runner
from experiments.app_cli import register as register_app
from experiments.bench.cli import register as register_bench
from experiments.calibration.cli import register as register_calibrate
from experiments.cli_common import (
    BAD_INPUT,
    Parser,
    UsageError,
    out_folder,
    positive,
    whole,
)
from experiments.record_cli import register as register_record
from experiments.sweeps.cli import register as register_sweeps
from model import mechanisms
from model.market import GpuMarket
from model.negotiation import price_negotiation
from model.params import ScenarioError
from model.records import MechanismContext
from model.scenario import load_scenario, scenario_names

# Bounds of the negotiation demo, so that the largest accepted problem takes well under a second:
# the engine's work grows with rounds x prices (measured: 10,000 rounds over 0..100,000 ~0.1 s).
# Agreements come within ~60 rounds at the default 100, and prices up to $100,000 a unit fit.
MAX_ROUNDS = 10_000
MAX_PRICE = 100_000


def cmd_scenarios(args: argparse.Namespace) -> int:
    for name in scenario_names():
        print(f"{name:14s} {load_scenario(name).description}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    if args.format not in runner.FORMATS:
        raise UsageError(f"--format: {args.format!r} is not one of: {', '.join(runner.FORMATS)}")
    out = out_folder(args.out)
    earlier = runner.existing_tables(out)
    if earlier and not args.force:
        names = ", ".join(p.name for p in earlier)
        raise UsageError(
            f"--out {out}: already holds the tables of a run ({names}); "
            "add --force to overwrite them, or choose another folder"
        )
    report = report_file(args.report, out, args.format, args.force) if args.report else None
    overrides = runner.parse_overrides(args.set)
    scenario = load_scenario(args.scenario, overrides)
    limit = runner.max_weeks(scenario)
    if args.steps is not None and args.steps > limit:
        raise UsageError(f"--steps: at most {limit:,} weeks, got {args.steps:,}")
    m = runner.run_scenario(scenario, seed=args.seed, steps=args.steps)
    paths = runner.write_tables(m.tables(), out, args.format)
    if report is not None:
        paths.append(write_run_report(m, report, overrides))
    print_run(m, runner.summary(m), paths)
    return 0


def report_file(text: str, out: Path, fmt: str, force: bool) -> Path:
    """`--report FILE.html`, checked before the run: not a folder, in a folder that exists or can
    be made, not one of the tables, not an earlier file unless --force; and matplotlib at hand."""
    path = Path(text)
    if path.is_dir():
        raise UsageError(f"--report {text}: is a folder; give a file name, e.g. {out}/report.html")
    out_folder(str(path.parent), "--report")
    if path.absolute() in {(out / f"{t}.{fmt}").absolute() for t in runner.TABLES}:
        raise UsageError(f"--report {text}: is one of the tables this run writes")
    if path.exists() and not force:
        raise UsageError(f"--report {text}: already exists; add --force to overwrite it")
    try:
        import server.reporting  # noqa: F401 - matplotlib draws the charts
    except ImportError as exc:
        raise UsageError(
            f"--report needs matplotlib ({exc}); pip install 'gpu-allocation-sim[app]'"
        ) from None
    return path


def write_run_report(m: GpuMarket, path: Path, overrides: dict[str, Any]) -> Path:
    """The printable HTML report of the finished run; a failed write is reported like a table's."""
    from server.reporting import write_report

    try:
        return write_report(m, path, overrides)
    except OSError as exc:
        raise UsageError(f"--report {path}: cannot write it: {exc}") from None


def print_run(m: GpuMarket, s: dict[str, Any], paths: list[Path]) -> None:
    """The run's summary: what ran, the headline figures, and the files written."""
    config = m.config
    print(
        f"{config.name}: {s['weeks']} weeks from {config.start_date}, seed {m.seed}, "
        f"mechanism {config.market.mechanism}, owner policy {config.owner.policy}"
    )
    print(
        f"  produced {s['produced']:,}  allocated {s['allocated']:,}  "
        f"redirected {s['redirected']:,}"
    )
    print(
        f"  friction {s['friction']:.1f}  order inflation {s['mean_order_inflation']:.3f}  "
        f"Jain (fill) {s['mean_jain_fill']:.3f}  welfare ${s['welfare_busd']:.1f}B"
    )
    print("  wrote " + ", ".join(str(p) for p in paths))


def int_list(text: str, flag: str) -> np.ndarray:
    """Comma-separated whole numbers in [0, MAX_UNITS], the mechanisms' bound on units."""
    try:
        values = [int(v) for v in text.split(",") if v.strip() != ""]
    except ValueError:
        raise UsageError(f"{flag}: expected comma-separated whole numbers, got {text!r}") from None
    if any(not 0 <= v <= mechanisms.MAX_UNITS for v in values):
        raise UsageError(f"{flag}: values must lie in [0, {mechanisms.MAX_UNITS:,}], got {text!r}")
    return np.asarray(values, dtype=np.int64)


def cmd_allocate(args: argparse.Namespace) -> int:
    orders = int_list(args.orders, "--orders")
    extra = {}
    for flag, key in (("needs", "needs"), ("past", "past"), ("tiers", "tiers")):
        text = getattr(args, flag)
        if text is not None:
            values = int_list(text, f"--{flag}")
            if len(values) != len(orders):
                raise UsageError(f"--{flag}: {len(values)} values for {len(orders)} orders")
            extra[key] = values
    ctx = MechanismContext.neutral(len(orders), **extra)
    try:
        alloc = mechanisms.allocate(args.mechanism, orders, args.capacity, ctx)
    except ValueError as exc:
        raise UsageError(f"--mechanism: {exc}") from None
    units = [int(u) for u in alloc.units]
    if args.json:
        print(json.dumps({"allocation": units}))
    else:
        print(f"{args.mechanism}: capacity {args.capacity}, orders {orders.tolist()}")
        print(f"allocation {units} (total {sum(units)})")
    return 0


def cmd_negotiate(args: argparse.Namespace) -> int:
    if args.price_min >= args.price_max:
        raise UsageError(f"--price-min {args.price_min} must be below --price-max {args.price_max}")
    try:
        result = price_negotiation(
            args.seller, args.buyer, args.rounds, args.price_min, args.price_max, args.first
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    agreement = None if result.agreement is None else int(result.agreement)
    if args.json:  # step as NegMAS counts it: rounds completed when the negotiation ends
        print(json.dumps({"agreement": agreement, "step": result.step}))
    elif agreement is None:
        print(f"no agreement after {args.rounds} round{'' if args.rounds == 1 else 's'}")
    else:
        print(f"agreed on price {agreement} at step {result.step}")
    return 0


def add_run(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run a scenario and write the model, firms and events tables")
    p.add_argument("--scenario", default="baseline", help="built-in name or path to a TOML file")
    p.add_argument("--steps", type=positive, help="weeks to simulate (default: the scenario's)")
    p.add_argument(
        "--seed",
        type=whole(0, runner.MAX_SEED),
        help="random seed, 0 to 2**63-1 (default: the scenario's)",
    )
    p.add_argument(
        "--set", action="append", metavar="KEY=VALUE", help="override a parameter (repeatable)"
    )
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--format", default="csv", help="csv or parquet")
    p.add_argument("--force", action="store_true", help="overwrite the tables of an earlier run")
    p.add_argument(
        "--report",
        metavar="FILE.html",
        help="also write a printable, self-contained HTML report of the run (e.g. OUT/report.html)",
    )
    p.set_defaults(func=cmd_run)


def add_allocate(sub: argparse._SubParsersAction) -> None:
    units = whole(0, mechanisms.MAX_UNITS)
    p = sub.add_parser("allocate", help="apply one allocation mechanism once")
    p.add_argument("--mechanism", required=True, help=", ".join(mechanisms.mechanism_names()))
    p.add_argument("--capacity", type=units, required=True)
    p.add_argument("--orders", required=True, help="q1,q2,...")
    p.add_argument("--needs", help="true needs d1,d2,...")
    p.add_argument("--past", help="past purchases (turn_and_earn)")
    p.add_argument("--tiers", help="tiers, 0 first (priority)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_allocate)


def add_negotiate(sub: argparse._SubParsersAction) -> None:
    price = whole(0, MAX_PRICE)
    p = sub.add_parser("negotiate", help="one bilateral price negotiation")
    p.add_argument("--seller", required=True, help="boulware, linear or conceder")
    p.add_argument("--buyer", required=True, help="boulware, linear or conceder")
    p.add_argument("--rounds", type=whole(1, MAX_ROUNDS), default=100)
    p.add_argument("--price-min", type=price, default=0)
    p.add_argument("--price-max", type=price, default=100)
    p.add_argument("--first", choices=("seller", "buyer"), default="seller")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_negotiate)


def build_parser() -> Parser:
    parser = Parser(
        prog="gpu-alloc", description="Scarce GPU supply: allocation, negotiation, friction."
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    sub.add_parser("scenarios", help="list the built-in scenarios").set_defaults(func=cmd_scenarios)
    for add in (
        add_run,
        add_allocate,
        add_negotiate,
        register_record,
        register_sweeps,
        register_calibrate,
        register_bench,
        register_app,
    ):
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `gpu-alloc` console script."""
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)
    except (UsageError, ScenarioError) as exc:
        print(f"gpu-alloc: error: {exc}", file=sys.stderr)
        return BAD_INPUT
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    except KeyboardInterrupt:
        print("gpu-alloc: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
