"""Ordering strategies against scripted states, and a contract every registered strategy meets."""

from __future__ import annotations

import numpy as np
import pytest

from model.strategies import LEARNING_RATE, ORDERING, OrderState, ordering_strategy


def state(
    need=(100,), fill=(1.0,), response=(0.0,), multiplier=(1.0,), inflation=(2.0,)
) -> OrderState:
    arr = np.asarray
    return OrderState(
        arr(need),
        arr(fill, float),
        arr(response, float),
        arr(multiplier, float),
        arr(inflation, float),
    )


def test_truthful_orders_its_need() -> None:
    q, m = ORDERING["truthful"].orders(
        state(
            need=(100, 0, 7),
            fill=(0.1, 1, 1),
            response=(1, 1, 1),
            multiplier=(1, 1, 1),
            inflation=(2, 2, 2),
        )
    )
    assert q.tolist() == [100, 0, 7] and m.tolist() == [1.0, 1.0, 1.0]


def test_fixed_inflation_always_pads() -> None:
    q, _ = ORDERING["fixed"].orders(state(need=(100,), inflation=(1.5,)))
    assert q.tolist() == [150]


def test_adaptive_pads_only_where_ordering_more_gets_more() -> None:
    """Fill 0.5 with full response: target 1 + 1 * (1/0.5 - 1) = 2; first step 1 + 0.3 * (2 - 1)."""
    q, m = ORDERING["adaptive"].orders(
        state(
            need=(100, 100),
            fill=(0.5, 0.5),
            response=(1.0, 0.0),
            multiplier=(1.0, 1.0),
            inflation=(3.0, 3.0),
        )
    )
    assert m == pytest.approx([1 + LEARNING_RATE, 1.0])
    assert q.tolist() == [130, 100]


def test_adaptive_respects_its_ceiling_and_returns_to_truth() -> None:
    s = state(fill=(0.1,), response=(1.0,), multiplier=(1.9,), inflation=(2.0,))
    _, m = ORDERING["adaptive"].orders(s)
    assert m[0] == pytest.approx(1.9 + LEARNING_RATE * (2.0 - 1.9))
    _, m = ORDERING["adaptive"].orders(state(fill=(1.0,), response=(1.0,), multiplier=(1.004,)))
    assert m[0] == 1.0  # snapped: no one-unit phantom orders


def test_cancel_strategy_drops_phantoms_when_the_shortage_ends() -> None:
    short, _ = ORDERING["cancel"].orders(state(fill=(0.6,), inflation=(2.0,)))
    ended, _ = ORDERING["cancel"].orders(state(fill=(1.0,), inflation=(2.0,)))
    assert short.tolist() == [200] and ended.tolist() == [100]


@pytest.mark.parametrize("name", sorted(ORDERING))
def test_every_strategy_is_deterministic_and_never_orders_below_need(name: str) -> None:
    rng = np.random.default_rng(5)
    n = 1000
    s = OrderState(
        rng.integers(0, 10_000, n),
        rng.uniform(0, 1, n),
        rng.uniform(0, 1, n),
        rng.uniform(1, 3, n),
        rng.uniform(1, 4, n),
    )
    strategy = ordering_strategy(name)
    q1, m1 = strategy.orders(s)
    q2, m2 = strategy.orders(s)
    assert np.array_equal(q1, q2) and np.array_equal(m1, m2)
    assert q1.dtype == np.int64 and (q1 >= s.need).all() and (m1 >= 1.0).all()
    assert (m1 <= np.maximum(s.inflation, s.multiplier) + 1e-12).all()
    assert set(strategy.classifier) == {"stochastic", "learns", "inflates"}


def test_unknown_strategy_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="truthful, fixed, adaptive, cancel"):
        ordering_strategy("greedy")
