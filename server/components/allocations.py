"""Allocations per firm over time (stacked) and each firm's installed base against its target."""

from __future__ import annotations

from typing import Any

import solara

from model.market import GpuMarket
from server.components.common import (
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


def allocations_option(m: GpuMarket) -> dict[str, Any]:
    """Units each firm received this week after redirects, stacked: who got the scarce supply."""
    return stacked_by_firm(m, "allocated", "GPUs / week")


def installed_option(m: GpuMarket, firms: list[str] | None = None) -> dict[str, Any]:
    """Installed base (solid) and target (dashed) per firm: who is short of plan, and how long."""
    inst, target, colors = wide(m, "installed"), wide(m, "target"), firm_colors(m)
    series = []
    for f in firms or list(inst.columns):
        series.append(
            {
                "name": f,
                "type": "line",
                "symbol": "none",
                "color": colors[f],
                "data": clean(inst[f], 0),
            }
        )
        series.append(
            {
                "name": f,
                "type": "line",
                "symbol": "none",
                "color": colors[f],
                "lineStyle": {"type": "dashed", "width": 1},
                "data": clean(target[f], 0),
                "tooltip": {"show": False},
            }
        )
    option = time_option(
        m,
        series,
        "GPUs installed",
        title={
            "text": "solid: installed · dashed: target",
            "right": 8,
            "top": 28,
            "textStyle": {"fontSize": 11, "fontWeight": "normal"},
        },
    )
    return with_record(option, m, "installed", firms)  # the reported points and key dates


@solara.component
def AllocationsChart(m: GpuMarket) -> None:
    """Stacked weekly allocations; redraws in place on each step."""
    use_tick()
    EChart(allocations_option(m), name="allocations", stamp=m.week, layout=layout_key(m))


@solara.component
def InstalledChart(m: GpuMarket) -> None:
    """Installed base against target per firm."""
    use_tick()
    EChart(installed_option(m), name="installed", stamp=m.week, layout=layout_key(m))


@solara.component
def AllocationsView(m: GpuMarket) -> None:
    """The first tab: where this week's chips went, and who is behind plan."""
    heading("Allocations per firm (after the owner's redirects)")
    AllocationsChart(m)
    heading("Installed base against target")
    InstalledChart(m)
