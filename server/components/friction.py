"""Friction over time by component (stacked bars), with markers at the events that caused it."""

from __future__ import annotations

from typing import Any

import numpy as np
import solara

from model.market import GpuMarket
from server.components.common import FRICTION_PARTS, clean, heading, layout_key, time_option
from server.components.echart import EChart
from server.session import use_tick

MARKERS = {  # event kinds -> (legend name, symbol, colour)
    "redirect": ("Redirect", "triangle", "#d62728"),
    "swap": ("Redirect", "triangle", "#d62728"),
    "swap_repay": ("Swap repaid", "diamond", "#ff7f0e"),
    "refusal": ("Refused", "rect", "#616161"),
    "cancellation": ("Cancellation", "circle", "#8c564b"),
    "shock": ("Supply shock", "pin", "#000000"),
    "expansion": ("Data centre expanded", "roundRect", "#2e7d32"),
}
MAX_LINES = 4


def event_markers(m: GpuMarket, tops: np.ndarray) -> list[dict[str, Any]]:
    """One scatter series per marker kind; each point lists that week's events in its tooltip."""
    ev = m.events_table()
    series: dict[str, dict[str, Any]] = {}
    for kind, rows in ev.groupby("kind", sort=False):
        if kind not in MARKERS:
            continue
        label, symbol, color = MARKERS[kind]
        s = series.setdefault(
            label,
            {
                "name": label,
                "type": "scatter",
                "symbol": symbol,
                "symbolSize": 11,
                "color": color,
                "z": 5,
                "data": [],
                "tooltip": {"formatter": "{b}"},
            },
        )
        for step, week in rows.groupby("step"):
            # ECharts escapes ' in tooltips and rich text does not unescape it: use a typographic
            # one
            texts = [
                f"{d}: {t}".replace("'", "\u2019")
                for d, t in zip(week.date, week.text, strict=True)
            ]
            extra = f"\n(+{len(texts) - MAX_LINES} more)" if len(texts) > MAX_LINES else ""
            y = float(tops[step]) if step < len(tops) else 0.0
            s["data"].append(
                {
                    "value": [int(step), round(y * 1.04 + 0.05, 2)],
                    "name": "\n".join(texts[:MAX_LINES]) + extra,
                }
            )
    return list(series.values())


def friction_option(m: GpuMarket) -> dict[str, Any]:
    """Weekly friction points by component, stacked, plus event markers."""
    t = m.model_table()
    series = [
        {
            "name": label,
            "type": "bar",
            "stack": "friction",
            "color": color,
            "data": clean(t[col], 2),
        }
        for col, (label, color) in FRICTION_PARTS.items()
    ]
    tops = t[list(FRICTION_PARTS)].sum(axis=1).to_numpy()
    series += event_markers(m, tops)
    option = time_option(m, series, "friction points / week")
    # rich text: event texts are shown as plain lines (HTML mode would escape line breaks)
    option["tooltip"] = {"trigger": "item", "confine": True, "renderMode": "richText"}
    option["xAxis"]["boundaryGap"] = True
    return option


def cumulative_option(m: GpuMarket) -> dict[str, Any]:
    """Friction accumulated since the start of the run."""
    t = m.model_table()
    series = [
        {
            "name": "Friction so far",
            "type": "line",
            "symbol": "none",
            "color": "#d62728",
            "areaStyle": {"opacity": 0.15},
            "data": clean(t.friction_cum, 2),
        }
    ]
    return time_option(m, series, "friction points")


@solara.component
def FrictionChart(m: GpuMarket) -> None:
    use_tick()
    EChart(friction_option(m), name="friction", stamp=m.week, layout=layout_key(m), height=340)


@solara.component
def CumulativeFrictionChart(m: GpuMarket) -> None:
    use_tick()
    EChart(
        cumulative_option(m), name="friction_cum", stamp=m.week, layout=layout_key(m), height=220
    )


@solara.component
def FrictionView(m: GpuMarket) -> None:
    """Third tab: what every reprioritization cost, and which events caused it."""
    heading("Friction by component (hover a marker for the events)")
    FrictionChart(m)
    heading("Cumulative friction")
    CumulativeFrictionChart(m)
