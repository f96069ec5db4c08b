"""Helpers shared by the chart views: firm colours, calendar axes, JSON-safe series, number
formats, presenter mode and the help texts behind every tooltip."""

from __future__ import annotations

import dataclasses
import functools
import math
import typing
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import solara

from agents.population import LONG_TAIL_COLOR
from model.calendar import date_labels
from model.config import Scenario
from model.figures import FIGURES
from model.market import GpuMarket
from model.params import ParamMeta, limit_text, meta_of

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
    """One firms-table column as a week x firm frame, firms in model order: read straight from
    the recorder's week x firm array (a pivot of the long table cost milliseconds a chart)."""
    rec = m.recorder
    values = rec.firms.get(column)
    if values is None:  # a column the table derives: pivot the long table
        ft = m.firms_table()
        if ft.empty:
            return pd.DataFrame(columns=firm_names(m))
        return ft.pivot(index="step", columns="firm", values=column)[firm_names(m)]
    return pd.DataFrame(values[: rec.steps], columns=firm_names(m))


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


def fmt_number(x: float, digits: int = 2, signed: bool = False) -> str:
    """A table cell: whole numbers without decimals ('-20', '90,000'), others with `digits`;
    NaN and infinity as '-'."""
    if x is None or not math.isfinite(x):
        return "-"
    if x == 0:
        return "0"  # never '+0' or '-0'
    sign = "+" if signed else ""
    if float(x).is_integer():
        return f"{x:{sign},.0f}"
    return f"{x:{sign},.{digits}f}"


LEAD_TIME_CAP = 520  # weeks: a quoted lead time beyond ten years means "never" in a classroom


def fmt_lead_time(weeks: float, supply: float) -> str:
    """The quoted lead time in words a class reads: 'no supply' when nothing is made this week,
    a dash when undefined, 'over 10 years' beyond LEAD_TIME_CAP."""
    if supply is not None and math.isfinite(supply) and supply <= 0:
        return "no supply"
    if weeks is None or not math.isfinite(weeks):
        return "-"
    if weeks > LEAD_TIME_CAP:
        return "over 10 years"
    return f"{weeks:.0f} wk"


# --- presenter mode: big text and thick lines for the back of a room ------------------------------

PresenterContext = solara.create_context(False)
TEXT_PX = {False: 12, True: 18}  # chart text: axis labels, legends, titles, node labels
TOOLTIP_PX = {False: 14, True: 18}
HEADLINE_PX = {False: 17, True: 28}  # the headline cards' figures
MIN_LINE = {False: 0.0, True: 3.0}  # thinnest line drawn
SIDE_LEGEND = 4  # presenter mode puts a legend of more series than this on the right
SIDE_GRID = 200  # px kept free for it
GRID_EDGE = 16  # px between the chart's box and its axis labels


def use_presenter() -> bool:
    """True inside a page in presenter mode (the page provides PresenterContext)."""
    return bool(solara.use_context(PresenterContext))


def _each(node: Any) -> list[dict[str, Any]]:
    """An option component given as one dict or a list of them, as a list."""
    if isinstance(node, dict):
        return [node]
    return [n for n in node if isinstance(n, dict)] if isinstance(node, list) else []


def _font(node: dict[str, Any], key: str, px: int) -> None:
    """Set `node[key].fontSize` to at least `px`."""
    style = node.setdefault(key, {})
    style["fontSize"] = max(px, style.get("fontSize", 0))


def _structure(node: Any) -> Any:
    """A copy of an option's dicts and lists of dicts; the data arrays inside are shared, not
    copied (a full deep copy of twelve series cost milliseconds a chart a step)."""
    if isinstance(node, dict):
        return {k: v if k in SHARED else _structure(v) for k, v in node.items()}
    if isinstance(node, list) and node and isinstance(node[0], dict):
        return [_structure(v) for v in node]
    return node


SHARED = frozenset({"data", "links"})  # never changed by `present`


def present(option: dict[str, Any], big: bool) -> dict[str, Any]:
    """A chart option with the page's text sizes and line widths (a copy; `big` for presenter
    mode: text of at least 18 px, lines of at least 3 px, the legend on the right)."""
    out = _structure(option)
    px, tip = TEXT_PX[big], TOOLTIP_PX[big]
    out["textStyle"] = {**out.get("textStyle", {}), "fontSize": px}
    for axis in _each(out.get("xAxis")) + _each(out.get("yAxis")):
        _font(axis, "axisLabel", px)
        _font(axis, "nameTextStyle", px)
    for i, axis in enumerate(_each(out.get("yAxis"))):  # the name reads inwards from its axis
        axis["nameTextStyle"].setdefault("align", "left" if i == 0 else "right")
    side = big and len({s.get("name") for s in _each(out.get("series"))}) > SIDE_LEGEND
    for legend in _each(out.get("legend")):
        _font(legend, "textStyle", px)
        if side:  # many series: one per line on the right; a long name is cut, whole on hover
            legend.update(orient="vertical", right=0, top=8, itemWidth=30, itemHeight=16)
            legend["textStyle"].update(width=SIDE_GRID - 44, overflow="truncate")
            legend["tooltip"] = {"show": True}
            legend.pop("left", None)
    for title in _each(out.get("title")):
        _font(title, "textStyle", px)
        if side and "right" in title:
            title["right"] = SIDE_GRID + 8
    for zoom in _each(out.get("dataZoom")):
        if zoom.get("type") == "slider":
            _font(zoom, "textStyle", px)
            zoom["height"] = 26 if big else zoom.get("height", 16)
    for tooltip in _each(out.get("tooltip")):
        _font(tooltip, "textStyle", tip)
    for grid in _each(out.get("grid")):
        grid.update(containLabel=True, left=GRID_EDGE, right=GRID_EDGE)  # labels sized by ECharts
        if side and out.get("legend"):
            grid["right"] = SIDE_GRID
        if big:
            grid["top"] = max(grid.get("top", 0), 48)
    for series in _each(out.get("series")):
        _present_series(series, big, px)
    return out


def _present_series(series: dict[str, Any], big: bool, px: int) -> None:
    """Thick lines and big labels for one series (Sankey node labels included)."""
    if series.get("type") == "line":
        style = series.setdefault("lineStyle", {})
        style["width"] = max(MIN_LINE[big], style.get("width", 2) * (2 if big else 1))
    if series.get("type") == "scatter" and big:
        series["symbolSize"] = max(16, series.get("symbolSize", 10))
    if series.get("type") == "sankey":
        _font(series, "label", px)
    for key in ("markPoint", "markLine"):
        if key in series:
            series[key].setdefault("label", {})["fontSize"] = px


# --- help texts: one source for every tooltip ----------------------------------------------------


@functools.cache
def param_meta(path: str) -> ParamMeta | None:
    """The definition of the parameter at a dotted path ('market.mechanism',
    'firms.Tesla.ready_shift_weeks', 'supply.shocks.factor'), read from model.config's fields;
    None when there is no such parameter."""
    cls: Any = Scenario
    parts = path.split(".")
    i = 0
    while i < len(parts):
        fields = {f.name: f for f in dataclasses.fields(cls)}
        f = fields.get(parts[i])
        if f is None:
            return None
        tp = typing.get_type_hints(cls)[f.name]
        args = typing.get_args(tp)
        if dataclasses.is_dataclass(tp):
            cls = tp
        elif args and dataclasses.is_dataclass(args[0]):
            cls = args[0]  # a list of records: firms.<name>.field, supply.shocks.field
            if cls.__name__ == "Firm":
                i += 1  # skip the firm's name
        elif i == len(parts) - 1:
            return meta_of(f)
        else:
            return None
        i += 1
    return None


def tooltip_for(path: str) -> str:
    """What a control does, for its tooltip: the parameter's help text (model.config), its range
    and unit; the label when the definition has no help. The one source for control tooltips."""
    meta = param_meta(path)
    if meta is None:
        return ""
    text = meta.help or meta.label
    if meta.min is not None and meta.max is not None:
        unit = f" {meta.unit}" if meta.unit else ""
        text += f" (from {limit_text(meta.min)} to {limit_text(meta.max)}{unit})"
    return text


def figure_tooltip(key: str) -> str:
    """A headline figure's tooltip: its help text in model.figures.FIGURES."""
    f = FIGURES[key]
    return f.help or f.label


def heading(text: str, level: int = 4) -> None:
    """A small heading (solara.Markdown would pull in mermaid and KaTeX for every instance)."""
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
