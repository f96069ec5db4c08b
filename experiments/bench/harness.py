"""The benchmark's sections, run in order, each timed and annotated with the machine's load.

Every figure is a median over repeats; the machine, the load at each section's start and end, and
the settings are stored beside the figures, because a figure means little without them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from experiments.bench import market, negotiation, sweeps
from experiments.bench.common import SECTIONS, Settings, load_average, machine
from experiments.bench.report import goals

RUNNERS: dict[str, Callable[[Settings], dict[str, Any]]] = {
    "baseline": market.bench_baseline,
    "load": market.bench_load,
    "scale": market.bench_scale,
    "floor": market.bench_floor,
    "negotiation": negotiation.bench_negotiation,
    "sweep": sweeps.bench_sweeps,
    "memory": sweeps.bench_memory,
}


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
    results: dict[str, Any] = {k: v for k, v in (earlier or {}).items() if k in SECTIONS}
    runs = {k: v for k, v in (earlier or {}).get("runs", {}).items() if k in results}
    for name in SECTIONS:
        if name in only:
            if progress:
                progress(name)
            started, before = dt.datetime.now(), load_average()[:1]
            results[name] = RUNNERS[name](settings)
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
