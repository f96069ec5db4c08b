"""The design table: every run of a sweep, in a fixed order, with a deterministic run id.

A run id is a hash of the full scenario (after the spec's fixed overrides), the run's own
overrides, the number of weeks and the seed: the same run always gets the same id, so a resumed
sweep recognises what is already on disk and a changed scenario never reuses stale results.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from typing import Any

import numpy as np
import pandas as pd

from experiments.sweeps.params import expand_paths
from experiments.sweeps.spec import Spec
from model.params import ScenarioError
from model.scenario import to_raw

DESIGN_COLUMNS = ("run_index", "run_id", "config", "sample", "seed")


def sobol_problem(spec: Spec) -> dict[str, Any]:
    """The SALib problem of a Sobol spec (integers are sampled on [low, high + 1) then floored)."""
    bounds = [
        [lo, hi + 1] if p in spec.integer else [lo, hi] for p, (lo, hi) in spec.ranges.items()
    ]
    return {"num_vars": len(spec.ranges), "names": list(spec.ranges), "bounds": bounds}


def sample_points(spec: Spec) -> list[dict[str, Any]]:
    """The sampled parameter points (Latin hypercube or Saltelli/Sobol), or one empty point."""
    if not spec.ranges:
        return [{}]
    names = list(spec.ranges)
    if spec.sampler == "sobol":
        try:
            from SALib.sample import sobol
        except ImportError:
            raise ScenarioError(
                f"{spec.where}: sample.method: 'sobol' needs SALib (pip install SALib)"
            ) from None
        raw = sobol.sample(
            sobol_problem(spec), spec.samples, calc_second_order=False, seed=spec.seed
        )
    else:
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng(spec.seed)).random(
            spec.samples
        )
        raw = np.empty_like(unit)
        for j, p in enumerate(names):
            lo, hi = spec.ranges[p]
            raw[:, j] = lo + unit[:, j] * ((hi + 1 - lo) if p in spec.integer else (hi - lo))
    points = []
    for row in raw:
        point = {}
        for p, v in zip(names, row, strict=True):
            lo, hi = spec.ranges[p]
            point[p] = int(min(hi, math.floor(v))) if p in spec.integer else float(v)
        points.append(point)
    return points


def _digest(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def design_table(spec: Spec) -> pd.DataFrame:
    """One row per run: run_index, run_id, config, sample, seed, the swept parameters, overrides."""
    base = _digest({"scenario": to_raw(spec.scenario), "steps": spec.steps})
    grid_points = [
        dict(zip(spec.grid, values, strict=True))
        for values in itertools.product(*spec.grid.values())
    ]
    samples = sample_points(spec)
    firms = [f.name for f in spec.scenario.firms]
    rows, seen = [], set()
    for config, (g, (s, point)) in enumerate(itertools.product(grid_points, enumerate(samples))):
        overrides = {**g, **point}
        text = json.dumps(expand_paths(overrides, firms), sort_keys=True)
        for seed in spec.seeds:
            run_id = _digest([base, text, seed])[:16]
            k = 1
            while run_id in seen:  # an identical point drawn twice keeps both rows
                run_id = f"{_digest([base, text, seed])[:16]}-{k}"
                k += 1
            seen.add(run_id)
            rows.append(
                {
                    "run_index": len(rows),
                    "run_id": run_id,
                    "config": config,
                    "sample": s,
                    "seed": seed,
                    **_display(overrides),
                    "overrides": text,
                }
            )
    table = pd.DataFrame(rows)
    for col in ("run_index", "config", "sample", "seed"):
        table[col] = table[col].astype("int64")
    return table


def _display(overrides: dict[str, Any]) -> dict[str, Any]:
    """Parameter values as table cells (lists, e.g. a priority order, become JSON text)."""
    return {k: json.dumps(v) if isinstance(v, list | tuple) else v for k, v in overrides.items()}
