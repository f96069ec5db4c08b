"""The same scenario under two settings side by side (say, with and without the owner's redirects).

Both runs are built from the current run's recipe; B changes one control. They run headless (a full
baseline takes a few tens of milliseconds) and never touch the session's own model.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import solara

from model.figures import COMPARE, FIGURES, Figure, figures
from model.market import GpuMarket
from model.params import ScenarioError
from server.components.allocations import installed_option
from server.components.common import clean, heading, time_option
from server.components.echart import EChart
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


def results(m: GpuMarket) -> dict[str, float]:
    """End-of-run figures compared in the table: the owner's firms, then the run's headline
    figures (`model.figures.COMPARE`, defined and labelled once in `model.figures.FIGURES`)."""
    t, ft = m.model_table(), m.firms_table()
    last = ft[ft.step == ft.step.max()].set_index("firm")
    out = {
        f"{f}: installed at end": float(last.installed[f])
        for f in m.config.owner.firms
        if f in last.index
    }
    out |= {
        f"{f}: weeks short of target": float(
            (ft[ft.firm == f].installed < ft[ft.firm == f].target).sum()
        )
        for f in m.config.owner.firms
        if f in last.index
    }
    for key, value in figures(t, COMPARE).items():
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
    return df.round(2)


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


def results_html(a: GpuMarket, b: GpuMarket) -> str:
    """The results table as plain HTML (numbers right-aligned, B - A signed)."""
    rows = "".join(
        f"<tr><td>{name}</td><td>{r.A:,.2f}</td><td>{r.B:,.2f}</td><td>{r['B - A']:+,.2f}</td></tr>"
        for name, r in results_table(a, b).iterrows()
    )
    head = "<tr><th>result</th><th>A</th><th>B</th><th>B - A</th></tr>"
    return f'<table class="compare-results">{head}{rows}</table>'


@solara.component
def CompareView(session: Session) -> None:
    """Choose one control to change for B; see both runs' results and charts."""
    use_tick()
    m, spec = session.market.value, session.spec.value
    options = {lv.label: lv for lv in levers(m.config)}
    default = next(
        (k for k, lv in options.items() if lv.path == "owner.policy"), next(iter(options))
    )
    label, set_label = solara.use_state(default)
    lever = options.get(label, options[default])
    picked, set_picked = solara.use_state({})
    value = picked.get(lever.path, default_change(lever))
    follow, set_follow = solara.use_state(False)
    metric, set_metric = solara.use_state(METRICS["friction_cum"])
    with solara.Row(gap="12px", style={"flex-wrap": "wrap", "align-items": "center"}):
        solara.Select(
            label="B changes", values=list(options), value=lever.label, on_value=set_label
        )
        if lever.choices:
            labels = [lever.show(c) for c in lever.choices]
            pick = lambda t: set_picked({**picked, lever.path: lever.choices[labels.index(t)]})  # noqa: E731
            solara.Select(label="to", values=labels, value=lever.show(value), on_value=pick)
        else:
            solara.InputFloat(
                label=f"to ({lever.min:g} to {lever.max:g})",
                value=float(value),
                on_value=lambda v: set_picked({**picked, lever.path: v}),
            )
        solara.Checkbox(label="only up to this week", value=follow, on_value=set_follow)
    weeks = m.week if follow else None
    b_spec = spec.with_settings(**{lever.path: value})
    pair = solara.use_memo(lambda: _safe_pair(spec, b_spec, weeks), [spec, b_spec, weeks])
    if isinstance(pair, str):
        solara.Error(f"B cannot run: {pair}", classes=["compare-error"])
        return
    a, b = pair
    solara.Text(f"A: {spec.describe()}  |  B: {b_spec.describe()}  ({a.week} weeks each)")
    if a.week == 0:
        solara.Info("Step the run first, or untick 'only up to this week'.")
        return
    firms = list(m.config.owner.firms) or None
    top = max(float(wide_max(r, firms)) for r in (a, b))
    with solara.Columns([1, 1]):
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
    with solara.Row(style={"align-items": "center"}):
        heading("A and B over time")
        solara.Select(
            label="Metric", values=list(METRICS.values()), value=metric, on_value=set_metric
        )
    column = next(k for k, v in METRICS.items() if v == metric)
    EChart(
        overlay_option(a, b, column),
        name="compare_overlay",
        stamp=a.week,
        layout=f"{id(a)}",
        height=260,
    )
    solara.HTML(tag="div", unsafe_innerHTML=results_html(a, b))


def wide_max(m: GpuMarket, firms: list[str] | None) -> float:
    """Largest installed base or target among `firms`, so A and B share a y scale."""
    ft = m.firms_table()
    ft = ft[ft.firm.isin(firms)] if firms else ft
    return float(max(ft.installed.max(), ft.target.max()))


def _safe_pair(a: RunSpec, b: RunSpec, weeks: int | None) -> tuple[GpuMarket, GpuMarket] | str:
    try:
        return run_pair(a, b, weeks)
    except (ScenarioError, ValueError) as exc:
        return str(exc)
