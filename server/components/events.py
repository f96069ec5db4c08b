"""The event log in plain words: '2023-12-18: Musk redirected 12,000 GPUs from Tesla to X; friction
+12.0'."""

from __future__ import annotations

import html

import pandas as pd
import solara

from model.market import GpuMarket
from server.components.common import heading
from server.components.inputs import Menu, Refused, read_choice, use_refusal
from server.session import use_tick

FILTERS = {
    "all events": None,
    "redirects and swaps": ("redirect", "swap", "swap_repay"),
    "refusals": ("refusal",),
    "cancellations": ("cancellation",),
    "statements vs bookings": ("discrepancy",),
    "shocks and expansions": ("shock", "expansion"),
}
SHOWN = 200


def event_lines(events: pd.DataFrame, kinds: tuple[str, ...] | None = None) -> list[str]:
    """Newest first; friction is added when the event cost any."""
    if kinds is not None:
        events = events[events.kind.isin(kinds)]
    lines = []
    for row in events.iloc[::-1].itertuples(index=False):
        cost = f"; friction +{row.friction:,.1f}" if row.friction > 0 else ""
        lines.append(f"{row.date}: {row.text}{cost}")
    return lines


def empty_message(week: int, events: int, choice: str) -> str:
    """Why the log is empty: nothing simulated yet, no events at all, or none of this kind."""
    if week == 0:
        return "No events yet: step the model."
    if events == 0:
        return f"No events in the {week} weeks so far."
    return f"No {choice} in the {week} weeks so far ({events:,} other events: show all events)."


@solara.component
def EventLog(m: GpuMarket) -> None:
    """The newest events of the run, filterable by kind (a kind the menu does not offer is
    refused inline, and the menu shows the filter in use again)."""
    use_tick()
    choice, set_choice = solara.use_state("all events")
    refusal = use_refusal()
    kinds = list(FILTERS)
    heading("What happened, newest first")
    pick = refusal.handler(lambda v: read_choice(v, kinds, "Show"), choice, set_choice)
    Menu("Show", kinds, choice, pick, refusal.nonce)
    Refused(refusal, "events-value-error")
    events = m.events_table()
    lines = event_lines(events, FILTERS[choice])
    if not lines:
        solara.Text(empty_message(m.week, len(events), choice), classes=["event-empty"])
        return
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines[:SHOWN])
    more = (
        f"<p>... and {len(lines) - SHOWN} earlier events (download events.csv).</p>"
        if len(lines) > SHOWN
        else ""
    )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f'<ul class="event-log">{items}</ul>{more}',
        style="max-height: 640px; overflow-y: auto; font-size: 14px;",
    )
