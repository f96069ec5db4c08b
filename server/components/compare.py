"""The same scenario under two settings side by side (say, with and without the owner's redirects).

Both runs are built from the current run's recipe; B changes one control. They run headless (a full
baseline takes a few tens of milliseconds) and never touch the session's own model.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import solara
from mesa.visualization.utils import update_counter

from model.market import GpuMarket
from model.params import ScenarioError
from server.components.allocations import installed_option
from server.components.common import clean, heading, time_option
from server.components.echart import EChart
from server.levers import Lever, levers
from server.session import RunSpec, Session

METRICS = {
    "friction_cum": "Friction so far",
    "installed_total": "Installed base, all firms",
    "idle_total": "Idle GPUs",
    "price_usd": "List price (USD)",
    "jain_fill": "Jain's index (fill rates)",
    "order_inflation": "Order inflation",
    "backlog": "Backlog",
}


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
    """End-of-run figures compared in the table."""
    t, ft = m.model_table(), m.firms_table()
    last = ft[ft.step == ft.step.max()].set_index("firm")
    out = {
        f"{f}: installed at end": float(last.installed[f])
        for f in m.config.owner.firms
        if f in last.index
    }
    out |= {f"{f}: weeks short of target": float((ft[ft.firm == f].installed < ft[ft.firm == f].target).sum())
            for f in m.config.owner.firms if f in last.index}  # fmt: skip
    out |= {
        "Idle at end": float(t.idle_total.iloc[-1]),
        "Friction, total": float(t.friction.sum()),
        "Redirected units": float(t.redirected_units.sum()),
        "Mean Jain's index": float(t.jain_fill.mean()),
        "Mean order inflation": float(t.order_inflation.mean()),
        "Welfare (USD bn)": float(t.welfare_usd.sum() / 1e9),
        "Supplier revenue (USD bn)": float(t.revenue_usd.sum() / 1e9),
    }
    return out


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


@solara.component
def CompareView(session: Session) -> None:
    """Choose one control to change for B; see both runs' results and charts."""
    update_counter.get()
    m, spec = session.market.value, session.spec.value
    options = levers(m.config)
    paths = [lv.path for lv in options]
    path, set_path = solara.use_state("owner.policy" if "owner.policy" in paths else paths[0])
    lever = options[paths.index(path)] if path in paths else options[0]
    picked, set_picked = solara.use_state({})
    value = picked.get(lever.path, default_change(lever))
    follow, set_follow = solara.use_state(False)
    metric, set_metric = solara.use_state("friction_cum")
    with solara.Row(gap="12px", style={"flex-wrap": "wrap", "align-items": "center"}):
        solara.Select(label="B changes", values=paths, value=lever.path, on_value=set_path)
        if lever.choices:
            labels = [lever.show(c) for c in lever.choices]
            solara.Select(label="to", values=labels, value=lever.show(value),
                          on_value=lambda t: set_picked({**picked, lever.path: lever.choices[labels.index(t)]}))  # fmt: skip
        else:
            solara.InputFloat(label=f"to ({lever.min:g} to {lever.max:g})", value=float(value),
                              on_value=lambda v: set_picked({**picked, lever.path: v}))  # fmt: skip
        solara.Checkbox(label="only up to this week", value=follow, on_value=set_follow)
    weeks = m.week if follow else None
    b_spec = spec.with_settings(**{lever.path: list(value) if isinstance(value, tuple) else value})
    pair = solara.use_memo(lambda: _safe_pair(spec, b_spec, weeks), [spec, b_spec, weeks])
    if isinstance(pair, str):
        solara.Error(f"B cannot run: {pair}")
        return
    a, b = pair
    solara.Text(f"A: {spec.describe()}    B: {b_spec.describe()}    ({a.week} weeks each)")
    if a.week == 0:
        solara.Info("Step the run first, or untick 'only up to this week'.")
        return
    with solara.Columns([1, 1]):
        for side, run in (("A", a), ("B", b)):
            with solara.Column():
                heading(f"{side}: installed base against target")
                firms = [f for f in m.config.owner.firms] or None
                EChart(installed_option(run, firms), name=f"compare_{side.lower()}", stamp=run.week,
                       layout=f"{id(run)}", height=280)  # fmt: skip
    with solara.Row(style={"align-items": "center"}):
        heading("A and B over time")
        solara.Select(label="Metric", values=list(METRICS), value=metric, on_value=set_metric)
    EChart(
        overlay_option(a, b, metric),
        name="compare_overlay",
        stamp=a.week,
        layout=f"{id(a)}",
        height=260,
    )
    solara.DataFrame(results_table(a, b).reset_index(names="result"), items_per_page=20)


def _safe_pair(a: RunSpec, b: RunSpec, weeks: int | None) -> tuple[GpuMarket, GpuMarket] | str:
    try:
        return run_pair(a, b, weeks)
    except (ScenarioError, ValueError) as exc:
        return str(exc)
