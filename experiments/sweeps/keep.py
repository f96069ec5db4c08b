"""What a sweep keeps from each run: summary metrics and weekly series, named after table columns.

Metrics are `COLUMN.STAT` for the model table (`order_inflation.mean`) and `firms.FIRM.COLUMN.STAT`
for one firm (`firms.Tesla.installed.final`); `firms.*.` expands to every named firm and `.*` to
final, mean and max. `final` is the last week's value; the others skip weeks where a column is
undefined (NaN). Series are `COLUMN` or `firms.FIRM.COLUMN`. Names are checked against the columns
the recorder declares (`model.recorder`), and the default metrics are the headline figures
(`model.figures`), so both follow the model as it changes. A spec with a `[calibrate]` table also
keeps each record point's simulated value as `record.<point id>` (`record_values`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from model.figures import FIGURES, STATS, SWEEP_DEFAULT, statistic
from model.params import ScenarioError
from model.record import Plan, Point, RunIndex
from model.recorder import FIRM_COLUMNS, MODEL_COLUMNS
from model.scenario import Scenario

STAR_STATS = ("final", "mean", "max")
RECORD_PREFIX = "record."
DEFAULT_METRICS = tuple(FIGURES[k].metric for k in SWEEP_DEFAULT)


def check_keep(
    keep: dict[str, Any], scenario: Scenario, where: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Validate and expand `[keep] metrics` and `series`; returns (metrics, series)."""
    for key in keep:
        if key not in ("metrics", "series"):
            raise ScenarioError(f"{where}: keep.{key}: unknown key (valid keys: metrics, series)")
    model_cols, firm_cols = list(MODEL_COLUMNS), list(FIRM_COLUMNS)
    firms = [f.name for f in scenario.firms]
    metrics: list[str] = []
    for name in _names(keep, "metrics", where, list(DEFAULT_METRICS)):
        for m in _expand(name, firms):
            col, firm, stat = split_metric(m, where)
            if stat not in STATS:
                raise ScenarioError(
                    f"{where}: keep.metrics: {name!r}: statistic {stat!r} is not one of: "
                    f"{', '.join(STATS)}"
                )
            _check_column(name, col, firm, model_cols, firm_cols, firms, where, "metrics")
            if m not in metrics:
                metrics.append(m)
    series: list[str] = []
    for name in _names(keep, "series", where, []):
        for s in _expand(name + ".final", firms):
            col, firm, _ = split_metric(s, where)
            _check_column(name, col, firm, model_cols, firm_cols, firms, where, "series")
            series.append(s.removesuffix(".final"))
    return tuple(metrics), tuple(dict.fromkeys(series))


def _names(keep: dict[str, Any], key: str, where: str, default: list[str]) -> list[str]:
    names = keep.get(key, default)
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ScenarioError(f"{where}: keep.{key}: expected a list of names, got {names!r}")
    return names


def _expand(name: str, firms: list[str]) -> list[str]:
    names = [name]
    if name.startswith("firms.*."):
        names = [f"firms.{f}.{name.removeprefix('firms.*.')}" for f in firms]
    if name.endswith(".*"):
        names = [f"{n[:-2]}.{s}" for n in names for s in STAR_STATS]
    return names


def split_metric(name: str, where: str = "<spec>") -> tuple[str, str | None, str]:
    """`firms.Tesla.installed.final` -> ("installed", "Tesla", "final"); `x.mean` -> ("x", None,
    "mean")."""
    parts = name.split(".")
    if parts[0] == "firms" and len(parts) >= 4:
        return parts[-2], ".".join(parts[1:-2]), parts[-1]
    if len(parts) == 2:
        return parts[0], None, parts[1]
    raise ScenarioError(f"{where}: keep: {name!r}: expected COLUMN.STAT or firms.FIRM.COLUMN.STAT")


def _check_column(
    name: str,
    col: str,
    firm: str | None,
    model_cols: list[str],
    firm_cols: list[str],
    firms: list[str],
    where: str,
    key: str,
) -> None:
    if firm is None and col not in model_cols:
        raise ScenarioError(
            f"{where}: keep.{key}: {name!r}: {col!r} is not a model column "
            f"(columns: {', '.join(model_cols)})"
        )
    if firm is not None:
        if firm not in firms:
            raise ScenarioError(
                f"{where}: keep.{key}: {name!r}: {firm!r} is not a firm (firms: {', '.join(firms)})"
            )
        if col not in firm_cols:
            raise ScenarioError(
                f"{where}: keep.{key}: {name!r}: {col!r} is not a firms column "
                f"(columns: {', '.join(firm_cols)})"
            )


def compute_metrics(
    model: pd.DataFrame, firms: pd.DataFrame, metrics: tuple[str, ...]
) -> dict[str, float]:
    """The kept summary metrics of one finished run (record columns come from `record_values`)."""
    metrics = tuple(m for m in metrics if not m.startswith(RECORD_PREFIX))
    by_firm = _by_firm(firms, metrics)
    out = {}
    for m in metrics:
        col, firm, stat = split_metric(m)
        values = model[col].to_numpy() if firm is None else by_firm[firm][col].to_numpy()
        out[m] = statistic(values, stat)
    return out


def record_metrics(points: tuple[Point, ...]) -> tuple[str, ...]:
    """The kept column of each record point: `record.<point id>`."""
    return tuple(f"{RECORD_PREFIX}{p.id}" for p in points)


def record_values(model: pd.DataFrame, firms: pd.DataFrame, plan: Plan) -> dict[str, float]:
    """Every record point's simulated value in one finished run (NaN outside its weeks): the same
    numbers as `model.record.simulate` point by point, with the tables indexed once."""
    values = RunIndex(model, firms).evaluate(plan)
    return dict(zip(record_metrics(plan.points), values.tolist(), strict=True))


def series_frame(model: pd.DataFrame, firms: pd.DataFrame, series: tuple[str, ...]) -> pd.DataFrame:
    """The kept weekly series of one run, one row per week, one column per series."""
    by_firm = _by_firm(firms, series, suffix=".x")
    out: dict[str, np.ndarray] = {"step": model["step"].to_numpy()}
    for s in series:
        col, firm, _ = split_metric(s + ".x")
        values = model[col] if firm is None else by_firm[firm][col]
        out[s] = values.to_numpy(dtype=float)
    return pd.DataFrame(out)


def _by_firm(
    firms: pd.DataFrame, names: tuple[str, ...], suffix: str = ""
) -> dict[str, pd.DataFrame]:
    wanted = {split_metric(n + suffix)[1] for n in names} - {None}
    if not wanted:
        return {}
    return {str(k): g for k, g in firms[firms.firm.isin(wanted)].groupby("firm", sort=False)}
