"""`gpu-alloc record`: run a scenario over several seeds and score it against the record.

The record is `model/data/record.csv` (or `--record PATH`); `model.record` does the scoring.
`register(sub)` adds the subcommand to the `gpu-alloc` command line; `record_table` gives Python
users the same result. Exit codes: 0 on success, 2 on bad input (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from experiments.cli_common import whole
from experiments.runner import MAX_SEED, parse_overrides
from model.market.scoring import MAX_SEEDS, record_table
from model.record import HEADER, RecordScore, number, table_row
from model.scenario import load_scenario


def print_table(result: RecordScore, seeds: str) -> None:
    """The points as an aligned table, then the totals on one last line."""
    rows = [HEADER, *(table_row(p) for p in result.points)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    print(
        f"inside {result.inside}/{result.total}, score {number(result.score, 1)}, "
        f"mean distance {number(result.mean_distance, 1)} "
        f"({result.runs} runs, {seeds}; claims not scored)"
    )


def as_json(result: RecordScore) -> dict[str, Any]:
    """The result as plain JSON data: NaN and infinity (not JSON) become null."""

    def clean(v: Any) -> Any:
        return None if isinstance(v, float) and not math.isfinite(v) else v

    points = [{k: clean(v) for k, v in p.as_dict().items()} for p in result.points]
    return {
        "points": points,
        "inside": result.inside,
        "total": result.total,
        "score": clean(result.score),
        "mean_distance": clean(result.mean_distance),
        "runs": result.runs,
    }


def cmd_record(args: argparse.Namespace) -> int:
    config = load_scenario(args.scenario, parse_overrides(args.set))
    first = config.seed if args.seed is None else args.seed
    result = record_table(config, args.seeds, seed=first, record=args.record)
    if args.json:
        print(json.dumps(as_json(result)))
    else:
        last = first + args.seeds - 1
        print_table(result, f"seeds {first}-{last}" if last > first else f"seed {first}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `record` to the `gpu-alloc` command line."""
    p = sub.add_parser(
        "record",
        help="score a scenario against the reported record (model/data/record.csv)",
        description="Run SCENARIO over --seeds seeds and compare each reported data point "
        "with the runs: simulated mean and range, inside the reported range or not, and the "
        "distance in units of that range. Claims are shown but not scored.",
    )
    p.add_argument("--scenario", required=True, help="built-in name or path to a TOML file")
    p.add_argument(
        "--seeds",
        type=whole(1, MAX_SEEDS),
        default=5,
        help=f"runs, seeds SEED, SEED+1, ... (default 5, at most {MAX_SEEDS})",
    )
    p.add_argument(
        "--seed",
        type=whole(0, MAX_SEED),
        help="first seed, 0 to 2**63-1 (default: the scenario's)",
    )
    p.add_argument(
        "--set", action="append", metavar="KEY=VALUE", help="override a parameter (repeatable)"
    )
    p.add_argument(
        "--record", metavar="PATH", help="a record CSV (default: the shipped record.csv)"
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_record)
