"""The run's headline numbers for the latest week, read from the model table.

The figures are `model.figures.HEADLINE`, defined, labelled and explained once in
`model.figures.FIGURES`; each card's tooltip is that figure's help text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import solara

from model.figures import FIGURES, HEADLINE, figures
from model.market import GpuMarket
from server.components.common import (
    HEADLINE_PX,
    figure_tooltip,
    fmt_lead_time,
    fmt_units,
    use_presenter,
)
from server.session import use_tick

WEEK_LABEL = "Week of"
WEEK_HELP = "The calendar week just simulated (each week starts on a Monday)."


@dataclass(frozen=True)
class Card:
    """One headline card: what it shows, its value as text, and its tooltip."""

    label: str
    value: str
    help: str


def _value(key: str, x: float, supply: float) -> str:
    """A headline figure as a class reads it ('-' where a week has no such number)."""
    if key == "lead_time_now":
        return fmt_lead_time(x, supply)
    if not math.isfinite(x):
        return "-"
    unit = FIGURES[key].unit
    if unit == "usd":
        return f"${x:,.0f}"
    if unit == "units":
        return fmt_units(x)
    return f"{x:.3f}" if key == "jain_now" else f"{x:,.1f}"


def cards(m: GpuMarket) -> list[Card]:
    """The week's date, then `HEADLINE`'s figures for the run so far (dashes before a step)."""
    t = m.model_table()
    week = Card(WEEK_LABEL, str(t.date.iloc[-1]) if len(t) else "-", WEEK_HELP)
    if t.empty:
        zero = {"friction": "0.0", "redirected": "0"}
        return [week] + [
            Card(FIGURES[k].label, zero.get(k, "-"), figure_tooltip(k)) for k in HEADLINE
        ]
    values = figures(t, HEADLINE)
    supply = values["supply_now"]
    return [week] + [
        Card(FIGURES[k].label, _value(k, v, supply), figure_tooltip(k)) for k, v in values.items()
    ]


def headline(m: GpuMarket) -> dict[str, str]:
    """Label -> formatted value, for the latest simulated week."""
    return {c.label: c.value for c in cards(m)}


@solara.component
def HeadlineCard(card: Card, big: bool) -> None:
    """A card with its figure's help as a tooltip (on hover, and on keyboard focus)."""
    focusable = {"tabindex": "0", "role": "group", "aria-label": f"{card.label}: {card.value}"}
    with solara.Tooltip(card.help), solara.Div(classes=["headline"], attributes=focusable):
        solara.Text(card.label, classes=["headline-label"])
        solara.Text(
            card.value,
            classes=["headline-value"],
            style={"font-size": f"{HEADLINE_PX[big]}px", "font-weight": "600"},
        )


@solara.component
def Headline(m: GpuMarket) -> None:
    """A row of small cards: the numbers a teacher reads out while stepping."""
    use_tick()
    big = use_presenter()
    with solara.Div(classes=["headline-row"]):
        for card in cards(m):
            HeadlineCard(card, big)
