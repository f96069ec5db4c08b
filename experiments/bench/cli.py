"""`gpu-alloc bench`: speed and scale of the model, mechanisms, negotiation and sweeps, side by side
with peers (a numpy floor, NegMAS, Mesa's batch_run), in one command.

Prints a table, writes every figure as JSON (`--out`, default bench.json) and optionally the
Markdown snippet the README includes (`--markdown`). Figures are medians over `--repeats`.
`--quick` shrinks every section to seconds: it tests the harness, not the speed.
"""

from __future__ import annotations

import argparse
import json
import sys

from experiments.bench.common import SECTIONS
from experiments.cli_common import UsageError, local_workers, out_file, whole

MAX_REPEATS = 100


def parse_only(text: str | None) -> tuple[str, ...]:
    """`--only`: the chosen sections, in the order given; all of them by default."""
    if not text:
        return SECTIONS
    chosen = tuple(s.strip() for s in text.split(",") if s.strip())
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown or not chosen:
        raise UsageError(f"--only: {', '.join(unknown) or text!r} not among: {', '.join(SECTIONS)}")
    return chosen


def cmd_bench(args: argparse.Namespace) -> int:
    from experiments.bench.common import Settings
    from experiments.bench.harness import run_bench
    from experiments.bench.report import render_markdown, render_text

    only = parse_only(args.only)
    out = out_file(args.out, "--out")
    markdown = out_file(args.markdown, "--markdown") if args.markdown else None
    repeats = args.repeats or (1 if args.quick else 5)
    settings = Settings(quick=args.quick, repeats=repeats, workers=args.workers, big=args.big)

    def progress(name: str) -> None:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)

    earlier = None
    if args.update and out.exists():
        try:
            earlier = json.loads(out.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UsageError(f"--update: {out} is not JSON: {exc}") from None
        if not isinstance(earlier, dict):
            raise UsageError(f"--update: {out} does not hold benchmark results")
    results = run_bench(settings, only, progress, earlier)
    print(render_text(results))
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {out}")
    if markdown is not None:
        markdown.write_text(render_markdown(results), encoding="utf-8")
        print(f"wrote {markdown}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `bench` to the `gpu-alloc` command line."""
    p = sub.add_parser(
        "bench",
        help="benchmarks: model, mechanisms, negotiation, sweeps",
        description="Time the model, the mechanisms against a numpy floor, the "
        "negotiation engine against NegMAS and sweeps against mesa.batch_run; print "
        "a table and write JSON. About 10 minutes on 2 cores (--big: 3 more).",
    )
    p.add_argument(
        "--quick", action="store_true", help="tiny sizes, one repeat (tests the harness)"
    )
    p.add_argument(
        "--repeats",
        type=whole(1, MAX_REPEATS),
        help="repeats per figure, medians reported (default 5)",
    )
    p.add_argument("--only", metavar="SECTIONS", help=f"comma-separated: {', '.join(SECTIONS)}")
    p.add_argument(
        "--workers", type=local_workers(), default=2, help="workers for the sweeps (default 2)"
    )
    p.add_argument(
        "--big",
        action="store_true",
        help="memory section over a 100,000-run sweep (minutes) instead of 10,000",
    )
    p.add_argument(
        "--out", default="bench.json", help="JSON file for every figure (default bench.json)"
    )
    p.add_argument(
        "--update",
        action="store_true",
        help="keep the other sections' figures from the existing --out file",
    )
    p.add_argument(
        "--markdown", metavar="PATH", help="also write the figures as a Markdown snippet"
    )
    p.set_defaults(func=cmd_bench)
