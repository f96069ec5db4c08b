"""The friction ledger: points per component, charges, events, weekly totals.

Default weights (points per 1,000 units; refusals per request): redirect 1.0, reschedule 0.5,
cancel 0.8, discrepancy 0.05, refusal 2.0.
"""

from __future__ import annotations

import pytest

from model.config import Friction
from model.friction import COMPONENTS, UNITS, FrictionLedger
from model.records import Event, EventKind, FrictionWeek


def ledger(**weights: float) -> FrictionLedger:
    return FrictionLedger(Friction(**weights))


@pytest.mark.parametrize(
    ("component", "amount", "points"),
    [
        ("redirect", 12_000, 12.0),
        ("reschedule", 3_000, 1.5),
        ("cancel", 2_500, 2.0),
        ("discrepancy", 40_000, 2.0),
        ("refusal", 3, 6.0),  # per request, not per 1,000
        ("redirect", 0, 0.0),
    ],
)
def test_cost_per_component(component: str, amount: float, points: float) -> None:
    assert ledger().cost(component, amount) == pytest.approx(points, rel=1e-12)


def test_components_and_units() -> None:
    assert COMPONENTS == ("redirect", "reschedule", "cancel", "discrepancy", "refusal")
    assert UNITS == 1_000.0


def test_weights_come_from_the_scenario() -> None:
    f = ledger(redirect=3.0, refusal=0.5)
    assert f.cost("redirect", 2_000) == 6.0
    assert f.cost("refusal", 4) == 2.0


def test_charge_accumulates_this_weeks_component() -> None:
    f = ledger()
    assert f.charge("redirect", 2_000) == 2.0
    assert f.charge("redirect", 500) == 0.5
    assert f.charge("cancel", 5_000) == 4.0
    assert f.week == FrictionWeek(redirect=2.5, cancel=4.0)
    assert f.events == []  # a charge alone leaves no event


def test_record_without_a_component_keeps_the_event_and_charges_nothing() -> None:
    f = ledger()
    event = Event(3, EventKind.EXPANSION, "Tesla", units=50_000, text="slots")
    assert f.record(event) is event
    assert f.events == [event] and f.week.total == 0.0


def test_record_with_a_component_returns_the_event_with_its_friction() -> None:
    """1,500 units redirected: 1.5 points; a refusal of 12,000 units: one request, 2 points."""
    f = ledger()
    moved = Event(3, EventKind.REDIRECT, "Tesla", "X", 1_500)
    refused = Event(3, EventKind.REFUSAL, "Tesla", "X", 12_000)
    kept = f.record(moved, "redirect")
    assert kept == Event(3, EventKind.REDIRECT, "Tesla", "X", 1_500, friction=1.5)
    assert moved.friction == 0.0  # records are frozen: the ledger returns a copy
    assert f.record(refused, "refusal").friction == 2.0
    assert [e.friction for e in f.events] == [1.5, 2.0]
    assert f.week == FrictionWeek(redirect=1.5, refusal=2.0)


def test_close_week_totals_and_accumulates() -> None:
    """Week 1: 3.0 redirect + 0.25 reschedule + 2.0 discrepancy = 5.25; week 2: 4.0 refusal."""
    f = ledger()
    f.charge("redirect", 3_000)
    f.charge("reschedule", 500)
    f.charge("discrepancy", 40_000)
    first = f.close_week()
    assert first.total == pytest.approx(5.25, rel=1e-12)
    assert f.week == FrictionWeek() and f.cumulative == pytest.approx(5.25, rel=1e-12)
    f.record(Event(1, EventKind.REFUSAL, "X", "Tesla", 100), "refusal")
    f.record(Event(1, EventKind.REFUSAL, "X", "xAI", 100), "refusal")
    assert f.close_week() == FrictionWeek(refusal=4.0)
    assert f.cumulative == pytest.approx(9.25, rel=1e-12)
    assert f.close_week().total == 0.0 and f.cumulative == pytest.approx(9.25, rel=1e-12)
    assert len(f.events) == 2  # events outlive the week they were charged in
