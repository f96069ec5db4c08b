"""The events table in plain words, month by month, as HTML.

Redirects, swaps and refusals are the story the report is about, so they come first: counted at the
top and listed first within each month, marked. Cancellations are many small events (a firm trims
its open orders week after week), so a month says them once per firm, summed.
"""

from __future__ import annotations

import datetime as dt
from html import escape

import pandas as pd

KEY_KINDS = ("redirect", "swap", "swap_repay", "refusal")
KEY_NAMES = {
    "redirect": ("redirect", "redirects"),
    "swap": ("swap", "swaps"),
    "swap_repay": ("swap repayment", "swap repayments"),
    "refusal": ("refused request", "refused requests"),
}
SUMMED_KINDS = ("cancellation",)


def plural(n: int, one: str, many: str) -> str:
    """`1 redirect`, `3 redirects`."""
    return f"{n:,} {one if n == 1 else many}"


def cost(friction: float) -> str:
    """The friction an event added, when it added any."""
    return f"; friction +{friction:,.1f}" if friction > 0 else ""


def month_label(month: str) -> str:
    """`2023-12` -> `December 2023`."""
    return dt.date.fromisoformat(f"{month}-01").strftime("%B %Y")


def key_summary(events: pd.DataFrame) -> str:
    """One sentence with the count and units of each first-class kind, zero counts included."""
    parts = []
    for kind in KEY_KINDS:
        rows = events[events.kind == kind]
        one, many = KEY_NAMES[kind]
        units = f" ({int(rows.units.sum()):,} GPUs)" if len(rows) and kind != "refusal" else ""
        parts.append(plural(len(rows), one, many) + units)
    total = events.friction[events.kind.isin(KEY_KINDS)].sum()
    return f"<p class='key-summary'>{escape(', '.join(parts))}; their friction {total:,.1f}.</p>"


def event_item(row: pd.Series) -> str:
    """One event as a list item: its date, its own sentence, its friction."""
    marked = " class='key'" if row.kind in KEY_KINDS else ""
    return f"<li{marked}>{escape(f'{row.date}: {row.text}{cost(row.friction)}')}</li>"


def summed_items(month: pd.DataFrame) -> list[str]:
    """A month's cancellations, one line per firm: how many, how many units, what friction."""
    items = []
    rows = month[month.kind.isin(SUMMED_KINDS)]
    for firm, group in rows.groupby("firm", sort=False):
        text = (
            f"{firm} cancelled {int(group.units.sum()):,} units of open orders "
            f"({plural(len(group), 'cancellation', 'cancellations')}){cost(group.friction.sum())}"
        )
        items.append(f"<li>{escape(text)}</li>")
    return items


def month_block(month: str, rows: pd.DataFrame) -> str:
    """A month's heading and its events: first-class kinds first, then the rest in date order,
    then the summed cancellations."""
    first = rows[rows.kind.isin(KEY_KINDS)]
    rest = rows[~rows.kind.isin(KEY_KINDS + SUMMED_KINDS)]
    items = [event_item(r) for _, r in first.iterrows()]
    items += [event_item(r) for _, r in rest.iterrows()]
    items += summed_items(rows)
    return f"<h3>{escape(month_label(month))}</h3>\n<ul class='events'>{''.join(items)}</ul>"


def narrative_html(events: pd.DataFrame) -> str:
    """The whole narrative: the first-class summary, then every month that had events."""
    if events.empty:
        return "<p>No events: nobody redirected, swapped, refused or cancelled anything.</p>"
    months = events.date.str[:7]
    blocks = [month_block(m, rows) for m, rows in events.groupby(months, sort=True)]
    return key_summary(events) + "\n" + "\n".join(blocks)
