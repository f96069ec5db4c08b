"""Fairness of the allocation (Jain's index on fill rates, Gini on allocations) and order
inflation."""

from __future__ import annotations

from typing import Any

import solara

from model.market import GpuMarket
from server.components.common import clean, firm_colors, heading, layout_key, time_option, wide
from server.components.echart import EChart
from server.session import use_tick


def fairness_option(m: GpuMarket) -> dict[str, Any]:
    """Jain (1 = every buyer filled alike) and Gini (0 = equal allocations) on one 0..1 axis."""
    t = m.model_table()
    series = [
        {
            "name": "Jain's index (fill rates)",
            "type": "line",
            "symbol": "none",
            "color": "#2e7d32",
            "data": clean(t.jain_fill, 3),
        },
        {
            "name": "Gini (allocations)",
            "type": "line",
            "symbol": "none",
            "color": "#c62828",
            "data": clean(t.gini_alloc, 3),
        },
    ]
    return time_option(
        m, series, "index", yAxis={"type": "value", "name": "index", "min": 0, "max": 1}
    )


def inflation_option(m: GpuMarket) -> dict[str, Any]:
    """Orders over true need: above 1 means buyers order more than they need (shortage gaming)."""
    t = m.model_table()
    ordered, need, colors = wide(m, "ordered"), wide(m, "need"), firm_colors(m)
    ratio = ordered.div(need.where(need > 0))
    series = [
        {
            "name": "All buyers",
            "type": "line",
            "symbol": "none",
            "color": "#000000",
            "lineStyle": {"width": 2.5, "type": "dashed"},  # dashed: apart from X's black
            "data": clean(t.order_inflation, 2),
        }
    ]
    series += [
        {
            "name": f,
            "type": "line",
            "symbol": "none",
            "lineStyle": {"width": 1},
            "color": colors[f],
            "data": clean(ratio[f], 2),
        }
        for f in ratio.columns
    ]
    mark = {
        "silent": True,
        "symbol": "none",
        "data": [{"yAxis": 1}],
        "lineStyle": {"type": "dotted"},
    }
    series[0]["markLine"] = mark
    return time_option(
        m, series, "orders / need", yAxis={"type": "value", "name": "orders / need", "min": 0}
    )


@solara.component
def FairnessChart(m: GpuMarket) -> None:
    use_tick()
    EChart(fairness_option(m), name="fairness", stamp=m.week, layout=layout_key(m), height=280)


@solara.component
def InflationChart(m: GpuMarket) -> None:
    use_tick()
    EChart(inflation_option(m), name="inflation", stamp=m.week, layout=layout_key(m), height=300)


@solara.component
def FairnessView(m: GpuMarket) -> None:
    """Fourth tab: is the rule fair, and does it make buyers inflate their orders?"""
    heading("Fairness")
    FairnessChart(m)
    heading("Order inflation (orders / true need)")
    InflationChart(m)
