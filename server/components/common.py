"""Helpers shared by the chart views: firm colours, calendar axes and JSON-safe series."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from agents.population import LONG_TAIL_COLOR
from model.calendar import date_labels
from model.market import GpuMarket

FRICTION_PARTS = {
    "friction_redirect": ("Redirects", "#d62728"),
    "friction_reschedule": ("Reschedules (swap repayments)", "#ff7f0e"),
    "friction_cancel": ("Cancellations", "#8c564b"),
    "friction_discrepancy": ("Statement vs bookings", "#9467bd"),
    "friction_refusal": ("Refused requests", "#7f7f7f"),
}
REDIRECT_COLOR = "#d62728"


def firm_names(m: GpuMarket) -> list[str]:
    """Rows of the firms table in model order (a long tail is one summed row at the end)."""
    return list(m.recorder.names)


def firm_colors(m: GpuMarket) -> dict[str, str]:
    """One colour per firm, the model's own (`m.firm(name).color`); grey for the long tail."""
    own = {f.name: f.color for f in m.firms}
    return {name: own.get(name, LONG_TAIL_COLOR) for name in firm_names(m)}


def dates(m: GpuMarket) -> list[str]:
    """Calendar labels for the whole horizon, so the time axis does not rescale as the run grows."""
    return date_labels(m.start, m.weeks).tolist()


def layout_key(m: GpuMarket, *extra: object) -> str:
    """Changes when the chart must be rebuilt rather than merged (another run or firm list)."""
    return ":".join(str(x) for x in (id(m), len(firm_names(m)), *extra))


def clean(values: Iterable[float], digits: int = 1) -> list[float | None]:
    """Rounded floats with NaN/inf as null (JSON has no NaN; ECharts draws null as a gap)."""
    a = np.round(
        np.asarray(
            list(values) if not isinstance(values, np.ndarray | pd.Series) else values, dtype=float
        ),
        digits,
    )
    return [float(v) if np.isfinite(v) else None for v in a]


def wide(m: GpuMarket, column: str) -> pd.DataFrame:
    """One firms-table column as a week x firm frame, firms in model order."""
    ft = m.firms_table()
    if ft.empty:
        return pd.DataFrame(columns=firm_names(m))
    return ft.pivot(index="step", columns="firm", values=column)[firm_names(m)]


def time_option(
    m: GpuMarket, series: list[dict[str, Any]], y_name: str, **extra: Any
) -> dict[str, Any]:
    """A line/area/bar chart over calendar weeks with the shared look."""
    option: dict[str, Any] = {
        "tooltip": {"trigger": "axis", "confine": True},
        "legend": {"type": "scroll", "top": 0},
        "grid": {"left": 64, "right": 56, "top": 36, "bottom": 56},
        "xAxis": {"type": "category", "data": dates(m), "boundaryGap": False},
        "yAxis": {"type": "value", "name": y_name, "nameGap": 8},
        "dataZoom": [{"type": "inside"}, {"type": "slider", "height": 16, "bottom": 8}],
        "series": series,
    }
    option.update(extra)
    return option


def fmt_units(x: float) -> str:
    """12000 -> '12,000' (NaN -> '-')."""
    return "-" if x != x else f"{x:,.0f}"


def heading(text: str, level: int = 4) -> None:
    """A small heading (solara.Markdown would pull in mermaid and KaTeX for every instance)."""
    import solara

    solara.v.Html(tag=f"h{level}", children=[text], style_="margin: 8px 0 2px 0;")


def md_html(text: str) -> str:
    """Our own lesson and help texts (trusted data files) as HTML, rendered on the server."""
    import markdown

    return markdown.markdown(text)


def stacked_by_firm(m: GpuMarket, column: str, axis: str) -> dict[str, Any]:
    """A firms-table column as stacked areas over time, one colour per firm."""
    table, colors = wide(m, column), firm_colors(m)
    series = [
        {
            "name": f,
            "type": "line",
            "stack": column,
            "areaStyle": {},
            "symbol": "none",
            "lineStyle": {"width": 0.5},
            "color": colors[f],
            "data": clean(table[f], 0),
        }
        for f in table.columns
    ]
    return time_option(m, series, axis)
