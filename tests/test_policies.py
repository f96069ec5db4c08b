"""Owner policies with exact transfers on small scripted views."""

from __future__ import annotations

import numpy as np
import pytest

from model.policies import POLICIES, OwnerView, greedy, owner_policy


def view(**kw) -> OwnerView:
    """Three firms (Tesla, X, xAI) with room to spare unless a test says otherwise."""
    base = dict(
        allocated=[1000, 200, 300],
        in_transit=[3000, 0, 0],
        shortfall=[5000, 4000, 2000],
        free_soon=[10_000, 10_000, 10_000],
        value=[1000.0, 1100.0, 1300.0],
        rank=[2, 0, 1],
        weights=[1.0, 1.0, 1.0],
        max_share=0.5,
    )
    base.update(kw)
    return OwnerView(**{k: np.asarray(v) if isinstance(v, list) else v for k, v in base.items()})


def test_no_policy_moves_nothing() -> None:
    assert POLICIES["none"].transfers(view()) == []


def test_priority_fills_favoured_firms_from_the_least_favoured() -> None:
    """X (rank 0) wants 4,000: Tesla (rank 2) gives half of 1,000 + 3,000 = 2,000, then xAI (rank 1)
    half of its 300; nothing is left for xAI's own shortfall."""
    assert POLICIES["priority"].transfers(view()) == [(0, 1, 2000), (2, 1, 150)]


def test_priority_never_takes_from_a_more_favoured_firm() -> None:
    moves = POLICIES["priority"].transfers(view(allocated=[0, 4000, 4000], in_transit=[0, 0, 0]))
    assert moves == [(2, 1, 2000)]  # xAI (rank 1) gives to X (rank 0); nobody gives to Tesla


def test_weights_resplit_this_weeks_units() -> None:
    """Pool 1,500 split equally is 500 each: Tesla's surplus 500 goes to X (300) then xAI (200)."""
    assert POLICIES["weights"].transfers(view()) == [(0, 1, 300), (0, 2, 200)]


def test_readiness_moves_units_a_firm_cannot_switch_on() -> None:
    """Tesla has no free slots (-2,000 after what is coming); X has room for 1,500."""
    v = view(free_soon=[-2000, 1500, 0], shortfall=[5000, 4000, 2000])
    assert POLICIES["readiness"].transfers(v) == [(0, 1, 1500)]


def test_value_moves_toward_the_highest_value_firm() -> None:
    assert POLICIES["value"].transfers(view()) == [(0, 2, 2000)]


def test_greedy_matching_respects_what_donors_can_give() -> None:
    assert greedy([0, 1], [2], np.array([5, 5, 0]), np.array([0, 0, 7])) == [(0, 2, 5), (1, 2, 2)]


def test_unknown_policy_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="none, priority, weights, readiness, value"):
        owner_policy("whim")
