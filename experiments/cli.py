"""`gpu-alloc`: the command line. Commands and output columns are a contract outside tools rely on.

Exit codes: 0 on success, 2 on bad input (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from experiments import runner
from model import mechanisms
from model.negotiation import price_negotiation
from model.params import ScenarioError
from model.records import MechanismContext
from model.scenario import load_scenario, scenario_names

BAD_INPUT = 2


class UsageError(Exception):
    """Bad command-line input: reported in one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but errors are one line and raise instead of printing usage."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def cmd_scenarios(args: argparse.Namespace) -> int:
    for name in scenario_names():
        print(f"{name:14s} {load_scenario(name).description}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    overrides = runner.parse_overrides(args.set)
    if args.format not in runner.FORMATS:
        raise UsageError(f"--format: {args.format!r} is not one of: {', '.join(runner.FORMATS)}")
    m = runner.run_scenario(args.scenario, seed=args.seed, steps=args.steps, overrides=overrides)
    paths = runner.write_tables(m.tables(), Path(args.out), args.format)
    s = runner.summary(m)
    print(
        f"{m.config.name}: {s['weeks']} weeks from {m.config.start_date}, seed {m.seed}, "
        f"mechanism {m.config.market.mechanism}, owner policy {m.config.owner.policy}"
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
    return 0


def int_list(text: str, flag: str) -> np.ndarray:
    try:
        values = [int(v) for v in text.split(",") if v.strip() != ""]
    except ValueError:
        raise UsageError(f"{flag}: expected comma-separated whole numbers, got {text!r}") from None
    if any(v < 0 for v in values):
        raise UsageError(f"{flag}: values must be >= 0, got {text!r}")
    return np.asarray(values, dtype=np.int64)


def cmd_allocate(args: argparse.Namespace) -> int:
    orders = int_list(args.orders, "--orders")
    if args.capacity < 0:
        raise UsageError(f"--capacity: must be >= 0, got {args.capacity}")
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
    try:
        result = price_negotiation(
            args.seller, args.buyer, args.rounds, args.price_min, args.price_max, args.first
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    agreement = None if result.agreement is None else int(result.agreement)
    if args.json:
        print(
            json.dumps(
                {"agreement": agreement, "step": result.step if agreement is not None else None}
            )
        )
    elif agreement is None:
        print(f"no agreement after {args.rounds} rounds")
    else:
        print(f"agreed on price {agreement} at step {result.step}")
    return 0


def positive(text: str) -> int:
    """argparse type: a whole number >= 1 (argparse names it in its error message)."""
    value = int(text)
    if value < 1:
        raise ValueError
    return value


positive.__name__ = "positive integer"


def build_parser() -> Parser:
    parser = Parser(
        prog="gpu-alloc", description="Scarce GPU supply: allocation, negotiation, friction."
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    sub.add_parser("scenarios", help="list the built-in scenarios").set_defaults(func=cmd_scenarios)

    p = sub.add_parser("run", help="run a scenario and write the model, firms and events tables")
    p.add_argument("--scenario", default="baseline", help="built-in name or path to a TOML file")
    p.add_argument("--steps", type=positive, help="weeks to simulate (default: the scenario's)")
    p.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    p.add_argument(
        "--set", action="append", metavar="KEY=VALUE", help="override a parameter (repeatable)"
    )
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--format", default="csv", help="csv or parquet")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("allocate", help="apply one allocation mechanism once")
    p.add_argument("--mechanism", required=True, help=", ".join(mechanisms.mechanism_names()))
    p.add_argument("--capacity", type=int, required=True)
    p.add_argument("--orders", required=True, help="q1,q2,...")
    p.add_argument("--needs", help="true needs d1,d2,...")
    p.add_argument("--past", help="past purchases (turn_and_earn)")
    p.add_argument("--tiers", help="tiers, 0 first (priority)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_allocate)

    p = sub.add_parser("negotiate", help="one bilateral price negotiation")
    p.add_argument("--seller", required=True, help="boulware, linear or conceder")
    p.add_argument("--buyer", required=True, help="boulware, linear or conceder")
    p.add_argument("--rounds", type=positive, default=100)
    p.add_argument("--price-min", type=int, default=0)
    p.add_argument("--price-max", type=int, default=100)
    p.add_argument("--first", choices=("seller", "buyer"), default="seller")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_negotiate)

    for register in extra_commands():
        register(sub)
    return parser


def extra_commands() -> list[Callable[[argparse._SubParsersAction], None]]:
    """Commands defined next to their implementation (sweeps, reports, benchmarks)."""
    found = []
    for module in ("experiments.sweep_cli", "experiments.bench"):
        try:
            found.append(__import__(module, fromlist=["register"]).register)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    return found


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
