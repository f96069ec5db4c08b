"""Where the supply went: Nvidia -> booked for each firm -> received by each firm, redirects in red.

Nodes keep a fixed order, column and colour (`layoutIterations: 0`, explicit `depth`), so the
picture does not reshuffle from one week to the next.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import solara

from model.market import GpuMarket
from server.components.common import REDIRECT_COLOR, firm_colors, firm_names, heading, layout_key
from server.components.echart import EChart
from server.session import use_tick

MOVES = ("redirect", "swap", "swap_repay")
SOURCE = "Nvidia"


def flows(m: GpuMarket, week: int | None) -> tuple[dict[str, float], dict[tuple[str, str], float]]:
    """Units booked per firm and units moved donor -> receiver, for one week or (None) all weeks."""
    ft, ev = m.firms_table(), m.events_table()
    if week is not None:
        ft, ev = ft[ft.step == week], ev[ev.step == week]
    granted = ft.groupby("firm", sort=False)["granted"].sum()
    moved = ev[ev.kind.isin(MOVES)].groupby(["firm", "other_firm"], sort=False)["units"].sum()
    return {f: float(granted.get(f, 0.0)) for f in firm_names(m)}, {
        k: float(v) for k, v in moved.items()
    }


def sankey_option(m: GpuMarket, week: int | None) -> dict[str, Any]:
    """Three fixed columns; a firm's kept units are tinted in its colour, redirected ones red."""
    names, colors = firm_names(m), firm_colors(m)
    booked, moved = flows(m, week)
    nodes = [{"name": SOURCE, "depth": 0, "itemStyle": {"color": "#76b900"}}]
    nodes += [
        {
            "name": f"{f} (booked)",
            "depth": 1,
            "itemStyle": {"color": colors[f]},
            "label": {"formatter": f},
        }
        for f in names
    ]
    nodes += [
        {
            "name": f"{f} (received)",
            "depth": 2,
            "itemStyle": {"color": colors[f]},
            "label": {"formatter": f},
        }
        for f in names
    ]
    links = [
        {
            "source": SOURCE,
            "target": f"{f} (booked)",
            "value": round(booked[f]),
            "lineStyle": {"color": colors[f], "opacity": 0.35},
        }
        for f in names
    ]
    out = pd.Series(0.0, index=names)
    for (donor, receiver), units in moved.items():
        if donor in out.index:
            out[donor] += units
        links.append(
            {
                "source": f"{donor} (booked)",
                "target": f"{receiver} (received)",
                "value": round(units),
                "lineStyle": {"color": REDIRECT_COLOR, "opacity": 0.75},
            }
        )
    kept = np.maximum(0.0, np.array([booked[f] for f in names]) - out.to_numpy())
    links += [
        {
            "source": f"{f} (booked)",
            "target": f"{f} (received)",
            "value": round(k),
            "lineStyle": {"color": colors[f], "opacity": 0.35},
        }
        for f, k in zip(names, kept, strict=True)
    ]
    return {
        "tooltip": {"trigger": "item", "confine": True},
        "series": [
            {
                "type": "sankey",
                "layoutIterations": 0,
                "nodeAlign": "justify",
                "nodeGap": 6,
                "left": 60,
                "right": 90,
                "top": 10,
                "bottom": 10,
                "draggable": False,
                "emphasis": {"focus": "adjacency"},
                "label": {"fontSize": 11},
                "data": nodes,
                "links": links,
            }
        ],
    }


@solara.component
def FlowChart(m: GpuMarket, cumulative: bool) -> None:
    """This week's flows (the last simulated week) or all weeks so far."""
    use_tick()
    week = None if cumulative else max(m.week - 1, 0)
    name = "flow_cumulative" if cumulative else "flow_week"
    EChart(sankey_option(m, week), name=name, stamp=m.week, layout=layout_key(m), height=420)


@solara.component
def FlowView(m: GpuMarket) -> None:
    """Fifth tab: this week's supply and the whole run's, side by side."""
    use_tick()
    last = m.firms_table().date.iloc[-1] if m.week else m.date.isoformat()
    with solara.Columns([1, 1]):
        with solara.Column():
            heading(f"This week ({last})")
            FlowChart(m, cumulative=False)
        with solara.Column():
            heading(f"Cumulative since {m.config.start_date}")
            FlowChart(m, cumulative=True)
    solara.Text(
        "Left: Nvidia's output. Middle: what the allocation rule booked for each firm. "
        "Right: what each firm received. "
        "Red bands: units the owner redirected (or swaps repaid) between his firms."
    )
