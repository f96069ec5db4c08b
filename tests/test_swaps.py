"""Swaps through phase 4, on a hand-made `Week` and an unrun classroom market: the December 2023
pattern (Tesla's units go to X now, X's later units go back to Tesla), repaid from the debtor's
allocation while the creditor still needs units, each repayment charged as a reschedule.

Classroom's buyers are Microsoft, Meta, Tesla, X, xAI (indices 0-4); the owner controls the last
three with priority xAI > X > Tesla; default friction 1 point per 1,000 units redirected and 0.5
per 1,000 rescheduled; swaps are repaid from 8 weeks after they are made.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.market import GpuMarket
from model.market.redirects import owner_view, repay_swaps, reprioritize
from model.market.week import Parties, Week
from model.records import Event, EventKind

TESLA, X, XAI = 2, 3, 4


def parties(**overrides: object) -> Parties:
    return GpuMarket("classroom", overrides=overrides or None).parties


def week(step: int, units: list[int]) -> Week:
    zeros = np.zeros(5, dtype=np.int64)
    return Week(
        step,
        units=np.asarray(units, dtype=np.int64),
        granted=np.asarray(units, dtype=np.int64),
        moved_in=zeros.copy(),
        moved_out=zeros.copy(),
        shipped_net=zeros.copy(),
    )


def needs(p: Parties, tesla: int, x: int, xai: int) -> None:
    p.buyers.need = np.array([0, 0, tesla, x, xai], dtype=np.int64)


def test_a_swap_answer_books_debts_and_later_repays_them() -> None:
    """Week 0: allocations Tesla 4,000, X 2,000, xAI 1,000 (nothing in transit), shortfalls 6,000,
    8,000 and 4,000; half of each firm's units may move. Priority fills xAI's 4,000 from Tesla
    (2,000) and X (1,000); the supplier answers swap, so xAI owes both back from week 8.

    Week 8: Tesla needs 1,500 and has 500 allocated, so it takes 1,000 of xAI's 3,000 (1,000 still
    owed); X needs 5,000 and has nothing, so it takes all 1,000 owed from xAI's remaining 2,000."""
    p = parties(**{"supplier.redirect_answer": "swap"})
    needs(p, 10_000, 10_000, 5_000)
    w = week(0, [0, 0, 4_000, 2_000, 1_000])
    reprioritize(w, p, transit_weeks=2)
    assert w.units.tolist() == [0, 0, 2_000, 1_000, 4_000]
    assert [(d.creditor, d.debtor, d.owed, d.due) for d in p.supplier.swaps] == [
        (TESLA, XAI, 2_000, 8),
        (X, XAI, 1_000, 8),
    ]
    assert p.supplier.ledger.events == [
        Event(
            0,
            EventKind.SWAP,
            "Tesla",
            "xAI",
            2_000,
            2.0,
            "Musk redirected 2,000 GPUs from Tesla to xAI; xAI's later units go back to Tesla",
        ),
        Event(
            0,
            EventKind.SWAP,
            "X",
            "xAI",
            1_000,
            1.0,
            "Musk redirected 1,000 GPUs from X to xAI; xAI's later units go back to X",
        ),
    ]
    assert p.supplier.ledger.close_week().redirect == 3.0

    needs(p, 1_500, 5_000, 0)
    w = week(8, [0, 0, 500, 0, 3_000])
    repay_swaps(w, p)
    assert w.units.tolist() == [0, 0, 1_500, 1_000, 1_000]
    assert w.moved_out.tolist() == [0, 0, 0, 0, 2_000]
    assert w.moved_in.tolist() == [0, 0, 1_000, 1_000, 0]
    assert [(d.creditor, d.owed) for d in p.supplier.swaps] == [(TESLA, 1_000)]
    repaid = p.supplier.ledger.events[2:]
    assert [(e.kind, e.firm, e.other_firm, e.units, e.friction) for e in repaid] == [
        (EventKind.SWAP_REPAY, "xAI", "Tesla", 1_000, 0.5),
        (EventKind.SWAP_REPAY, "xAI", "X", 1_000, 0.5),
    ]
    assert repaid[0].text == "Swap repaid: 1,000 of xAI's units rescheduled to Tesla"
    assert p.supplier.ledger.close_week().reschedule == 1.0
    assert p.owner.debt.tolist() == [0, 0, 1_000, 0, -1_000]


def test_repayment_is_capped_by_what_the_creditor_still_needs() -> None:
    """X owes Tesla 5,000; Tesla needs 4,000 and has 1,000 this week: 3,000 are repaid."""
    p = parties()
    p.supplier.book_swap(TESLA, X, 5_000, week=2)  # due week 10
    needs(p, 4_000, 0, 0)
    w = week(10, [0, 0, 1_000, 6_000, 0])
    repay_swaps(w, p)
    assert w.units.tolist() == [0, 0, 4_000, 3_000, 0]
    assert [d.owed for d in p.supplier.swaps] == [2_000]
    (event,) = p.supplier.ledger.events
    assert (event.kind, event.firm, event.other_firm, event.units) == (
        EventKind.SWAP_REPAY,
        "X",
        "Tesla",
        3_000,
    )
    assert event.friction == 1.5  # 0.5 points per 1,000 units rescheduled
    assert event.text == "Swap repaid: 3,000 of X's units rescheduled to Tesla"
    assert p.supplier.ledger.week.reschedule == 1.5


def test_repayment_comes_only_from_the_debtors_allocation() -> None:
    """Tesla still needs 3,000 but X has only 1,000 allocated this week (and units in transit,
    which repayments never touch): 1,000 are repaid, 4,000 still owed."""
    p = parties()
    p.supplier.book_swap(TESLA, X, 5_000, week=2)
    p.supplier.pipeline[1, X] = 7_000
    needs(p, 3_000, 0, 0)
    w = week(10, [0, 0, 0, 1_000, 0])
    repay_swaps(w, p)
    assert w.units.tolist() == [0, 0, 1_000, 0, 0]
    assert w.shipped_net.tolist() == [0, 0, 0, 0, 0]
    assert p.supplier.pipeline[1, X] == 7_000
    assert [d.owed for d in p.supplier.swaps] == [4_000]


def test_a_debtor_with_nothing_allocated_repays_nothing_and_is_not_charged() -> None:
    p = parties()
    p.supplier.book_swap(TESLA, X, 5_000, week=2)
    needs(p, 3_000, 0, 0)
    w = week(10, [0, 0, 0, 0, 2_000])
    repay_swaps(w, p)
    assert w.units.tolist() == [0, 0, 0, 0, 2_000]
    assert [d.owed for d in p.supplier.swaps] == [5_000]
    assert p.supplier.ledger.events == [] and p.supplier.ledger.week.total == 0.0


@pytest.mark.parametrize(("need", "units"), [(0, 0), (2_000, 2_000), (1_000, 3_000)])
def test_a_swap_lapses_when_the_creditor_needs_nothing_more(need: int, units: int) -> None:
    """The creditor's need is covered by this week's units: the debt is forgotten, unpaid."""
    p = parties()
    p.supplier.book_swap(TESLA, X, 5_000, week=2)
    needs(p, need, 0, 0)
    w = week(10, [0, 0, units, 6_000, 0])
    repay_swaps(w, p)
    assert w.units.tolist() == [0, 0, units, 6_000, 0]
    assert p.supplier.swaps == []
    assert p.supplier.ledger.events == [] and p.supplier.ledger.week.reschedule == 0.0
    assert p.owner.debt.tolist() == [0, 0, 0, 0, 0]


def test_a_swap_is_not_repaid_before_it_is_due() -> None:
    p = parties()
    p.supplier.book_swap(TESLA, X, 5_000, week=2)  # due week 10
    needs(p, 9_000, 0, 0)
    w = week(9, [0, 0, 0, 6_000, 0])
    repay_swaps(w, p)
    assert w.units.tolist() == [0, 0, 0, 6_000, 0]
    assert [d.owed for d in p.supplier.swaps] == [5_000]


def test_reschedule_weight_comes_from_the_scenario() -> None:
    p = parties(**{"friction.reschedule": 2.0})
    p.supplier.book_swap(TESLA, X, 500, week=0)
    needs(p, 9_000, 0, 0)
    repay_swaps(week(8, [0, 0, 0, 6_000, 0]), p)
    assert [e.friction for e in p.supplier.ledger.events] == [1.0]  # 2 points x 500 / 1,000
    assert p.supplier.swaps == []


# --- what phase 4 lets the owner move -------------------------------------------------------


def test_the_owner_sees_in_transit_only_what_can_be_redirected() -> None:
    """Tesla has 1,000 units arriving this week (row 0) and 500 next week (row 1): only the 500
    can be redirected, so the view should show 500, and all of it should be movable."""
    p = parties()
    p.supplier.pipeline[0, TESLA] = 1_000
    p.supplier.pipeline[1, TESLA] = 500
    p.buyers.in_transit = p.supplier.in_transit()  # as phase 2 sets it
    needs(p, 0, 0, 50_000)
    view = owner_view(week(4, [0, 0, 0, 0, 0]), p, transit_weeks=2)
    shown = int(view.in_transit[0])
    assert p.supplier.take_in_transit(TESLA, XAI, shown) == shown == 500
