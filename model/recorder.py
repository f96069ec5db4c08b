"""Data collection into preallocated numpy arrays; the three tables are built once, on demand.

Mesa's DataCollector builds Python dicts every step; at ten thousand buyers and a million sweep runs
that dominates the run time, so the market records arrays and makes DataFrames only when asked.
Named firms get a row each in the firms table; a generated long tail is summed into one row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.records import Event

MODEL_COLUMNS = (
    "capacity",
    "available",
    "allocated",
    "shipped",
    "delivered",
    "stock",
    "price_usd",
    "ordered",
    "need",
    "backlog",
    "lead_time_weeks",
    "friction",
    "friction_redirect",
    "friction_reschedule",
    "friction_cancel",
    "friction_discrepancy",
    "friction_refusal",
    "friction_cum",
    "redirected_units",
    "refused_requests",
    "cancelled",
    "jain_fill",
    "gini_alloc",
    "order_inflation",
    "idle_total",
    "installed_total",
    "welfare_usd",
    "revenue_usd",
    "supply_gap",
)
FIRM_SUMS = (
    "need",
    "ordered",
    "granted",
    "allocated",
    "redirected_in",
    "redirected_out",
    "delivered",
    "deployed",
    "idle",
    "installed",
    "target",
    "slots",
    "in_transit",
    "backlog",
    "spend_usd",
    "cancelled",
    "owner_debt",
    "owner_cost_usd",
    "value_usd",
    "redirected_shipped",
)
FIRM_MEANS = ("lead_time_weeks", "price_usd", "trust", "multiplier", "owner_delay_weeks")
MODEL_INTS = {
    "capacity",
    "available",
    "allocated",
    "shipped",
    "delivered",
    "stock",
    "ordered",
    "need",
    "backlog",
    "redirected_units",
    "refused_requests",
    "cancelled",
    "idle_total",
    "installed_total",
}
FIRM_FLOATS = {"spend_usd", "owner_cost_usd", "value_usd"}
FIRM_COLUMNS = FIRM_SUMS + FIRM_MEANS + ("fill_rate",)
EVENT_COLUMNS = ("step", "date", "kind", "firm", "other_firm", "units", "friction", "text")


class Recorder:
    """Per-week arrays for the model and firms tables; events as a list of records."""

    def __init__(
        self,
        weeks: int,
        named: int,
        tail: int,
        firm_names: list[str],
        owners: list[str],
        dates: np.ndarray,
    ) -> None:
        self.weeks, self.named, self.tail = weeks, named, tail
        self.rows = named + (1 if tail else 0)
        self.names = firm_names[:named] + ([f"long tail ({tail} buyers)"] if tail else [])
        self.owners = owners[:named] + (["long tail"] if tail else [])
        self.dates = dates
        self.model = {c: np.full(weeks, np.nan) for c in MODEL_COLUMNS}
        self.firms = {c: np.full((weeks, self.rows), np.nan) for c in FIRM_COLUMNS}
        self.steps = 0
        self._cache: dict[str, pd.DataFrame] = {}

    def record_model(self, step: int, values: dict[str, float]) -> None:
        """Store the week's model row (it shows in the tables once the firm rows are in too)."""
        for key, value in values.items():
            self.model[key][step] = value

    def record_firms(self, step: int, values: dict[str, np.ndarray]) -> None:
        """Store per-buyer vectors: named firms as they are, the long tail summed or averaged."""
        n = self.named
        for key, vec in values.items():
            row = self.firms[key][step]
            row[:n] = vec[:n]
            if self.tail:
                row[n] = vec[n:].sum() if key in FIRM_SUMS else vec[n:].mean()
        fill = self.firms["fill_rate"][step]
        ordered, allocated = self.firms["ordered"][step], self.firms["granted"][step]
        np.divide(allocated, ordered, out=fill, where=ordered > 0)
        fill[ordered <= 0] = 1.0
        self.steps = step + 1  # a week counts once both its rows are in (firms come last)
        self._cache.clear()

    def model_table(self) -> pd.DataFrame:
        if "model" not in self._cache:
            s = self.steps
            columns = {"step": np.arange(s), "date": self.dates[:s]}
            for key in MODEL_COLUMNS:
                values = self.model[key][:s]
                columns[key] = values.astype(np.int64) if key in MODEL_INTS else values
            # all columns at once: inserting them one by one took a third of a classroom run
            self._cache["model"] = pd.DataFrame(columns)
        return self._cache["model"]

    def firms_table(self) -> pd.DataFrame:
        if "firms" not in self._cache:
            s, r = self.steps, self.rows
            columns = {
                "step": np.repeat(np.arange(s), r),
                "date": np.repeat(self.dates[:s], r),
                "firm": np.tile(np.asarray(self.names, dtype=object), s),
                "owner": np.tile(np.asarray(self.owners, dtype=object), s),
            }
            for key in FIRM_COLUMNS:
                values = self.firms[key][:s].reshape(-1)
                whole = key in FIRM_SUMS and key not in FIRM_FLOATS
                columns[key] = values.astype(np.int64) if whole else values
            self._cache["firms"] = pd.DataFrame(columns)
        return self._cache["firms"]

    def events_table(self, events: list[Event]) -> pd.DataFrame:
        rows = [
            (
                e.step,
                self.dates[e.step],
                str(e.kind),
                e.firm,
                e.other_firm,
                e.units,
                e.friction,
                e.text,
            )
            for e in events
        ]
        return pd.DataFrame(rows, columns=list(EVENT_COLUMNS)).astype(
            {"step": "int64", "units": "int64", "friction": "float64"}
        )
