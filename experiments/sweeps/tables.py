"""The numbers of a sweep report: mean and Student-t 95% interval per configuration, Markdown
tables, and first-order and total Sobol indices (SALib) of a Saltelli design.

Pure functions of the runs table, shared by `report.py` (files) and `plots.py` (figures).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd


def interval(values: pd.Series) -> tuple[float, float, float, int]:
    """Mean and Student-t 95% interval of the mean (NaN bounds for a single value)."""
    v = values.dropna().to_numpy(dtype=float)
    n = len(v)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(v.mean())
    if n == 1:
        return mean, math.nan, math.nan, 1
    from scipy.stats import t

    half = float(t.ppf(0.975, n - 1) * v.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half, n


def summary_table(runs: pd.DataFrame, params: list[str], outcomes: list[str]) -> pd.DataFrame:
    """One row per configuration: its parameters, runs ok and failed, mean and 95% interval."""
    rows = []
    for config, group in runs.groupby("config", sort=True):
        row: dict[str, Any] = {"config": config, **{p: group[p].iloc[0] for p in params}}
        ok = group[group.status == "ok"]
        row["runs_ok"], row["runs_failed"] = len(ok), len(group) - len(ok)
        for o in outcomes:
            mean, lo, hi, _ = interval(ok[o])
            row[f"{o} mean"], row[f"{o} ci95_low"], row[f"{o} ci95_high"] = mean, lo, hi
        rows.append(row)
    return pd.DataFrame(rows)


def fmt(v: Any) -> str:
    if isinstance(v, float | np.floating):
        if math.isnan(v):
            return ""
        return f"{v:,.0f}" if abs(v) >= 1e5 else f"{v:.4g}"
    return str(v)


def markdown(table: pd.DataFrame) -> str:
    """A GitHub-flavoured markdown table (no extra dependency)."""
    head = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    body = ["| " + " | ".join(fmt(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join([head, rule, *body]) + "\n"


def summary_markdown(table: pd.DataFrame, params: list[str], outcomes: list[str]) -> str:
    """`mean [low, high]` cells, one column per outcome (just the mean when the interval is a
    point)."""
    shown = table[[*params, "runs_ok", "runs_failed"]].copy()
    for o in outcomes:
        mean, lo, hi = table[f"{o} mean"], table[f"{o} ci95_low"], table[f"{o} ci95_high"]
        shown[o] = [
            fmt(m) if math.isnan(a) or fmt(a) == fmt(b) else f"{fmt(m)} [{fmt(a)}, {fmt(b)}]"
            for m, a, b in zip(mean, lo, hi, strict=True)
        ]
    return markdown(shown)


def sobol_table(info: dict[str, Any], runs: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol indices per outcome (per grid point, if any)."""
    from SALib.analyze import sobol

    names = list(info["ranges"])
    bounds = [
        [lo, hi + 1] if p in info["integer"] else [lo, hi] for p, (lo, hi) in info["ranges"].items()
    ]
    problem = {"num_vars": len(names), "names": names, "bounds": bounds}
    grid = list(info["grid"])
    rows = []
    groups = runs.groupby(grid, sort=False) if grid else [((), runs)]
    for key, group in groups:
        labels = dict(zip(grid, key if isinstance(key, tuple) else (key,), strict=True))
        per_sample = group.groupby("sample").agg({o: "mean" for o in outcomes}).sort_index()
        for o in outcomes:
            y = per_sample[o].to_numpy(dtype=float)
            if np.isnan(y).any() or np.ptp(y) == 0:
                continue  # failed runs or a constant outcome: no indices to estimate
            s = sobol.analyze(problem, y, calc_second_order=False, seed=info.get("seed", 0))
            for j, p in enumerate(names):
                rows.append(
                    {
                        **labels,
                        "outcome": o,
                        "parameter": p,
                        "S1": s["S1"][j],
                        "S1_conf": s["S1_conf"][j],
                        "ST": s["ST"][j],
                        "ST_conf": s["ST_conf"][j],
                    }
                )
    return pd.DataFrame(rows)
