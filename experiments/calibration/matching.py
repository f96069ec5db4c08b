"""History matching over a finished calibration sweep: one row per configuration, kept or ruled
out by its largest implausibility over the scored record points.

A configuration's runs are its seeds. For each scored point, the simulated mean and run-to-run
variance (ddof=1, 0 for one seed) over its ok runs give `model.record.implausibility`
|observed - mean| / sqrt(obs_var + run_var); the configuration is kept when the largest of these is
at most the cutoff. A point outside the runs' weeks (NaN) is not scored for that configuration;
a configuration with no ok run, or nothing scored, is ruled out. Pure functions of the runs table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from experiments.sweeps.keep import RECORD_PREFIX
from model.record import Point, implausibility

I_PREFIX = "implausibility."
COLUMNS = (
    "runs_ok",
    "runs_failed",
    "max_implausibility",
    "worst_point",
    "points_inside",
    "points_scored",
    "kept",
)


def point_implausibility(point: Point, simulated: np.ndarray) -> float:
    """The implausibility of one configuration at `point`, from its runs' simulated values (NaN
    when a run does not cover the point, or there is no run)."""
    if len(simulated) == 0 or np.isnan(simulated).any():
        return math.nan
    mean = float(simulated.mean())
    run_var = float(simulated.var(ddof=1)) if len(simulated) > 1 else 0.0
    return implausibility(point.value, mean, point.obs_var, run_var)


def match_configuration(group: pd.DataFrame, points: Sequence[Point], cutoff: float) -> dict:
    """History matching of one configuration (its runs, one per seed): the largest implausibility,
    the point that gives it, how many points the mean hits inside [low, high], kept or not."""
    ok = group[group.status == "ok"]
    row: dict[str, Any] = {"runs_ok": len(ok), "runs_failed": len(group) - len(ok)}
    values: dict[str, float] = {}
    inside = 0
    for p in points:
        sims = ok[f"{RECORD_PREFIX}{p.id}"].to_numpy(dtype=float)
        values[p.id] = point_implausibility(p, sims)
        inside += bool(not math.isnan(values[p.id]) and p.low <= sims.mean() <= p.high)
    scored = {k: v for k, v in values.items() if not math.isnan(v)}
    worst = max(scored, key=lambda k: scored[k]) if scored else ""
    top = scored[worst] if scored else math.nan
    row.update(
        max_implausibility=top,
        worst_point=worst,
        points_inside=inside,
        points_scored=len(scored),
        kept=bool(scored) and top <= cutoff,
    )
    row.update({f"{I_PREFIX}{k}": v for k, v in values.items()})
    return row


def history_match(
    runs: pd.DataFrame, points: Sequence[Point], params: Sequence[str], cutoff: float
) -> pd.DataFrame:
    """One row per configuration (in config order): its parameters, runs, largest implausibility
    and the point with it, points inside their range, points scored, kept, and each point's
    implausibility as `implausibility.<id>`."""
    rows = []
    for config, group in runs.groupby("config", sort=True):
        first = group.iloc[0]
        row = {"config": int(config), **{p: first[p] for p in params}}
        row.update(match_configuration(group, points, cutoff))
        rows.append(row)
    table = pd.DataFrame(rows)
    table["config"] = table["config"].astype("int64")
    table["kept"] = table["kept"].astype(bool)
    return table
