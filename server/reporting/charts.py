"""The report's charts as inline SVG, drawn from the run's tables with matplotlib.

matplotlib's object API (`Figure`, no pyplot) keeps no global figure state; a chart is still drawn
under a lock, because the settings it needs (font size, SVG output) are global rcParams and two app
sessions may build reports at once. Text stays text (`svg.fonttype: none`, local fonts only),
element ids carry a per-chart prefix (several SVGs share one HTML page) and a fixed hash salt makes
the bytes repeatable.
"""

from __future__ import annotations

import functools
import io
import re
import threading
from collections.abc import Callable, Mapping, Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import EngFormatter

WIDTH_IN = 7.0  # fits A4 between 14 mm margins; CSS scales the SVG to the column anyway
FRICTION_PARTS = {  # the model table's components, labelled as the app labels them
    "friction_redirect": ("Redirects", "#d62728"),
    "friction_reschedule": ("Reschedules (swap repayments)", "#ff7f0e"),
    "friction_cancel": ("Cancellations", "#8c564b"),
    "friction_discrepancy": ("Statement vs bookings", "#9467bd"),
    "friction_refusal": ("Refused requests", "#7f7f7f"),
}
SVG_SETTINGS = {"svg.fonttype": "none", "svg.hashsalt": "gpu-alloc-report", "font.size": 8.5}
_LOCK = threading.Lock()
_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.S)  # XML declaration and DOCTYPE (a remote DTD URL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)  # RDF with purl.org URLs
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(href="#|url\(#)([^")]+)')


def to_svg(fig: Figure, prefix: str) -> str:
    """The figure as an `<svg>` element ready to inline: no prolog, no metadata, prefixed ids."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = _METADATA.sub("", _PROLOG.sub("", buf.getvalue(), count=1))
    svg = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    return _REF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)


def svg_chart[**P](prefix: str) -> Callable[[Callable[P, Figure]], Callable[P, str]]:
    """Turn a function that draws a `Figure` into one that returns it as inline SVG, drawn with
    the report's settings under the lock; `prefix` keeps its element ids apart from the others'."""

    def wrap(draw: Callable[P, Figure]) -> Callable[P, str]:
        @functools.wraps(draw)
        def render(*args: P.args, **kwargs: P.kwargs) -> str:
            with _LOCK, mpl.rc_context(SVG_SETTINGS):
                return to_svg(draw(*args, **kwargs), prefix)

        return render

    return wrap


def new_figure(height_in: float, rows: int = 1) -> tuple[Figure, list]:
    """A report-width figure with `rows` axes sharing the time axis."""
    fig = Figure(figsize=(WIDTH_IN, height_in), layout="constrained")
    axes = fig.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
    return fig, list(axes)


def style_time_axes(ax, ylabel: str) -> None:
    """Calendar ticks, a light grid, and large values as 120k rather than an offset of 1e5."""
    locator = AutoDateLocator(maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.grid(alpha=0.3, linewidth=0.6)
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_formatter(EngFormatter(sep=""))
    ax.spines[["top", "right"]].set_visible(False)


def legend_below(fig: Figure, ax, columns: int = 6) -> None:
    """A legend under the plot, so a dozen firms never cover the data."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncols=columns, frameon=False)


def weekly(firms: pd.DataFrame, column: str) -> pd.DataFrame:
    """One column of the firms table as weeks x firms, firms in model order."""
    order = list(dict.fromkeys(firms.firm))
    table = firms.pivot(index="date", columns="firm", values=column)
    table.index = pd.to_datetime(table.index)
    return table[order]


@svg_chart("alloc")
def allocations_chart(firms: pd.DataFrame, colors: Mapping[str, str]) -> Figure:
    """GPUs allocated to each firm each week (after the owner's redirects), stacked."""
    table = weekly(firms, "allocated")
    fig, (ax,) = new_figure(3.6)
    ax.stackplot(
        table.index,
        table.to_numpy(dtype=float).T,
        labels=list(table.columns),
        colors=[colors.get(f, "#9e9e9e") for f in table.columns],
        linewidth=0,
    )
    ax.set_title("GPUs allocated per week, by firm (after redirects)", loc="left")
    style_time_axes(ax, "GPUs a week")
    legend_below(fig, ax)
    return fig


@svg_chart("installed")
def installed_chart(firms: pd.DataFrame, owned: Sequence[str], colors: Mapping[str, str]) -> Figure:
    """Installed base against target for the owner's firms: where redirects leave a gap."""
    shown = [f for f in owned if f in set(firms.firm)]
    installed, target = weekly(firms, "installed"), weekly(firms, "target")
    fig, (ax,) = new_figure(3.2)
    for name in shown:
        color = colors.get(name, "#9e9e9e")
        ax.plot(installed.index, installed[name], color=color, linewidth=1.6, label=name)
        ax.plot(target.index, target[name], color=color, linewidth=1.0, linestyle="--")
    ax.plot([], [], color="#555", linestyle="--", linewidth=1.0, label="target (dashed)")
    ax.set_title("Installed GPUs against target, the owner's firms", loc="left")
    style_time_axes(ax, "GPUs")
    legend_below(fig, ax, columns=len(shown) + 1)
    return fig


@svg_chart("friction")
def friction_chart(model: pd.DataFrame) -> Figure:
    """Cumulative friction by component: which kind of intervention the run paid for."""
    dates = pd.to_datetime(model.date)
    parts = [model[col].to_numpy(dtype=float).cumsum() for col in FRICTION_PARTS]
    fig, (ax,) = new_figure(3.2)
    ax.stackplot(
        dates,
        np.vstack(parts),
        labels=[label for label, _ in FRICTION_PARTS.values()],
        colors=[color for _, color in FRICTION_PARTS.values()],
        linewidth=0,
    )
    ax.set_title("Friction, cumulative, by component", loc="left")
    style_time_axes(ax, "friction")
    legend_below(fig, ax, columns=3)
    return fig


@svg_chart("leadprice")
def lead_price_chart(model: pd.DataFrame) -> Figure:
    """Quoted lead time over the price: how the shortage shows to a buyer."""
    dates = pd.to_datetime(model.date)
    fig, (top, bottom) = new_figure(3.8, rows=2)
    top.plot(dates, model.lead_time_weeks, color="#1f77b4", linewidth=1.5)
    top.set_title("Quoted lead time and price", loc="left")
    style_time_axes(top, "lead time, weeks")
    bottom.plot(dates, model.price_usd, color="#2ca02c", linewidth=1.5)
    style_time_axes(bottom, "price, USD")
    return fig
