"""One line above the charts that says what happened in the week just simulated.

Built from that week's events (the model's own words, shortened to their first clause) and its
numbers: "Week of 2023-12-04: Musk redirected 9,892 shipped GPUs from Tesla to X; supply 26,500;
lead time 46 weeks".
"""

from __future__ import annotations

import math
import re

import pandas as pd
import solara

from model.market import GpuMarket
from model.records import Event
from server.components.common import LEAD_TIME_CAP
from server.session import use_tick

# Event kinds in the order a class should hear about them; cancellations are summed in one clause.
PRIORITY = (
    "redirect",
    "swap",
    "refusal",
    "swap_repay",
    "shock",
    "output_cut",
    "expansion",
    "allocation_drop",
    "discrepancy",
)
ASIDE = re.compile(r"\s*\([^()]*\)")  # "(3,479 already shipped)", "(the December 2023 memo)"
CUTS = (", the ", "; ", ": ")  # where an event's text stops being its headline
MIN_CLAUSE = 24  # characters: a cut that leaves less ("Swap repaid") is not taken
MOST_EVENTS = 2


def first_clause(text: str) -> str:
    """An event's text without its asides, up to its first clause ('Musk redirected 9,892 shipped
    GPUs from Tesla to X, the first of ...' -> 'Musk redirected 9,892 shipped GPUs from Tesla to
    X')."""
    text = ASIDE.sub("", text)
    ends = [i for i in (text.find(c) for c in CUTS) if i >= MIN_CLAUSE]
    clause = text[: min(ends)] if ends else text
    return clause.replace("; ", ", ")  # the line itself separates clauses with semicolons


def week_events(m: GpuMarket, step: int) -> list[Event]:
    """The events of one week, read from the end of the model's list (no table is built)."""
    found = []
    for e in reversed(m.events):
        if e.step < step:
            break
        if e.step == step:
            found.append(e)
    return found[::-1]


def event_clauses(events: list[Event]) -> list[str]:
    """The week's events as short clauses, the most telling first; cancellations summed."""
    clauses: list[str] = []
    for kind in PRIORITY:
        clauses += [first_clause(e.text) for e in events if str(e.kind) == kind]
    cancelled = [e for e in events if str(e.kind) == "cancellation"]
    if cancelled:
        firms = {e.firm for e in cancelled}
        who = cancelled[0].firm if len(firms) == 1 else f"{len(firms)} buyers"
        units = sum(e.units for e in cancelled)
        clauses.append(f"{who} cancelled {units:,.0f} units of open orders")
    return clauses


def numbers_clause(row: pd.Series) -> str:
    """'supply 26,500; lead time 46 weeks', or 'no supply' in a week with no output."""
    supply = float(row.capacity)
    if supply <= 0:
        return "no supply this week"
    weeks = float(row.lead_time_weeks)
    if not math.isfinite(weeks):
        lead = ""
    elif weeks > LEAD_TIME_CAP:
        lead = "; lead time over 10 years"
    else:
        lead = f"; lead time {weeks:.0f} week{'' if round(weeks) == 1 else 's'}"
    return f"supply {supply:,.0f}{lead}"


def narrate(m: GpuMarket) -> str:
    """What happened in the latest simulated week, in one line."""
    t = m.model_table()
    if t.empty:
        return f"Press Step to simulate the first week ({m.date.isoformat()})."
    last = t.iloc[-1]
    clauses = event_clauses(week_events(m, int(last.step)))
    shown = clauses[:MOST_EVENTS]
    if len(clauses) > MOST_EVENTS:
        rest = len(clauses) - MOST_EVENTS
        shown.append(f"{rest} more event{'' if rest == 1 else 's'} in the Events tab")
    return f"Week of {last.date}: " + "; ".join([*shown, numbers_clause(last)])


@solara.component
def Narration(m: GpuMarket) -> None:
    """The line itself, redrawn each step; screen readers hear it as it changes."""
    use_tick()
    solara.Div(
        children=[narrate(m)],
        classes=["narration"],
        attributes={"role": "status", "aria-live": "polite"},
    )
