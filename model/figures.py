"""The headline figures of a run, defined once: each is a statistic of one model-table column.

The command line's summary, the app's Compare table and a sweep's default metrics all read this
table, so a figure has one name, one label and one definition everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

STATS = ("final", "mean", "max", "min", "sum")


@dataclass(frozen=True, slots=True)
class Figure:
    """`stat` of the model table's `column` over the weeks of a run, shown as `label`."""

    column: str
    stat: str
    label: str
    unit: str = ""  # "units", "usd", "weeks" or "" (an index or a ratio)

    @property
    def metric(self) -> str:
        """The sweep's name for this figure: `COLUMN.STAT`."""
        return f"{self.column}.{self.stat}"


FIGURES: dict[str, Figure] = {
    "produced": Figure("capacity", "sum", "Produced", "units"),
    "allocated": Figure("allocated", "sum", "Allocated", "units"),
    "redirected": Figure("redirected_units", "sum", "Redirected units", "units"),
    "friction": Figure("friction", "sum", "Friction, total"),
    "order_inflation": Figure("order_inflation", "mean", "Mean order inflation"),
    "jain_fill": Figure("jain_fill", "mean", "Mean Jain's index (fill)"),
    "gini_alloc": Figure("gini_alloc", "mean", "Mean Gini (allocations)"),
    "price": Figure("price_usd", "mean", "Mean price", "usd"),
    "lead_time": Figure("lead_time_weeks", "mean", "Mean lead time", "weeks"),
    "backlog_end": Figure("backlog", "final", "Backlog at end", "units"),
    "idle_mean": Figure("idle_total", "mean", "Mean idle GPUs", "units"),
    "idle_end": Figure("idle_total", "final", "Idle at end", "units"),
    "installed_end": Figure("installed_total", "final", "Installed at end", "units"),
    "welfare": Figure("welfare_usd", "sum", "Welfare", "usd"),
    "revenue": Figure("revenue_usd", "sum", "Supplier revenue", "usd"),
}

# What each use shows, by key into FIGURES.
RUN_SUMMARY = (
    "produced",
    "allocated",
    "redirected",
    "friction",
    "order_inflation",
    "jain_fill",
    "welfare",
    "revenue",
)
COMPARE = (
    "idle_end",
    "friction",
    "redirected",
    "jain_fill",
    "order_inflation",
    "welfare",
    "revenue",
)
SWEEP_DEFAULT = (
    "order_inflation",
    "jain_fill",
    "gini_alloc",
    "price",
    "lead_time",
    "backlog_end",
    "idle_mean",
    "installed_end",
    "redirected",
    "friction",
    "welfare",
    "revenue",
)


def statistic(values: np.ndarray, stat: str) -> float:
    """One statistic of a weekly column; `final` is the last week, the others skip NaN weeks."""
    if stat == "final":
        return float(values[-1]) if len(values) else float("nan")
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return float("nan")
    match stat:
        case "mean":
            return float(np.mean(values))
        case "max":
            return float(np.max(values))
        case "min":
            return float(np.min(values))
        case "sum":
            return float(np.sum(values))
    raise ValueError(f"unknown statistic {stat!r}; valid: {', '.join(STATS)}")


def figures(model: pd.DataFrame, keys: tuple[str, ...] = tuple(FIGURES)) -> dict[str, float]:
    """The figures `keys` of one run, from its model table."""
    out = {}
    for key in keys:
        f = FIGURES[key]
        out[key] = statistic(model[f.column].to_numpy(dtype=float), f.stat)
    return out
