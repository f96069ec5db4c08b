"""Benchmarks of the model itself: one baseline run per mechanism, seconds per week as buyers grow,
and the allocate phase at 10,000 buyers against the plain-numpy floor (`experiments.bench.floor`).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from experiments.bench.common import Settings, median_seconds
from experiments.bench.floor import FLOORS
from model import mechanisms
from model.market import GpuMarket
from model.market.week import Week
from model.scenario import load_scenario

SIZES = (10, 100, 1_000, 10_000)
LOAD_SIZES = (2_000, 20_000)
SCALE_MECHANISMS = ("proportional", "negotiation")
FLOOR_BUYERS = 10_000


def bench_baseline(s: Settings) -> dict[str, Any]:
    """Section 1: a whole `baseline` run (build and every week) per registered mechanism."""
    weeks = 8 if s.quick else GpuMarket("baseline").weeks
    rows = []
    for name in mechanisms.mechanism_names():

        def run(name: str = name) -> None:
            GpuMarket("baseline", overrides={"market.mechanism": name}, steps=weeks).run()

        seconds = median_seconds(run, s.repeats)
        rows.append({"mechanism": name, "s_per_run": seconds, "weeks_per_s": weeks / seconds})
    return {"scenario": "baseline", "weeks": weeks, "rows": rows}


def bench_load(s: Settings) -> dict[str, Any]:
    """Section 1b: reading and checking a scenario file of N firms; ten times the firms should
    take about ten times as long (the duplicate-name check was once quadratic: 37 s at 20,000)."""
    sizes = (200, 2_000) if s.quick else LOAD_SIZES
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for n in sizes:
            path = Path(folder) / f"firms-{n}.toml"
            path.write_text("".join(f'[[firms]]\nname = "F{i}"\n' for i in range(n)), "utf-8")
            seconds = median_seconds(lambda path=path: load_scenario(path), s.repeats)
            rows.append({"firms": n, "seconds": seconds})
    return {"rows": rows, "growth": rows[-1]["seconds"] / rows[-2]["seconds"]}


def week_seconds(buyers: int, mechanism: str, weeks: int) -> tuple[float, int]:
    """Seconds per simulated week of `long-tail` with `buyers` small buyers (building not timed)."""
    m = GpuMarket(
        "long-tail",
        steps=weeks,
        overrides={"long_tail.count": buyers, "market.mechanism": mechanism},
    )
    start = time.perf_counter()
    m.run()
    return (time.perf_counter() - start) / weeks, m.buyers.n


def bench_scale(s: Settings) -> dict[str, Any]:
    """Section 2: seconds per week against the number of buyers, and the growth 1,000 -> 10,000."""
    sizes = SIZES[:2] if s.quick else SIZES
    weeks = 4 if s.quick else 52
    week_seconds(sizes[0], "proportional", 2)  # imports and first-call costs, untimed
    rows, growth = [], {}
    for mechanism in SCALE_MECHANISMS:
        per_size = {}
        for n in sizes:
            runs = [week_seconds(n, mechanism, weeks) for _ in range(s.repeats)]
            per_size[n] = float(np.median([r[0] for r in runs]))
            rows.append(
                {
                    "mechanism": mechanism,
                    "buyers": n,
                    "total_buyers": runs[0][1],
                    "s_per_week": per_size[n],
                }
            )
        growth[mechanism] = per_size[sizes[-1]] / per_size[sizes[-2]]
    return {
        "scenario": "long-tail",
        "weeks": weeks,
        "sizes": list(sizes),
        "growth_from": sizes[-2],
        "growth_to": sizes[-1],
        "growth": growth,
        "rows": rows,
    }


def call_seconds(fn: Any, repeats: int, budget: float = 0.05) -> float:
    """Median seconds per call of a fast `fn`, timed in batches of about `budget` seconds."""
    start, calls = time.perf_counter(), 0
    while time.perf_counter() - start < budget:
        fn()
        calls += 1
    per_batch = max(1, calls)

    def batch() -> None:
        for _ in range(per_batch):
            fn()

    return median_seconds(batch, repeats, warmup=0) / per_batch


def market_week(buyers: int, mechanism: str, weeks: int = 10) -> GpuMarket:
    """A `long-tail` market some weeks in, so orders, capacity and context are the model's own."""
    return GpuMarket(
        "long-tail",
        steps=weeks + 1,
        overrides={"long_tail.count": buyers, "market.mechanism": mechanism},
    ).run(weeks)


def floor_row(name: str, buyers: int, repeats: int) -> dict[str, Any]:
    """One rule at the model's own orders: floor, mechanism call and the supplier's whole phase."""
    floor = FLOORS[name]
    m = market_week(buyers, name)
    q, k = m.buyers.ordered.copy(), int(m.supplier.available)
    ctx = m.context(Week(m.week, price=m.quote_price()))
    floor_s = call_seconds(lambda: floor(q, k), repeats)
    mech_s = call_seconds(lambda: mechanisms.allocate(name, q, k, ctx), repeats)
    phase_s = call_seconds(lambda: m.supplier.allocate(q, ctx), repeats)
    return {
        "mechanism": name,
        "buyers": int(q.size),
        "binding": int(q.sum()) > k,
        "floor_s": floor_s,
        "mechanism_s": mech_s,
        "phase_s": phase_s,
        "ratio": mech_s / floor_s,
        "phase_ratio": phase_s / floor_s,
        "equal": bool(np.array_equal(floor(q, k), mechanisms.allocate(name, q, k, ctx).units)),
    }


def bench_floor(s: Settings) -> dict[str, Any]:
    """Section 3: the mechanism call and the whole allocate phase against the numpy floor."""
    buyers = 1_000 if s.quick else FLOOR_BUYERS
    return {"buyers": buyers, "rows": [floor_row(n, buyers, max(3, s.repeats)) for n in FLOORS]}
