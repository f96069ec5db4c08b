"""The run's headline numbers for the latest week, read from the model table."""

from __future__ import annotations

import solara

from model.market import GpuMarket
from server.components.common import fmt_units
from server.session import use_tick


def headline(m: GpuMarket) -> dict[str, str]:
    """Label -> formatted value, for the latest simulated week (dashes before the first step)."""
    t = m.model_table()
    if t.empty:
        return {
            "Week of": "-",
            "Supply this week": "-",
            "Price": "-",
            "Backlog": "-",
            "Lead time": "-",
            "Friction so far": "0.0",
            "Redirected so far": "0",
            "Jain (fill)": "-",
        }
    last = t.iloc[-1]
    return {
        "Week of": str(last.date),
        "Supply this week": fmt_units(last.capacity),
        "Price": f"${last.price_usd:,.0f}",
        "Backlog": fmt_units(last.backlog),
        "Lead time": f"{last.lead_time_weeks:.1f} wk",
        "Friction so far": f"{last.friction_cum:,.1f}",
        "Redirected so far": fmt_units(t.redirected_units.sum()),
        "Jain (fill)": f"{last.jain_fill:.3f}",
    }


@solara.component
def Headline(m: GpuMarket) -> None:
    """A row of small cards: the numbers a teacher reads out while stepping."""
    use_tick()
    with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
        for label, value in headline(m).items():
            with solara.Div(
                classes=["headline"],
                style={
                    "padding": "4px 10px",
                    "border": "1px solid #ddd",
                    "border-radius": "6px",
                    "min-width": "104px",
                },
            ):
                solara.Text(label, style={"font-size": "11px", "color": "#666", "display": "block"})
                solara.Text(
                    value,
                    classes=["headline-value"],
                    style={"font-size": "17px", "font-weight": "600"},
                )
