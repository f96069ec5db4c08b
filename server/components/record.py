"""The public record on the charts and in a "Reality check" tab.

`with_record` overlays the reported points (`model/data/record.csv`) and the key dates on a chart's
option; `RealityCheck` shows the record table for the run so far. Both apply only to runs that model
the real market, i.e. that have every firm the record names (not classroom, inflation-lab).
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import math
from typing import Any

import solara

from model.market import GpuMarket
from model.params import ScenarioError
from model.record import Point, PointScore, RecordScore, load_record, number, score
from server.components.common import dates, firm_colors, firm_names, heading
from server.session import use_tick

KEY_DATES = (
    ("2023-12-04", "Nvidia memo: 12k to X"),
    ("2024-04-23", "Tesla Q1 call"),
    ("2024-06-04", "Musk: no place to turn them on"),
    ("2024-07-22", "Colossus 100k"),
    ("2024-10-23", "Cortex live"),
)
KEY_DATES_SERIES = "Key dates"
SERIES_NAMES = {False: "Reported (facts, estimates)", True: "Claims"}  # by "is a claim"
KEY_DATE_COLOR = "#455a64"
LEGEND_STYLES = {
    False: {"color": "#9e9e9e", "borderColor": "#212121", "borderWidth": 1.5},
    True: {"color": "#ffffff", "borderColor": "#212121", "borderWidth": 2},
}
MARKET_COLOR = "#ef6c00"  # market-wide points (lead time): apart from the run's grey line
AXIS_UNITS = {"installed": "GPU", "lead_time_weeks": "week"}  # finds the quantity's y axis
QUANTITIES = {
    "installed": "installed base",
    "redirected_out": "redirected away",
    "redirected_in": "redirected to it",
    "allocated": "allocated",
    "capacity": "output",
    "lead_time_weeks": "quoted lead time (weeks)",
    "price_usd": "list price (USD)",
    "supply_gap": "demand-supply gap",
}
CELL = "padding: 3px 10px; vertical-align: top;"
VERDICT_COLORS = {
    "inside": "#2e7d32",
    "outside": "#c62828",
    "claim": "#6a1b9a",
    "not yet": "#757575",
    "outside the run's dates": "#757575",
}
EXPLANATION = (
    "<b>Facts</b> are figures reported for a date (the Nvidia memo, Tesla's calls, Colossus), "
    "with the range the report allows. <b>Estimates</b> are analysts' figures (Omdia, DigiTimes, "
    "the press) with their published range or ±15%. <b>Claims</b> are what a firm said it would "
    "have (Meta's 350k, Tesla's ~85k by the end of 2024): shown beside the run, never scored, "
    "because saying is not shipping. A point is inside when the run's figure for its week (or "
    "its sum or mean over the period) lies in the range; the score is inside / scored points, "
    "and a point the run has not reached yet counts as outside until it is."
)


# --- which runs and which weeks ------------------------------------------------------------------


@functools.cache
def record_firms() -> tuple[str, ...]:
    """Every firm the record names (summed firms such as xAI+Tesla split), sorted."""
    return tuple(sorted({f for p in load_record() for f in p.firms}))


def missing_firms(m: GpuMarket) -> list[str]:
    """The record's firms this run does not have (empty: the run models the real market)."""
    have = set(firm_names(m))
    return [f for f in record_firms() if f not in have]


def week_index(m: GpuMarket, day: dt.date) -> int | None:
    """The run's week holding `day` (None outside the horizon)."""
    w = (day - m.start).days // 7
    return w if 0 <= w < m.weeks else None


def point_weeks(m: GpuMarket, p: Point) -> tuple[int, int] | None:
    """The first and last week of a point (its date, or its period), None unless both lie in the
    run: a period cut by the horizon cannot be scored, so it is not drawn either."""
    first, last = week_index(m, p.date), week_index(m, p.end or p.date)
    return None if first is None or last is None else (first, last)


# --- the record on a chart -----------------------------------------------------------------------


def record_series(
    m: GpuMarket, quantity: str, firms: list[str] | None = None, *, y_axis: int = 0
) -> list[dict[str, Any]]:
    """Scatter series of the record's points of `quantity` for `firms` (default: all the run's),
    each with its [low, high] range as a bar: facts and estimates as filled circles with solid
    bars, claims as hollow diamonds with dashed bars; a period's point sits at its middle week and
    its weeks are shaded. Empty for a run without the record's firms."""
    if missing_firms(m):
        return []
    shown = set(firm_names(m) if firms is None else firms)
    points = [
        p
        for p in load_record()
        if p.quantity == quantity and set(p.firms) <= shown and point_weeks(m, p)
    ]
    series = []
    for claim in (False, True):
        chosen = [p for p in points if (p.kind == "claim") == claim]
        if chosen:
            series.append(_kind_series(m, chosen, claim, y_axis))
    return series


def _kind_series(m: GpuMarket, points: list[Point], claim: bool, y_axis: int) -> dict[str, Any]:
    """One scatter series (facts and estimates, or claims) with range bars and period shades."""
    labels, colors = dates(m), firm_colors(m)
    items, bars, areas = [], [], []
    for p in points:
        first, last = point_weeks(m, p) or (0, 0)
        x, color = labels[(first + last) // 2], colors.get(p.firm, MARKET_COLOR)
        tip = {"formatter": point_tooltip(p)}
        items.append(_item(p, x, color, claim, tip))
        line = {"color": color, "width": 2.5, "type": "dashed" if claim else "solid"}
        ends = ({"coord": [x, p.low]}, {"coord": [x, p.high]})
        bars.append([{**end, "lineStyle": line, "tooltip": tip} for end in ends])
        if last > first:
            shade = {"color": color, "opacity": 0.12}
            corners = ({"coord": [labels[first], p.low]}, {"coord": [labels[last], p.high]})
            areas.append([{**c, "itemStyle": shade, "tooltip": tip} for c in corners])
    series: dict[str, Any] = {
        "name": SERIES_NAMES[claim],
        "type": "scatter",
        "yAxisIndex": y_axis,
        "z": 5,
        "symbol": "diamond" if claim else "circle",  # the legend's icon; items carry their own
        "itemStyle": LEGEND_STYLES[claim],
        "tooltip": {"trigger": "item"},
        "data": items,
        "markLine": {"symbol": ["none", "none"], "label": {"show": False}, "data": bars},
    }
    if areas:
        series["markArea"] = {"label": {"show": False}, "data": areas}
    return series


def _item(p: Point, x: str, color: str, claim: bool, tip: dict[str, str]) -> dict[str, Any]:
    """One point: filled circle (fact, estimate) or hollow diamond (claim) in the firm's colour."""
    style = (
        {"color": "#ffffff", "borderColor": color, "borderWidth": 2.5}
        if claim
        else {"color": color, "borderColor": "#212121", "borderWidth": 1.5}
    )
    return {
        "name": p.id,
        "value": [x, p.value],
        "symbol": "diamond" if claim else "circle",
        "symbolSize": 16 if claim else 13,
        "itemStyle": style,
        "tooltip": tip,
    }


def point_tooltip(p: Point) -> str:
    """The point as its tooltip names it: id, firm and quantity, value and range, kind, source."""
    scale = max(abs(p.value), abs(p.low), abs(p.high))
    reported = f"{number(p.value, scale)} [{number(p.low, scale)}-{number(p.high, scale)}]"
    lines = (
        f"<b>{_esc(p.id)}</b>: {_esc(p.firm)}, {_esc(QUANTITIES.get(p.quantity, p.quantity))}",
        f"reported {reported}, {when(p)}",
        f"{p.kind}: {_esc(p.source)}",
    )
    return "<br/>".join(lines)


def when(p: Point) -> str:
    """'at 2024-04-23', or 'mean over 2023-10-02 to 2023-12-25' for a period."""
    if p.end is None:
        return f"at {p.date.isoformat()}"
    return f"{p.stat} over {p.date.isoformat()} to {p.end.isoformat()}"


def _esc(text: str) -> str:
    """HTML-escaped, with braces dropped: ECharts reads {a} in a formatter as a template."""
    return html.escape(text).replace("{", "(").replace("}", ")")


def key_date_lines(m: GpuMarket, font_size: int = 14) -> dict[str, Any]:
    """A `markLine` of labelled vertical lines at the key dates inside the run, each at its week's
    label; `font_size` (at least 14 px for a projector by default) sets the label text."""
    labels = dates(m)
    data = []
    for day, text in KEY_DATES:
        w = week_index(m, dt.date.fromisoformat(day))
        if w is not None:
            tip = {"formatter": f"{day}: {_esc(text)}"}
            data.append({"name": text, "xAxis": labels[w], "tooltip": tip})
    return {
        "symbol": ["none", "none"],
        "silent": False,
        "lineStyle": {"type": "dashed", "color": KEY_DATE_COLOR, "width": 1.5},
        "label": {
            "show": True,
            "position": "insideEndTop",
            "formatter": "{b}",
            "fontSize": font_size,
            "color": "#263238",
            "backgroundColor": "rgba(255, 255, 255, 0.75)",
            "padding": [1, 3],
        },
        "emphasis": {"label": {"show": True}},
        "data": data,
    }


def with_record(
    option: dict[str, Any],
    m: GpuMarket,
    quantity: str,
    firms: list[str] | None = None,
    *,
    y_axis: int | None = None,
    font_size: int = 14,
) -> dict[str, Any]:
    """`option` with the record's points of `quantity` and the key dates added (a new option; the
    input is left as it is). The key dates ride on a series of their own, so hiding a firm in the
    legend keeps them, and "Key dates" toggles them. `y_axis` defaults to the axis whose name
    carries the quantity's unit. Unchanged for a run without the record's firms or weeks."""
    if m.week == 0 or missing_firms(m):
        return option
    axis = _axis_of(option, quantity) if y_axis is None else y_axis
    dated = {
        "name": KEY_DATES_SERIES,
        "type": "line",
        "color": KEY_DATE_COLOR,
        "data": [],
        "markLine": key_date_lines(m, font_size),
    }
    added = [*record_series(m, quantity, firms, y_axis=axis), dated]
    return {**option, "series": [*option.get("series", []), *added]}


def _axis_of(option: dict[str, Any], quantity: str) -> int:
    """The index of the y axis named in the quantity's unit ('weeks' for the lead time), else 0."""
    axes = option.get("yAxis")
    unit = AXIS_UNITS.get(quantity, quantity)
    if isinstance(axes, list):
        for i, axis in enumerate(axes):
            if unit.lower() in str(axis.get("name", "")).lower():
                return i
    return 0


# --- the Reality check tab -----------------------------------------------------------------------


def reality_check(m: GpuMarket) -> RecordScore | None:
    """The run so far scored against the record (None before the first week)."""
    if m.week == 0:
        return None
    return score(load_record(), [(m.model_table(), m.firms_table())])


def verdict(m: GpuMarket, p: Point, s: PointScore | None) -> str:
    """inside / outside / claim, or 'not yet' for a point the run has not reached."""
    if s is None or math.isnan(s.mean):
        return "not yet" if point_weeks(m, p) else "outside the run's dates"
    if not s.scored:
        return "claim"
    return "inside" if s.inside else "outside"


def totals_text(m: GpuMarket, result: RecordScore | None) -> str:
    """Inside / reached so far and the record score (inside / all scored points)."""
    scored = [p for p in load_record() if p.scored]
    if result is None:
        return f"No weeks simulated yet: step the run to check its {len(scored)} scored points."
    reached = [s for s in result.points if s.scored and not math.isnan(s.mean)]
    waiting = result.total - len(reached)
    if waiting == 0:
        return (
            f"Inside the reported range: {result.inside} of {result.total} scored points. "
            f"Score {result.score:.3f}."
        )
    return (
        f"Inside the reported range: {result.inside} of the {len(reached)} scored points reached "
        f"so far ({waiting} not yet). Score {result.score:.3f}: inside / all {result.total} "
        "scored points, a point not reached counting as outside."
    )


def check_html(m: GpuMarket, result: RecordScore | None) -> str:
    """The record table as HTML: each point reported, the run's figure, the verdict, the source."""
    scores = {s.id: s for s in result.points} if result else {}
    names = ("point", "firm", "what", "reported [range]", "kind", "run", "", "source")
    head = "".join(f'<th style="{CELL} text-align: left;">{h}</th>' for h in names)
    rows = "".join(_row(m, p, scores.get(p.id)) for p in load_record())
    return (
        '<table class="reality-check-table" style="border-collapse: collapse; font-size: 14px;">'
        f"<tr>{head}</tr>{rows}</table>"
    )


def _row(m: GpuMarket, p: Point, s: PointScore | None) -> str:
    """One point's table row (the source also shows on hovering its id)."""
    scale = max(abs(p.value), abs(p.low), abs(p.high))
    reported = f"{number(p.value, scale)} [{number(p.low, scale)}-{number(p.high, scale)}]"
    mean = s.mean if s else math.nan
    said = verdict(m, p, s)
    source = html.escape(p.source)
    cells = (
        _td(html.escape(p.id), title=source),
        _td(html.escape(p.firm)),
        _td(html.escape(f"{QUANTITIES.get(p.quantity, p.quantity)}, {when(p)}")),
        _td(reported, "text-align: right;"),
        _td(p.kind),
        _td(number(mean, scale) if math.isfinite(mean) else "-", "text-align: right;"),
        _td(said, f"color: {VERDICT_COLORS[said]}; font-weight: 600;", cls="verdict"),
        _td(source, "font-size: 12px; color: #616161; max-width: 420px;"),
    )
    return '<tr style="border-top: 1px solid #e0e0e0;">' + "".join(cells) + "</tr>"


def _td(text: str, style: str = "", *, title: str = "", cls: str = "") -> str:
    """One table cell of already escaped text."""
    attrs = (f' class="{cls}"' if cls else "") + (f' title="{title}"' if title else "")
    return f'<td{attrs} style="{CELL} {style}">{text}</td>'


def not_covered_text(m: GpuMarket, missing: list[str]) -> str:
    """Why a run is not checked against the record."""
    return (
        f"The public record describes the real 2023-2024 market, and this scenario "
        f"({m.config.name}) does not have all of its firms (missing: {', '.join(missing)}). "
        "Choose baseline, or a scenario built on it, to check a run against what was reported."
    )


@solara.component
def RealityCheck(m: GpuMarket) -> None:
    """The 'Reality check' tab: the run so far against the public record, point by point."""
    use_tick()
    missing = missing_firms(m)
    result = solara.use_memo(
        lambda: None if missing else _safe_check(m), dependencies=[id(m), m.week, bool(missing)]
    )
    heading("Reality check: this run against the public record")
    if missing or isinstance(result, str):
        text = not_covered_text(m, missing) if missing else result
        solara.Info(text, classes=["reality-check-message"])
        return
    solara.Text(totals_text(m, result), classes=["reality-check-totals"])
    solara.HTML(tag="div", unsafe_innerHTML=check_html(m, result), style="overflow-x: auto;")
    solara.HTML(tag="p", unsafe_innerHTML=EXPLANATION, style="font-size: 14px; max-width: 900px;")


def _safe_check(m: GpuMarket) -> RecordScore | str | None:
    """`reality_check`, or the error's message for a run the record cannot score."""
    try:
        return reality_check(m)
    except ScenarioError as exc:
        return f"This run cannot be checked against the record: {exc}"
