"""The owner on its own: when it reviews, which requests it makes from a scripted policy's
transfers, and its accounts of what its moves cost each firm.

Classroom's buyers are Microsoft, Meta, Tesla, X, xAI (indices 0-4); the owner, Musk, controls
Tesla, X and xAI (local positions 0, 1, 2), priority xAI > X > Tesla, reviewing every 4 weeks.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np
import pytest

from agents.owner import Owner
from model.policies import OwnerView
from model.records import RedirectRequest, RedirectSource
from model.scenario import load_scenario

NAMES = ("Microsoft", "Meta", "Tesla", "X", "xAI")
TESLA, X, XAI = 2, 3, 4


def owner(**overrides: object) -> Owner:
    scenario = load_scenario("classroom", {f"owner.{k}": v for k, v in overrides.items()} or None)
    return Owner(mesa.Model(rng=0), scenario, NAMES)


@dataclass
class Scripted:
    """A policy that asks for the same transfers whatever it sees (a scripted counterpart)."""

    moves: list[tuple[int, int, int]]
    name: str = "scripted"

    def transfers(self, view: OwnerView) -> list[tuple[int, int, int]]:
        return list(self.moves)


def view(allocated: list[int]) -> OwnerView:
    k = len(allocated)
    return OwnerView(
        allocated=np.asarray(allocated, dtype=np.int64),
        in_transit=np.full(k, 10_000, dtype=np.int64),
        shortfall=np.full(k, 10_000, dtype=np.int64),
        free_soon=np.full(k, 10_000, dtype=np.int64),
        value=np.ones(k),
        rank=np.arange(k),
        weights=np.ones(k),
        max_share=1.0,
    )


def test_firms_and_ranks_come_from_the_scenario() -> None:
    o = owner()
    assert o.name == "Musk" and o.policy.name == "priority"
    assert o.firms.tolist() == [TESLA, X, XAI]
    assert o.rank.tolist() == [2, 1, 0]  # Tesla last, xAI first
    assert o.weights.tolist() == [1.0, 1.0, 1.0]


def test_reviews_every_review_weeks_from_the_first_week() -> None:
    o = owner()
    assert [w for w in range(13) if o.active(w)] == [0, 4, 8, 12]
    o = owner(review_weeks=3)
    assert [w for w in range(10) if o.active(w)] == [0, 3, 6, 9]


def test_reviews_only_inside_its_window() -> None:
    """start 2024-01-15 is week 2, end 2024-03-11 week 10 (inclusive): reviews at 2, 6, 10."""
    o = owner(start="2024-01-15", end="2024-03-11")
    assert (o.first_week, o.last_week) == (2, 10)
    assert [w for w in range(20) if o.active(w)] == [2, 6, 10]


def test_an_open_window_runs_to_the_end() -> None:
    o = owner(start="2024-01-29")  # week 4
    assert o.last_week is None
    assert [w for w in range(200) if o.active(w)][-1] == 196


def test_no_policy_never_reviews() -> None:
    o = owner(policy="none")
    assert not any(o.active(w) for w in range(52))


def test_requests_take_the_allocation_first_then_units_in_transit() -> None:
    """Tesla (position 0) has 2,000 allocated: 3,000 to X is 2,000 allocated + 1,000 in transit,
    then 1,500 more to xAI can only come from transit. xAI's 700 to X is allocated. Transfers below
    min_units = 1,000 (500 and 999) are not requested."""
    o = owner()
    o.policy = Scripted([(0, 1, 3_000), (2, 1, 500), (0, 2, 1_500), (1, 0, 999), (2, 1, 1_000)])
    reason = "scripted policy"
    assert o.requests(view([2_000, 400, 1_200])) == [
        RedirectRequest(TESLA, X, 2_000, RedirectSource.ALLOCATED, reason),
        RedirectRequest(TESLA, X, 1_000, RedirectSource.IN_TRANSIT, reason),
        RedirectRequest(TESLA, XAI, 1_500, RedirectSource.IN_TRANSIT, reason),
        RedirectRequest(XAI, X, 1_000, RedirectSource.ALLOCATED, reason),
    ]


@pytest.mark.parametrize(
    ("min_units", "kept"),
    [(0, [1, 999, 1_000]), (999, [999, 1_000]), (1_000, [1_000]), (1_001, [])],
)
def test_min_units_drops_small_transfers(min_units: int, kept: list[int]) -> None:
    """A transfer is requested when units >= max(1, min_units); 0 units never are."""
    o = owner(min_units=min_units)
    o.policy = Scripted([(0, 1, 0), (0, 1, 1), (0, 1, 999), (0, 1, 1_000)])
    requests = o.requests(view([10_000, 0, 0]))
    assert [r.units for r in requests] == kept
    assert all(r.source is RedirectSource.ALLOCATED for r in requests)


def test_the_view_is_not_changed_by_making_requests() -> None:
    o = owner()
    o.policy = Scripted([(0, 1, 3_000)])
    v = view([2_000, 400, 1_200])
    o.requests(v)
    assert v.allocated.tolist() == [2_000, 400, 1_200]


def test_account_tracks_net_units_moved_away() -> None:
    o = owner()
    o.account(TESLA, X, 1_500)
    o.account(X, TESLA, 500)
    o.account(TESLA, XAI, 200)
    assert o.debt.tolist() == [0, 0, 1_200, -1_000, -200]


def test_tally_cost_values_the_owed_units_a_firm_could_have_switched_on() -> None:
    """Tesla is owed 1,000 with 600 free slots at $1,000 a GPU-week: $600,000; next week with
    5,000 free slots the whole 1,000: $1,000,000 more. Firms owing units (negative debt) and
    negative free slots cost nothing."""
    o = owner()
    o.account(TESLA, X, 1_000)
    value = np.array([1_000.0, 1_000.0, 1_000.0, 1_100.0, 1_300.0])
    cost = o.tally_cost(np.array([9_999, 9_999, 600, 9_999, 9_999]), value)
    assert cost.tolist() == [0.0, 0.0, 600_000.0, 0.0, 0.0]
    cost = o.tally_cost(np.array([0, 0, 5_000, 5_000, 0]), value)
    assert cost.tolist() == [0.0, 0.0, 1_600_000.0, 0.0, 0.0]
    o.account(X, TESLA, 1_000)  # paid back: Tesla accrues nothing more
    o.account(XAI, X, 300)  # xAI gave 300, so it is owed 300, but has no free slot (-50)
    cost = o.tally_cost(np.array([0, 0, 5_000, 5_000, -50]), value)
    assert cost.tolist() == [0.0, 0.0, 1_600_000.0, 0.0, 0.0]
    assert o.tally_cost(np.array([0, 0, 0, 5_000, 5_000]), value) is o.cost
