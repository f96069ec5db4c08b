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
    help: str = ""  # one or two sentences for a reader: the app's tooltips and About tab

    @property
    def metric(self) -> str:
        """The sweep's name for this figure: `COLUMN.STAT`."""
        return f"{self.column}.{self.stat}"


FIGURES: dict[str, Figure] = {
    "produced": Figure(
        "capacity", "sum", "Produced", "units", "GPUs Nvidia made for these buyers over the run."
    ),
    "allocated": Figure(
        "allocated", "sum", "Allocated", "units", "GPUs the allocation rule gave out over the run."
    ),
    "redirected": Figure(
        "redirected_units",
        "sum",
        "Redirected units",
        "units",
        "GPUs the owner moved from one of his firms to another (redirects, swaps and their "
        "repayments), so far.",
    ),
    "friction": Figure(
        "friction",
        "sum",
        "Friction, total",
        "",
        "Points charged for every redirect, reschedule, cancellation, refused request and "
        "statement that disagrees with bookings, so far (see the Friction tab).",
    ),
    "order_inflation": Figure(
        "order_inflation",
        "mean",
        "Mean order inflation",
        "",
        "Orders divided by true need, averaged over the weeks: above 1 buyers order more than "
        "they need (shortage gaming, Cachon & Lariviere 1999).",
    ),
    "jain_fill": Figure(
        "jain_fill",
        "mean",
        "Mean Jain's index (fill)",
        "",
        "Jain's fairness index of the buyers' fill rates, averaged over the weeks: 1 means every "
        "buyer got the same share of what it ordered.",
    ),
    "gini_alloc": Figure(
        "gini_alloc",
        "mean",
        "Mean Gini (allocations)",
        "",
        "Gini coefficient of the weekly allocations, averaged: 0 is equal shares, 1 all to one.",
    ),
    "price": Figure(
        "price_usd", "mean", "Mean price", "usd", "Nvidia's list price per GPU, averaged."
    ),
    "lead_time": Figure(
        "lead_time_weeks",
        "mean",
        "Mean lead time",
        "weeks",
        "The wait Nvidia quotes for a new order (backlog over weekly output), averaged.",
    ),
    "backlog_end": Figure(
        "backlog", "final", "Backlog at end", "units", "Open orders not yet filled at the end."
    ),
    "idle_mean": Figure(
        "idle_total",
        "mean",
        "Mean idle GPUs",
        "units",
        "GPUs delivered with no powered slot to switch them on, averaged over the weeks.",
    ),
    "idle_end": Figure(
        "idle_total",
        "final",
        "Idle at end",
        "units",
        "GPUs delivered but not switched on (no powered slot) at the end.",
    ),
    "installed_end": Figure(
        "installed_total",
        "final",
        "Installed at end",
        "units",
        "GPUs switched on in the buyers' data centres at the end.",
    ),
    "welfare": Figure(
        "welfare_usd",
        "sum",
        "Welfare",
        "usd",
        "The value of every deployed GPU-week to the firm running it, summed over the run.",
    ),
    "revenue": Figure(
        "revenue_usd", "sum", "Supplier revenue", "usd", "What the buyers paid Nvidia, summed."
    ),
    # The app's headline: the latest week of the run so far.
    "supply_now": Figure(
        "capacity",
        "final",
        "Supply this week",
        "units",
        "GPUs Nvidia made available to these buyers this week, after any supply shock.",
    ),
    "price_now": Figure(
        "price_usd",
        "final",
        "Price",
        "usd",
        "Nvidia's list price per GPU this week: it carries a markup while orders exceed output.",
    ),
    "backlog_now": Figure(
        "backlog", "final", "Backlog", "units", "Open orders waiting to be filled this week."
    ),
    "lead_time_now": Figure(
        "lead_time_weeks",
        "final",
        "Lead time",
        "weeks",
        "How long a new order would wait this week: the backlog over weekly output.",
    ),
    "jain_now": Figure(
        "jain_fill",
        "final",
        "Jain (fill)",
        "",
        "Jain's fairness index of this week's fill rates (allocated over ordered): 1 is the "
        "same share for every buyer, 1/n all to one.",
    ),
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
HEADLINE = (
    "supply_now",
    "price_now",
    "backlog_now",
    "lead_time_now",
    "friction",
    "redirected",
    "jain_now",
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
