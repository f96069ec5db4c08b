"""Idle units (delivered, nowhere to power them), backlog with quoted lead time, and prices."""

from __future__ import annotations

from typing import Any

import solara

from model.market import GpuMarket
from server.components.common import (
    LEAD_TIME_CAP,
    clean,
    firm_colors,
    heading,
    layout_key,
    stacked_by_firm,
    time_option,
    wide,
)
from server.components.echart import EChart
from server.components.record import with_record
from server.session import use_tick


def idle_option(m: GpuMarket) -> dict[str, Any]:
    """Idle units per firm, stacked: chips that arrived where there was 'no place to turn them
    on'."""
    return stacked_by_firm(m, "idle", "idle GPUs")


def backlog_option(m: GpuMarket) -> dict[str, Any]:
    """Open orders (bars) and the lead time the supplier quotes (line, right axis); no lead time is
    drawn for a week without supply (it would be a backlog over zero) or beyond ten years."""
    t = m.model_table()
    lead = t.lead_time_weeks.where((t.capacity > 0) & (t.lead_time_weeks <= LEAD_TIME_CAP))
    series = [
        {
            "name": "Backlog (open orders)",
            "type": "bar",
            "color": "#90a4ae",
            "data": clean(t.backlog, 0),
        },
        {
            "name": "Quoted lead time",
            "type": "line",
            "yAxisIndex": 1,
            "symbol": "none",
            "color": "#37474f",
            "data": clean(lead, 1),
        },
    ]
    axes = [
        {"type": "value", "name": "GPUs"},
        {"type": "value", "name": "weeks", "splitLine": {"show": False}},
    ]
    return with_record(time_option(m, series, "GPUs", yAxis=axes), m, "lead_time_weeks")


LIST_PRICE_COLOR = "#7f7f7f"  # grey and dashed: no firm's colour (X is black)


def price_option(m: GpuMarket) -> dict[str, Any]:
    """The supplier's list price this week and the average unit price each firm paid."""
    price, colors = wide(m, "price_usd"), firm_colors(m)
    paid = price.where(wide(m, "allocated") > 0)
    series = [
        {
            "name": "List price",
            "type": "line",
            "symbol": "none",
            "color": LIST_PRICE_COLOR,
            "lineStyle": {"width": 2.5, "type": "dashed"},
            "data": clean(m.model_table().price_usd, 0),
        }
    ]
    series += [
        {
            "name": f,
            "type": "line",
            "symbol": "circle",
            "symbolSize": 3,
            "connectNulls": False,
            "lineStyle": {"width": 1},
            "color": colors[f],
            "data": clean(paid[f], 0),
        }
        for f in paid.columns
    ]
    return time_option(
        m, series, "USD per GPU", yAxis={"type": "value", "name": "USD per GPU", "scale": True}
    )


@solara.component
def IdleChart(m: GpuMarket) -> None:
    use_tick()
    EChart(idle_option(m), name="idle", stamp=m.week, layout=layout_key(m), height=260)


@solara.component
def BacklogChart(m: GpuMarket) -> None:
    use_tick()
    EChart(backlog_option(m), name="backlog", stamp=m.week, layout=layout_key(m), height=260)


@solara.component
def PriceChart(m: GpuMarket) -> None:
    use_tick()
    EChart(price_option(m), name="price", stamp=m.week, layout=layout_key(m), height=260)


@solara.component
def SupplyView(m: GpuMarket) -> None:
    """Second tab: what sits idle, how long buyers wait, and what they pay."""
    heading("Idle: delivered but no powered slot")
    IdleChart(m)
    heading("Backlog and quoted lead time")
    BacklogChart(m)
    heading("Price")
    PriceChart(m)
