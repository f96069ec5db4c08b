"""`gpu-alloc bench`: speed and scale of the model, mechanisms, negotiation and sweeps, side by side
with peers (a numpy floor, NegMAS, Mesa's batch_run), in one command (issue 5).

Prints a table, writes every figure as JSON (`--out`, default bench.json) and optionally the
Markdown snippet the README includes (`--markdown`). Figures are medians over `--repeats`.
`--quick` shrinks every section to seconds: it tests the harness, not the speed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from experiments.bench_common import Settings, load_average, machine
from experiments.cli import positive

SECTIONS = ("baseline", "scale", "floor", "negotiation", "sweep", "memory")


RUNNERS = {
    "baseline": "experiments.bench_model:bench_baseline",
    "scale": "experiments.bench_model:bench_scale",
    "floor": "experiments.bench_model:bench_floor",
    "negotiation": "experiments.bench_negmas:bench_negotiation",
    "sweep": "experiments.bench_sweep:bench_sweeps",
    "memory": "experiments.bench_sweep:bench_memory",
}


def runner(section: str) -> Callable[[Settings], dict[str, Any]]:
    """A section's function, imported only when it runs (sweeps need the sweep extra)."""
    module, name = RUNNERS[section].split(":")
    return getattr(importlib.import_module(module), name)


def run_bench(
    settings: Settings,
    only: tuple[str, ...] = SECTIONS,
    progress: Callable[[str], None] | None = None,
    earlier: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run the chosen sections in order; returns every figure, the machine, the goals, and for
    each section when it ran, for how long, under what load and with which settings.

    With `earlier` results, the sections not run now are kept from them (a shared machine is
    rarely quiet for the whole benchmark: a disturbed section can be measured again alone).
    """
    from experiments.bench_report import goals

    results: dict[str, Any] = {k: v for k, v in (earlier or {}).items() if k in SECTIONS}
    runs = {k: v for k, v in (earlier or {}).get("runs", {}).items() if k in results}
    for name in SECTIONS:
        if name in only:
            if progress:
                progress(name)
            started, before = dt.datetime.now(), load_average()[:1]
            results[name] = runner(name)(settings)
            runs[name] = {
                "date": started.isoformat(timespec="seconds"),
                "seconds": round((dt.datetime.now() - started).total_seconds(), 1),
                "load": before + load_average()[:1],  # 1-minute load average, start and end
                "repeats": settings.repeats,
                "quick": settings.quick,
                "big": settings.big,
                "workers": settings.workers,
            }
    results["runs"] = {name: runs[name] for name in SECTIONS if name in runs}
    results["machine"] = machine()
    results["goals"] = goals(results)
    return results


def parse_only(text: str | None) -> tuple[str, ...]:
    from experiments.cli import UsageError

    if not text:
        return SECTIONS
    chosen = tuple(s.strip() for s in text.split(",") if s.strip())
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown or not chosen:
        raise UsageError(f"--only: {', '.join(unknown) or text!r} not among: {', '.join(SECTIONS)}")
    return chosen


def cmd_bench(args: argparse.Namespace) -> int:
    import sys

    from experiments.bench_report import render_markdown, render_text
    from experiments.cli import UsageError

    only = parse_only(args.only)
    repeats = args.repeats or (1 if args.quick else 5)
    settings = Settings(quick=args.quick, repeats=repeats, workers=args.workers, big=args.big)

    def progress(name: str) -> None:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)

    out = Path(args.out)
    earlier = None
    if args.update and out.exists():
        try:
            earlier = json.loads(out.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise UsageError(f"--update: {out} is not JSON: {exc}") from None
    results = run_bench(settings, only, progress, earlier)
    print(render_text(results))
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {out}")
    if args.markdown:
        Path(args.markdown).write_text(render_markdown(results), encoding="utf-8")
        print(f"wrote {args.markdown}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `bench` to the `gpu-alloc` command line."""
    p = sub.add_parser(
        "bench",
        help="benchmarks: model, mechanisms, negotiation, sweeps (issue 5)",
        description="Time the model, the mechanisms against a numpy floor, the "
        "negotiation engine against NegMAS and sweeps against mesa.batch_run; print "
        "a table and write JSON. About 10 minutes on 2 cores (--big: 3 more).",
    )
    p.add_argument(
        "--quick", action="store_true", help="tiny sizes, one repeat (tests the harness)"
    )
    p.add_argument(
        "--repeats", type=positive, help="repeats per figure, medians reported (default 5)"
    )
    p.add_argument("--only", metavar="SECTIONS", help=f"comma-separated: {', '.join(SECTIONS)}")
    p.add_argument("--workers", type=positive, default=2, help="workers for the sweeps (default 2)")
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
