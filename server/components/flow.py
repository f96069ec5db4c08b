"""Where the supply went: Nvidia -> booked for each firm -> received by each firm, redirects in red.

Nodes keep a fixed order, column and colour (`layoutIterations: 0`, explicit `depth`), so the
picture does not reshuffle from one week to the next. A node too thin for its label keeps it for
the tooltip only, so small firms' names never pile up; a week with nothing allocated (before the
first step, or with no supply) shows a message instead of an empty diagram.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import solara

from model.market import GpuMarket
from server.components.common import (
    REDIRECT_COLOR,
    TEXT_PX,
    firm_colors,
    firm_names,
    heading,
    layout_key,
    use_presenter,
)
from server.components.echart import EChart
from server.session import use_tick

MOVES = ("redirect", "swap", "swap_repay")
SOURCE = "Nvidia"
HEIGHT = 420  # px of the chart; the diagram itself has HEIGHT - 20
NODE_GAP = 6  # px between nodes of a column
RIGHT_LABEL_EM = 7.5  # the widest firm name ("Rest of market") in font sizes


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


def empty_message(m: GpuMarket, week: int | None) -> str | None:
    """Why there is nothing to draw, or None when GPUs moved in the week (or weeks) shown."""
    if m.week == 0:
        return "Nothing allocated yet: step the model to see where the supply goes."
    booked, _moved = flows(m, week)
    if sum(booked.values()) > 0:
        return None
    if week is None:
        return "No GPUs have been allocated in this run so far (is there any supply?)."
    return "No GPUs were allocated this week: there was no supply to share out."


def shows_label(units: float, column_total: float, n: int, label_px: int) -> bool:
    """Whether a node is tall enough for its label, so neighbouring labels never overlap."""
    room = HEIGHT - 20 - NODE_GAP * (n - 1)
    return column_total > 0 and units / column_total * room >= label_px + 2


def firm_nodes(
    names: list[str], colors: dict[str, str], units: dict[str, float], side: str, label_px: int
) -> list[dict[str, Any]]:
    """One column of firm nodes in model order; a thin node's label shows on hover only."""
    total = sum(units.values())
    return [
        {
            "name": f"{f} ({side})",
            "depth": 1 if side == "booked" else 2,
            "itemStyle": {"color": colors[f]},
            "label": {
                "formatter": f,
                "show": shows_label(units[f], total, len(names), label_px),
            },
        }
        for f in names
    ]


def sankey_option(m: GpuMarket, week: int | None, label_px: int = TEXT_PX[False]) -> dict[str, Any]:
    """Three fixed columns; a firm's kept units are tinted in its colour, redirected ones red."""
    names, colors = firm_names(m), firm_colors(m)
    booked, moved = flows(m, week)
    received = dict(booked)
    for (donor, receiver), units in moved.items():
        if donor in received:
            received[donor] -= units
        if receiver in received:
            received[receiver] += units
    nodes = [{"name": SOURCE, "depth": 0, "itemStyle": {"color": "#76b900"}}]
    nodes += firm_nodes(names, colors, booked, "booked", label_px)
    nodes += firm_nodes(names, colors, received, "received", label_px)
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
                "nodeGap": NODE_GAP,
                "left": 60,
                "right": round(RIGHT_LABEL_EM * label_px),  # room for the right column's names
                "top": 10,
                "bottom": 10,
                "draggable": False,
                "emphasis": {"focus": "adjacency"},
                "label": {"fontSize": label_px},
                "data": nodes,
                "links": links,
            }
        ],
    }


def empty_option(message: str) -> dict[str, Any]:
    """No diagram, only the message in the middle of the chart's box (and as its label)."""
    return {
        "series": [],
        "title": {
            "text": message,
            "left": "center",
            "top": "middle",
            "textStyle": {"fontWeight": "normal", "color": "#555", "width": 360},
        },
    }


@solara.component
def FlowChart(m: GpuMarket, cumulative: bool) -> None:
    """This week's flows (the last simulated week) or all weeks so far; a message when nothing
    moved (the chart's element stays, so its week stamp is still drawn)."""
    use_tick()
    big = use_presenter()
    week = None if cumulative else max(m.week - 1, 0)
    name = "flow_cumulative" if cumulative else "flow_week"
    message = empty_message(m, week)
    option = empty_option(message) if message else sankey_option(m, week, TEXT_PX[big])
    layout = layout_key(m, "empty" if message else "sankey")
    EChart(option, name=name, stamp=m.week, layout=layout, height=HEIGHT, label=message or "")


@solara.component
def FlowView(m: GpuMarket) -> None:
    """Fifth tab: this week's supply and the whole run's, side by side (one above the other on a
    narrow screen)."""
    use_tick()
    last = m.firms_table().date.iloc[-1] if m.week else m.date.isoformat()
    with solara.Div(classes=["flow-pair"]):
        with solara.Div():
            heading(f"This week ({last})")
            FlowChart(m, cumulative=False)
        with solara.Div():
            heading(f"Cumulative since {m.config.start_date}")
            FlowChart(m, cumulative=True)
    for line in moved_lines(m):
        solara.Text(line, classes=["flow-moved"])
    solara.Text(
        "Left: Nvidia's output. Middle: what the allocation rule booked for each firm. "
        "Right: what each firm received. "
        "Red bands: units the owner redirected (or swaps repaid) between his firms."
    )


def moved_lines(m: GpuMarket) -> list[str]:
    """The red bands in words, this week's and the whole run's ('Tesla -> X: 4,400'), so a
    thin band at the bottom of a diagram can be read from the back of the room."""
    if not m.week:
        return []
    out = []
    for title, week in (("Moved this week", m.week - 1), ("Moved since the start", None)):
        moved = flows(m, week)[1]
        pairs = [f"{d} \u2192 {r}: {u:,.0f}" for (d, r), u in moved.items() if u]
        out.append(f"{title}: {'; '.join(pairs) if pairs else 'nothing'}.")
    return out
