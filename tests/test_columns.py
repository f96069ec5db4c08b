"""The output columns are a contract (CLI files, sweeps, the app): pinned here as literal lists,
and the README's "Output columns" section must list the same names in the same order."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from model.market import GpuMarket

README = Path(__file__).resolve().parents[1] / "README.md"

MODEL = [
    "step",
    "date",
    "capacity",
    "available",
    "allocated",
    "shipped",
    "delivered",
    "stock",
    "price_usd",
    "ordered",
    "need",
    "backlog",
    "lead_time_weeks",
    "friction",
    "friction_redirect",
    "friction_reschedule",
    "friction_cancel",
    "friction_discrepancy",
    "friction_refusal",
    "friction_cum",
    "redirected_units",
    "refused_requests",
    "cancelled",
    "jain_fill",
    "gini_alloc",
    "order_inflation",
    "idle_total",
    "installed_total",
    "welfare_usd",
    "revenue_usd",
    "supply_gap",
]
FIRMS = [
    "step",
    "date",
    "firm",
    "owner",
    "need",
    "ordered",
    "granted",
    "allocated",
    "redirected_in",
    "redirected_out",
    "delivered",
    "deployed",
    "idle",
    "installed",
    "target",
    "slots",
    "in_transit",
    "backlog",
    "spend_usd",
    "cancelled",
    "owner_debt",
    "owner_cost_usd",
    "value_usd",
    "redirected_shipped",
    "lead_time_weeks",
    "price_usd",
    "trust",
    "multiplier",
    "owner_delay_weeks",
    "fill_rate",
]
EVENTS = ["step", "date", "kind", "firm", "other_firm", "units", "friction", "text"]


@pytest.fixture(scope="module")
def tables() -> dict:
    return GpuMarket("classroom", steps=2).run().tables()


@pytest.mark.parametrize(("table", "columns"), [("model", MODEL), ("firms", FIRMS)])
def test_tables_have_exactly_the_pinned_columns(tables: dict, table: str, columns: list) -> None:
    assert list(tables[table].columns) == columns


def test_events_table_has_exactly_the_pinned_columns(tables: dict) -> None:
    assert list(tables["events"].columns) == EVENTS  # empty after two weeks: still the columns


def test_a_non_empty_events_table_has_the_same_columns() -> None:
    events = GpuMarket("classroom", steps=5).run().events_table()
    assert "redirect" in set(events.kind)  # the owner's week-4 review moves units
    assert list(events.columns) == EVENTS


def readme_columns() -> dict[str, list[str]]:
    """Each bullet of README's "Output columns": the names in its code spans, in order.

    A bullet reads "- firms: `step, ..., granted` (a note)`, allocated` ..."; notes in
    parentheses (with or without code spans) are not column names."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### Output columns", 1)[1].split("\n#", 1)[0]
    out: dict[str, list[str]] = {}
    for bullet in re.split(r"\n- ", "\n" + section.strip())[1:]:
        label, body = bullet.split(":", 1)
        body = re.sub(r"\([^()]*\)", "", body)  # notes, such as (after redirects)
        names = ",".join(re.findall(r"`([^`]*)`", body)).split(",")
        out[label.strip()] = [n.strip() for n in names if n.strip()]
    return out


def test_readme_lists_the_same_columns_in_the_same_order() -> None:
    assert readme_columns() == {"model": MODEL, "firms": FIRMS, "events": EVENTS}
