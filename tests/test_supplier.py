"""The supplier on its own: redirect answers, trust, the transit pipeline, lead times, production,
prices and swap debts, each with numbers worked out by hand.

Built directly: `Supplier(mesa.Model(rng=0), scenario, n_buyers)` on "classroom" (start 2024-01-01,
two weeks of transit, 10,000 units a week growing 1%) with overrides.
"""

from __future__ import annotations

import mesa
import numpy as np
import pytest

from agents.supplier import MAX_WAIT_WEEKS, RATE_MEMORY, Supplier
from model.records import Answer, MechanismContext, RedirectRequest
from model.scenario import load_scenario


def supplier(n: int = 2, **overrides: object) -> Supplier:
    """A classroom supplier for `n` buyers; overrides use dotted keys with `__` for the dots."""
    dotted = {k.replace("__", "."): v for k, v in overrides.items()}
    return Supplier(mesa.Model(rng=0), load_scenario("classroom", dotted or None), n)


# --- redirect answers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("donor", "receiver", "answer"),
    [
        (1.0, 1.0, Answer.ACCEPT),
        (0.8, 0.9, Answer.ACCEPT),  # accept_above_trust = 0.8 is inclusive
        (0.95, 0.79, Answer.SWAP),  # the lower of the two trusts decides
        (0.79, 0.95, Answer.SWAP),
        (0.5, 1.0, Answer.SWAP),  # swap_above_trust = 0.5 is inclusive
        (1.0, 0.49, Answer.REFUSE),
        (0.0, 0.0, Answer.REFUSE),
    ],
)
def test_auto_answer_follows_the_lower_trust(donor: float, receiver: float, answer: Answer) -> None:
    s = supplier(3)
    s.trust = np.array([donor, 0.0, receiver])  # buyer 1 is not involved and distrusted
    assert s.answer(RedirectRequest(0, 2, 1_000)) is answer


def test_auto_thresholds_come_from_the_scenario() -> None:
    s = supplier(2, supplier__accept_above_trust=0.95, supplier__swap_above_trust=0.9)
    s.trust = np.array([0.94, 1.0])
    assert s.answer(RedirectRequest(0, 1, 10)) is Answer.SWAP
    s.trust = np.array([0.89, 1.0])
    assert s.answer(RedirectRequest(0, 1, 10)) is Answer.REFUSE


@pytest.mark.parametrize("rule", ["accept", "swap", "refuse"])
def test_fixed_answers_ignore_trust(rule: str) -> None:
    s = supplier(2, supplier__redirect_answer=rule)
    for trust in (0.0, 0.6, 1.0):
        s.trust = np.full(2, trust)
        assert s.answer(RedirectRequest(0, 1, 5_000)) is Answer(rule)


# --- trust --------------------------------------------------------------------------------------


def test_trust_update_by_hand() -> None:
    """Defaults: recovery 0.02, discrepancy 0.02 per unit of gap share, cancel 0.5 per share of
    orders cancelled, redirect 0.01 per 1,000 units.

    0: 0.5 + 0.02 * 0.5 = 0.51 (recovery only)
    1: 0.9 + 0.02 * 0.1 - 0.02 * 0.5 = 0.892 (statement gap of half its statement)
    2: 0.8 + 0.02 * 0.2 - 0.5 * 200 / 1,000 = 0.704 (cancelled a fifth of its book)
    3: 1.0 + 0 - 0.01 * 3 = 0.97 (3,000 units redirected)
    4: 0.1 + 0.02 * 0.9 = 0.118 (cancelled 500 with nothing booked before: no cancel share)
    5: 0.2 + 0.02 * 0.8 - 0.5 * 1.0 = -0.284, clipped to 0
    """
    s = supplier(6)
    s.trust = np.array([0.5, 0.9, 0.8, 1.0, 0.1, 0.2])
    s.update_trust(
        gap_share=np.array([0.0, 0.5, 0.0, 0.0, 0.0, 0.0]),
        cancelled=np.array([0, 0, 200, 0, 500, 1_000]),
        ordered_before=np.array([0, 0, 1_000, 0, 0, 1_000]),
        redirected=np.array([0, 0, 0, 3_000, 0, 0]),
    )
    np.testing.assert_allclose(s.trust, [0.51, 0.892, 0.704, 0.97, 0.118, 0.0], rtol=0, atol=1e-12)


def test_trust_recovers_toward_one_without_passing_it() -> None:
    """With recovery 0.5 a week, 0.2 -> 0.6 -> 0.8; a firm at 1 stays at 1."""
    s = supplier(2, supplier__trust_recovery=0.5)
    s.trust = np.array([0.2, 1.0])
    zero = np.zeros(2)
    s.update_trust(zero, zero, zero, zero)
    np.testing.assert_allclose(s.trust, [0.6, 1.0])
    s.update_trust(zero, zero, zero, zero)
    np.testing.assert_allclose(s.trust, [0.8, 1.0])


# --- the pipeline -------------------------------------------------------------------------------


def test_taking_in_transit_moves_soonest_arrivals_first_at_the_same_weeks() -> None:
    """pipeline[k] arrives k weeks from now; row 0 (arriving this week) is not taken. Asking for
    1,500 of the donor's 1,000 (row 1) + 2,000 (row 2) takes 1,000 then 500."""
    s = supplier(3, supply__transit_weeks=3)
    s.pipeline[:, 0] = [700, 1_000, 2_000, 0]
    s.pipeline[:, 2] = [0, 50, 0, 10]
    assert s.take_in_transit(0, 2, 1_500) == 1_500
    assert s.pipeline[:, 0].tolist() == [700, 0, 1_500, 0]
    assert s.pipeline[:, 2].tolist() == [0, 1_050, 500, 10]
    assert s.pipeline[:, 1].tolist() == [0, 0, 0, 0]


def test_taking_in_transit_never_takes_more_than_the_donor_has_on_the_road() -> None:
    s = supplier(2, supply__transit_weeks=3)
    s.pipeline[:, 0] = [400, 300, 200, 100]
    assert s.take_in_transit(0, 1, 10_000) == 600
    assert s.pipeline[:, 0].tolist() == [400, 0, 0, 0]
    assert s.pipeline[:, 1].tolist() == [0, 300, 200, 100]
    assert s.take_in_transit(0, 1, 10_000) == 0  # only this week's arrivals are left
    assert int(s.pipeline.sum()) == 1_000


def test_ship_shifts_the_pipeline_delivers_and_keeps_stock() -> None:
    """Transit 2 weeks. Week 0: output 10,000, ship [3,000, 2,000] -> stock 5,000. Week 1: output
    10,100, available 15,100, ship [1,000, 0] -> stock 14,100. Week 2 delivers week 0's units.
    Rate: first allocation taken as is ([4,000, 2,000]), then 0.7 old + 0.3 new:
    [0.7 * 4,000 + 0.3 * 1,000, 0.7 * 2,000] = [3,100, 1,400], then [2,170, 980]."""
    s = supplier(2)
    assert s.produce(0) == 10_000 and s.available == 10_000
    delivered = s.ship(np.array([3_000, 2_000]), np.array([4_000, 2_000]))
    assert delivered.tolist() == [0, 0] and s.stock == 5_000
    assert s.pipeline.tolist() == [[0, 0], [3_000, 2_000], [0, 0]]
    assert s.in_transit().tolist() == [3_000, 2_000]
    np.testing.assert_array_equal(s.rate, [4_000.0, 2_000.0])

    assert s.produce(1) == 10_100 and s.available == 15_100
    delivered = s.ship(np.array([1_000, 0]), np.array([1_000, 0]))
    assert delivered.tolist() == [0, 0] and s.stock == 14_100
    assert s.pipeline.tolist() == [[3_000, 2_000], [1_000, 0], [0, 0]]
    np.testing.assert_allclose(s.rate, [3_100.0, 1_400.0])

    delivered = s.ship(np.array([0, 0]), np.array([0, 0]))
    assert delivered.tolist() == [3_000, 2_000]
    assert s.pipeline.tolist() == [[1_000, 0], [0, 0], [0, 0]]
    np.testing.assert_allclose(s.rate, [2_170.0, 980.0])
    assert RATE_MEMORY == 0.3


def test_a_buyer_with_no_rate_yet_takes_its_first_allocation_as_its_rate() -> None:
    s = supplier(3)
    s.produce(0)
    s.rate = np.array([0.0, 0.0, 1_000.0])
    s.ship(np.zeros(3, dtype=np.int64), np.array([0, 500, 0]))
    np.testing.assert_allclose(s.rate, [0.0, 500.0, 700.0])


def test_no_transit_delivers_this_weeks_shipment_at_once() -> None:
    s = supplier(2, supply__transit_weeks=0)
    s.produce(0)
    assert s.ship(np.array([600, 400]), np.array([600, 400])).tolist() == [600, 400]
    assert s.in_transit().tolist() == [0, 0] and s.stock == 9_000


def test_quoted_lead_time_is_backlog_at_the_recent_rate_plus_transit() -> None:
    """Transit 2. 5,000 / 2,000 = 2.5 (+2 = 4.5); a rate of 0 counts as 1 unit a week: 50 / 1 = 50
    (+2 = 52); 1,000,000 / 500 = 2,000 weeks, capped at 104 (+2 = 106); no backlog: transit."""
    s = supplier(4)
    s.rate = np.array([2_000.0, 0.0, 500.0, 0.0])
    quoted = s.quote_lead_times(np.array([5_000, 50, 1_000_000, 0]))
    np.testing.assert_allclose(quoted, [4.5, 52.0, 106.0, 2.0])
    np.testing.assert_array_equal(s.lead_time, quoted)
    assert MAX_WAIT_WEEKS == 104.0


def test_the_first_quote_is_the_booking_horizon() -> None:
    assert supplier(2).lead_time.tolist() == [13.0, 13.0]  # classroom's horizon_weeks


# --- production and prices ----------------------------------------------------------------------


def test_production_follows_the_schedule_cut_by_a_shock() -> None:
    """Schedule 1,000 on 2024-01-01 to 2,000 on 2024-01-29 (week 4): 1,000, 1,250, 1,500, 1,750,
    then flat at 2,000. A shock from 2024-01-15 (week 2) for 2 weeks at half output cuts weeks 2
    and 3 only: 750 and 875. Stock left over adds to what is available."""
    s = supplier(
        2,
        supply__schedule=[["2024-01-01", 1_000], ["2024-01-29", 2_000]],
        supply__shocks=[{"start": "2024-01-15", "weeks": 2, "factor": 0.5, "label": "CoWoS"}],
    )
    assert [s.produce(w) for w in range(7)] == [1_000, 1_250, 750, 875, 2_000, 2_000, 2_000]
    assert [sh.label for sh in s.shocks_starting(2)] == ["CoWoS"]
    assert s.shocks_starting(3) == []
    s.stock = 300
    assert s.produce(3) == 875 and s.available == 1_175


def test_overlapping_shocks_take_the_deepest_cut() -> None:
    """Ramp 10,000 a week with no growth; shocks at 0.5 (weeks 1-4) and 0.2 (weeks 2-3)."""
    s = supplier(
        2,
        supply__growth_weekly=0.0,
        supply__shocks=[
            {"start": "2024-01-08", "weeks": 4, "factor": 0.5},
            {"start": "2024-01-15", "weeks": 2, "factor": 0.2},
        ],
    )
    assert [s.produce(w) for w in range(6)] == [10_000, 5_000, 2_000, 2_000, 5_000, 10_000]


def test_production_ramps_to_its_ceiling_and_holds_after_the_horizon() -> None:
    """10,000 * 1.01**w until 20,000; classroom has 52 weeks, the ramp reaches 20,000 only at
    week 70, so weeks past the horizon produce week 52's output: round(10,000 * 1.01**52)."""
    s = supplier(2)
    assert s.produce(3) == round(10_000 * 1.01**3)  # 10,303
    assert s.produce(60) == s.produce(52) == round(10_000 * 1.01**52) == 16_777
    ceiling = supplier(2, supply__max_weekly=10_200)
    assert [ceiling.produce(w) for w in range(4)] == [10_000, 10_100, 10_200, 10_200]


@pytest.mark.parametrize(
    ("demand", "weeks", "price"),
    [
        (10_000, 2.0, 30_000.0),  # demand below two weeks' supply: list price
        (30_000, 2.0, 37_500.0),  # excess 30,000 / 20,000 - 1 = 0.5, markup 0.5 * 0.5 = 0.25
        (1e9, 2.0, 45_000.0),  # markup capped at max_markup = 0.5
        (15_000, 0.5, 37_500.0),  # less than a week counts as one: 15,000 / 10,000 - 1 = 0.5
    ],
)
def test_list_price_marks_up_excess_demand(demand: float, weeks: float, price: float) -> None:
    s = supplier(2)
    s.produce(0)  # 10,000 available
    assert s.list_price(demand, weeks) == pytest.approx(price, rel=1e-12)


def test_allocate_runs_the_scenario_mechanism_on_available_units() -> None:
    """Proportional: 10,000 available against orders 6,000 + 4,000 + 10,000 = 20,000: half each."""
    s = supplier(3)
    s.produce(0)
    alloc, response = s.allocate(np.array([6_000, 4_000, 10_000]), MechanismContext.neutral(3))
    assert alloc.units.tolist() == [3_000, 2_000, 5_000]
    assert alloc.prices.tolist() == [30_000.0] * 3
    assert response.shape == (3,)


# --- swaps --------------------------------------------------------------------------------------


def test_a_swap_comes_due_after_the_delay_and_is_forgotten_when_settled() -> None:
    """swap_delay_weeks = 8: booked in week 3, due from week 11; oldest first."""
    s = supplier(3)
    s.book_swap(creditor=0, debtor=1, units=500, week=3)
    s.book_swap(creditor=2, debtor=1, units=200, week=4)
    assert s.due_swaps(10) == []
    assert [(d.creditor, d.debtor, d.owed, d.due) for d in s.due_swaps(11)] == [(0, 1, 500, 11)]
    assert [d.creditor for d in s.due_swaps(12)] == [0, 2]
    s.due_swaps(12)[0].owed = 0  # repaid in full
    assert [d.creditor for d in s.due_swaps(12)] == [2]
    s.settle_swaps()
    assert [(d.creditor, d.owed, d.due) for d in s.swaps] == [(2, 200, 12)]


def test_swap_delay_comes_from_the_scenario() -> None:
    s = supplier(2, supplier__swap_delay_weeks=0)
    s.book_swap(0, 1, 100, week=5)
    assert [d.due for d in s.due_swaps(5)] == [5]
