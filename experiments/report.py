"""`gpu-alloc report DIR`: tables (mean and 95% interval per configuration), plots, Sobol indices.

Everything is read from the sweep directory (spec.json, runs.parquet) and written to DIR/report/:
summary.csv and summary.md, one PNG per outcome plus overview.png, and for a Sobol design
sobol.csv, sobol.md and sobol.png (first-order and total indices, SALib).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.executors import SweepError

MAX_DEFAULT_OUTCOMES = 4


def load_sweep(out: str | Path) -> tuple[dict[str, Any], pd.DataFrame]:
    """The saved spec and the compacted runs table of a sweep directory."""
    out = Path(out)
    for name in ("spec.json", "runs.parquet"):
        if not (out / name).is_file():
            raise SweepError(
                f"{out}: no {name}: not a finished sweep directory (run gpu-alloc sweep first)"
            )
    info = json.loads((out / "spec.json").read_text(encoding="utf-8"))
    runs = pd.read_parquet(out / "runs.parquet").sort_values("run_index", ignore_index=True)
    return info, runs


def pick_outcomes(info: dict[str, Any], outcomes: list[str] | None) -> list[str]:
    chosen = (
        outcomes or info.get("report", {}).get("outcomes") or info["metrics"][:MAX_DEFAULT_OUTCOMES]
    )
    for o in chosen:
        if o not in info["metrics"]:
            raise SweepError(
                f"--outcomes: {o!r} is not a metric of this sweep "
                f"(metrics: {', '.join(info['metrics'])})"
            )
    return list(chosen)


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


def write_report(out: str | Path, outcomes: list[str] | None = None) -> list[Path]:
    """Write DIR/report/: summary tables, plots and (Sobol designs) sensitivity indices."""
    from experiments import plots

    out = Path(out)
    info, runs = load_sweep(out)
    outcomes = pick_outcomes(info, outcomes)
    params = [*info["grid"], *info["ranges"]]
    folder = out / "report"
    folder.mkdir(exist_ok=True)
    table = summary_table(runs, params, outcomes)
    written = [folder / "summary.csv", folder / "summary.md"]
    table.to_csv(written[0], index=False)
    title = f"# Sweep {info['name']}: mean and 95% interval per configuration\n\n"
    written[1].write_text(title + summary_markdown(table, params, outcomes), encoding="utf-8")
    ok = runs[runs.status == "ok"]
    if len(ok):
        written += plots.outcome_plots(info, ok, outcomes, folder)
    if info.get("sampler") == "sobol":
        sob = sobol_table(info, runs, outcomes)
        if len(sob):
            sob.to_csv(folder / "sobol.csv", index=False)
            (folder / "sobol.md").write_text(
                f"# Sobol indices ({info['name']})\n\n" + markdown(sob), encoding="utf-8"
            )
            written += [folder / "sobol.csv", folder / "sobol.md", plots.sobol_plot(sob, folder)]
    return written
