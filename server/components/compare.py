"""The same scenario under two settings side by side (say, with and without the owner's redirects).

Both runs are built from the current run's recipe; B changes one control. They run headless (a full
baseline takes a few tens of milliseconds) and never touch the session's own model.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from typing import Any

import pandas as pd
import solara

from model.figures import COMPARE, FIGURES, Figure, figures
from model.market import GpuMarket
from model.params import ScenarioError
from server.components.allocations import installed_option
from server.components.common import (
    clean,
    dates,
    fmt_number,
    heading,
    time_option,
    tooltip_for,
)
from server.components.echart import EChart
from server.components.inputs import (
    Flag,
    LabelledSlider,
    Menu,
    Refused,
    read_choice,
    read_flag,
    use_refusal,
)
from server.curriculum import find_lesson
from server.levers import Lever, levers
from server.session import RunSpec, Session, use_tick

METRICS = {
    "friction_cum": "Friction so far",
    "installed_total": "Installed base, all firms",
    "idle_total": "Idle GPUs",
    "price_usd": "List price (USD)",
    "jain_fill": "Jain's index (fill rates)",
    "order_inflation": "Order inflation",
    "backlog": "Backlog",
}
USD_SCALE = 1e9  # the table shows money in billions of dollars
B_CHANGES, FOLLOW, METRIC = "B changes", "only up to this week", "Metric"
LESSON_B = "The lesson's B: "  # the menu's first entry in a lesson with its own run B


def default_change(lv: Lever) -> Any:
    """B's value when the user has not chosen one: no owner policy, else the next choice."""
    if lv.path == "owner.policy" and lv.default != "none":
        return "none"
    if lv.choices:
        return lv.choices[(lv.choices.index(lv.default) + 1) % len(lv.choices)]
    return lv.default


def run_pair(a: RunSpec, b: RunSpec, weeks: int | None) -> tuple[GpuMarket, GpuMarket]:
    """Both runs to `weeks` (None: the horizon)."""
    return a.build().run(weeks), b.build().run(weeks)


REACHED = "week it reaches its target"  # B - A of this row: the weeks of delay
OWED = "units owed to it"  # the owner's net units moved away from the firm (negative: it gained)
PEAK_OWED = "units owed to it at the worst moment"
PEAK_DELAY = "peak weeks of delay from the owner"


def week_reached(firm_rows: pd.DataFrame, level: float | None = None) -> float:
    """The first week the firm's installed base reaches `level`, or (None) catches up with its
    target after first falling short of it; NaN if it never does within the run."""
    rows = firm_rows.reset_index(drop=True)
    goal = rows.target if level is None else pd.Series(level, index=rows.index)
    short = rows.index[rows.installed < goal]
    start = short[0] if len(short) and level is None else 0
    hit = rows.index[(rows.index >= start) & (rows.installed >= goal)]
    return float(rows.step[hit[0]]) if len(hit) else float("nan")


def owner_rows(m: GpuMarket) -> dict[str, float]:
    """Per owner firm: installed base, weeks short of target, the week it reaches its target
    (and its publicly stated level, if any), the units the owner owes it now and at the worst
    moment, and its peak weeks of delay from the owner's moves."""
    ft = m.firms_table()
    out: dict[str, float] = {}
    for f in m.config.owner.firms:
        rows = ft[ft.firm == f]
        if rows.empty:
            continue
        out[f"{f}: installed at end"] = float(rows.installed.iloc[-1])
        out[f"{f}: weeks short of target"] = float((rows.installed < rows.target).sum())
        out[f"{f}: {REACHED}"] = week_reached(rows)
        stated = next((x.statement for x in m.config.firms if x.name == f), 0)
        if stated:
            out[f"{f}: week it reaches its stated {stated:,.0f}"] = week_reached(rows, stated)
        out[f"{f}: {OWED}"] = float(rows.owner_debt.iloc[-1])
        out[f"{f}: {PEAK_OWED}"] = float(max(0.0, rows.owner_debt.max()))
        out[f"{f}: {PEAK_DELAY}"] = float(rows.owner_delay_weeks.max())
    return out


def results(m: GpuMarket) -> dict[str, float]:
    """End-of-run figures compared in the table: the owner's firms, then the run's headline
    figures (`model.figures.COMPARE`, defined and labelled once in `model.figures.FIGURES`)."""
    out = owner_rows(m)
    for key, value in figures(m.model_table(), COMPARE).items():
        f = FIGURES[key]
        out[compare_label(f)] = value / USD_SCALE if f.unit == "usd" else value
    return out


def compare_label(f: Figure) -> str:
    """A figure's label in the table: money in billions of dollars, the rest as defined."""
    return f"{f.label} (USD bn)" if f.unit == "usd" else f.label


def results_table(a: GpuMarket, b: GpuMarket) -> pd.DataFrame:
    ra, rb = results(a), results(b)
    df = pd.DataFrame({"A": ra, "B": rb})
    df["B - A"] = df.B - df.A
    return df.round(3)


def overlay_option(a: GpuMarket, b: GpuMarket, metric: str) -> dict[str, Any]:
    series = [
        {
            "name": "A",
            "type": "line",
            "symbol": "none",
            "color": "#1565c0",
            "data": clean(a.model_table()[metric], 3),
        },
        {
            "name": "B",
            "type": "line",
            "symbol": "none",
            "color": "#ef6c00",
            "data": clean(b.model_table()[metric], 3),
        },
    ]
    return time_option(a, series, METRICS[metric])


def row_digits() -> dict[str, int]:
    """Decimals per run-level row: GPU counts none, weeks and friction one, money (USD bn) two,
    indices three; the owner's firm rows (counts of GPUs and weeks, not listed here) none."""
    by_unit = {"units": 0, "weeks": 1, "usd": 2, "": 3}
    return {
        compare_label(FIGURES[k]): 1 if k == "friction" else by_unit.get(FIGURES[k].unit, 2)
        for k in COMPARE
    }


def cell(x: float, digits: int, signed: bool = False) -> str:
    """A table cell: whole numbers as whole numbers ('-20', '90,000'), a dash for missing."""
    return fmt_number(round(x, digits) if x == x else x, digits, signed)


def results_html(a: GpuMarket, b: GpuMarket) -> str:
    """The results table as plain HTML (numbers right-aligned, B - A signed), then the redirect
    lesson's answers in words."""
    digits = row_digits()
    rows = "".join(
        f"<tr><td>{html.escape(str(name), quote=False)}</td>"
        f"<td>{cell(r.A, digits.get(name, 0))}</td><td>{cell(r.B, digits.get(name, 0))}</td>"
        f"<td>{cell(r['B - A'], digits.get(name, 0), signed=True)}</td></tr>"
        for name, r in results_table(a, b).iterrows()
    )
    head = "<tr><th>result</th><th>A</th><th>B</th><th>B - A</th></tr>"
    notes = "".join(f"<li>{html.escape(line)}</li>" for line in delay_lines(a, b))
    lesson = f'<ul class="compare-delays">{notes}</ul>' if notes else ""
    return f'<table class="compare-results">{head}{rows}</table>{lesson}'


def delay_lines(a: GpuMarket, b: GpuMarket) -> list[str]:
    """Per owner firm, in words: weeks of delay reaching its target in B against A, and the units
    the owner owes it in each run (what the redirect lesson asks)."""
    ra, rb = owner_rows(a), owner_rows(b)
    lines = []
    for f in a.config.owner.firms:
        key = f"{f}: {REACHED}"
        if key not in ra or key not in rb:
            continue
        lines.append(f"{f}, weeks of delay (B - A): {delay_words(a, ra[key], rb[key])}")
        lines.append(
            f"{f}, units owed: {fmt_number(ra[f'{f}: {OWED}'])} in A, "
            f"{fmt_number(rb[f'{f}: {OWED}'])} in B (units the owner moved away from it, net; "
            "negative: it received more than it gave)"
        )
    return lines


def delay_words(m: GpuMarket, week_a: float, week_b: float) -> str:
    """'20 weeks later in B (week 77, 2025-03-17) than in A (week 57, 2024-10-28)'."""

    def when(w: float) -> str:
        if w != w:
            return "not reached"
        return f"week {w:.0f}, {dates(m)[int(w)]}"

    if week_a != week_a or week_b != week_b:
        return f"A {when(week_a)}; B {when(week_b)}"
    delay = week_b - week_a
    if delay == 0:
        return f"none: both reach it in {when(week_a)}"
    side = "later" if delay > 0 else "sooner"
    plural = "" if abs(delay) == 1 else "s"
    return f"{abs(delay):.0f} week{plural} {side} in B ({when(week_b)}) than in A ({when(week_a)})"


@solara.component
def CompareView(session: Session) -> None:
    """Choose one control to change for B; see both runs' results and charts. Every value the
    browser sends is read (the menu's choices, the lever's range) before B is built from it."""
    use_tick()
    m, spec = session.market.value, session.spec.value
    options = {lv.label: lv for lv in levers(m.config)}
    lesson_b, lesson_words = lesson_comparison(session.lesson.value, spec)
    lesson_label = f"{LESSON_B}{lesson_words}" if lesson_words else None
    default = lesson_label or next(
        (k for k, lv in options.items() if lv.path == "owner.policy"), next(iter(options))
    )
    names = ([lesson_label] if lesson_label else []) + list(options)
    label, set_label = solara.use_state(default)
    label = label if label in names else default  # a lesson started or ended meanwhile
    lever = options.get(label)
    picked, set_picked = solara.use_state({})
    value = picked.get(lever.path, default_change(lever)) if lever else None
    follow, set_follow = solara.use_state(False)
    metric, set_metric = solara.use_state(METRICS["friction_cum"])
    refusal = use_refusal()
    with solara.Row(gap="12px", style={"flex-wrap": "wrap", "align-items": "center"}):
        choose = refusal.handler(lambda v: read_choice(v, names, B_CHANGES), label, set_label)
        Menu(B_CHANGES, names, label, choose, refusal.nonce)
        if lever is not None:
            store = lambda v: set_picked({**picked, lever.path: v})  # noqa: E731
            ChangeTo(lever, value, refusal.handler(lever.read, value, store), refusal.nonce)
        tick = refusal.handler(lambda v: read_flag(v, FOLLOW), follow, set_follow)
        Flag(FOLLOW, follow, tick, refusal.nonce)
    Refused(refusal, "compare-value-error")
    if lever is not None:
        solara.Text(f"{lever.label}: {tooltip_for(lever.path)}", classes=["compare-help"])
    weeks = m.week if follow else None
    b_spec = spec.with_settings(**{lever.path: value}) if lever else lesson_b
    pair = solara.use_memo(lambda: _safe_pair(spec, b_spec, weeks), [spec, b_spec, weeks])
    if isinstance(pair, str):
        solara.Error(f"B cannot run: {pair}", classes=["compare-error"])
        return
    a, b = pair
    b_text = b_spec.describe() if lever else f"{spec.scenario} {lesson_words}"
    solara.Text(f"A: {spec.describe()}  |  B: {b_text}  ({a.week} weeks each)")
    if a.week == 0:
        solara.Info("Step the run first, or untick 'only up to this week'.")
        return
    SideBySide(a, b, list(m.config.owner.firms) or None)
    Overlay(a, b, metric, set_metric)
    solara.HTML(tag="div", unsafe_innerHTML=results_html(a, b))


def lesson_comparison(slug: str | None, spec: RunSpec) -> tuple[RunSpec | None, str | None]:
    """The running lesson's own run B for `spec` and the lesson's words for it ("without the
    memo ..."), or (None, None) when no lesson with a comparison runs this scenario."""
    le = find_lesson(slug)
    if le is None or le.compare is None or le.scenario != spec.scenario:
        return None, None
    return le.compare_spec(spec), le.compare.label


@solara.component
def ChangeTo(lever: Lever, value: Any, on_value: Callable[[Any], None], nonce: int) -> None:
    """B's value of `lever`: a menu of its choices, or a slider over its range; `on_value` gets
    what the browser sent (read it with `lever.read`)."""
    if lever.choices:
        Menu("to", [lever.show(c) for c in lever.choices], lever.show(value), on_value, nonce)
        return
    unit = f" {lever.unit}" if lever.unit else ""
    LabelledSlider(
        f"to ({lever.min:g} to {lever.max:g})",
        value,
        lever.min,
        lever.max,
        1 if lever.kind == "int" else 0.05,
        on_value,
        nonce,
        shown=f"{value:g}{unit}",
        classes=("compare-to",),
    )


@solara.component
def SideBySide(a: GpuMarket, b: GpuMarket, firms: list[str] | None) -> None:
    """A's and B's installed base against target, on one y scale."""
    top = nice_ceiling(max(float(wide_max(r, firms)) for r in (a, b)))
    with solara.Div(classes=["compare-pair"]):  # side by side where both fit, else stacked
        for side, run in (("A", a), ("B", b)):
            with solara.Column():
                heading(f"{side}: installed base against target")
                option = installed_option(run, firms)
                option["yAxis"]["max"] = top
                EChart(
                    option,
                    name=f"compare_{side.lower()}",
                    stamp=run.week,
                    layout=f"{id(run)}",
                    height=280,
                )


@solara.component
def Overlay(a: GpuMarket, b: GpuMarket, metric: str, set_metric: Callable[[str], None]) -> None:
    """A and B over time, one metric at a time (the choice is kept by the view, so it survives
    the chart being hidden)."""
    refusal = use_refusal()
    names = list(METRICS.values())
    with solara.Row(style={"align-items": "center"}):
        heading("A and B over time")
        pick = refusal.handler(lambda v: read_choice(v, names, METRIC), metric, set_metric)
        Menu(METRIC, names, metric, pick, refusal.nonce)
    Refused(refusal, "compare-value-error")
    column = next(k for k, v in METRICS.items() if v == metric)
    EChart(
        overlay_option(a, b, column),
        name="compare_overlay",
        stamp=a.week,
        layout=f"{id(a)}",
        height=260,
    )


def wide_max(m: GpuMarket, firms: list[str] | None) -> float:
    """Largest installed base or target among `firms`, so A and B share a y scale."""
    ft = m.firms_table()
    ft = ft[ft.firm.isin(firms)] if firms else ft
    return float(max(ft.installed.max(), ft.target.max()))


def nice_ceiling(x: float) -> float:
    """The axis maximum a person would choose: 175,136 -> 180,000 (two significant figures)."""
    if not math.isfinite(x) or x <= 0:
        return 1.0
    step = 10 ** (math.floor(math.log10(x)) - 1)
    return math.ceil(x / step) * step


def _safe_pair(a: RunSpec, b: RunSpec, weeks: int | None) -> tuple[GpuMarket, GpuMarket] | str:
    try:
        return run_pair(a, b, weeks)
    except (ScenarioError, ValueError) as exc:
        return str(exc)
