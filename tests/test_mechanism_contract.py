"""The contract every registered mechanism keeps, on seeded random and hypothesis-generated markets.

Conservation (sum a <= K; = min(K, sum q) where the rule does not cap orders), 0 <= a_i <= q_i,
int64 units, finite non-negative prices, one entry per buyer, determinism, responsiveness in [0, 1].
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.mechanisms import (
    MAX_UNITS,
    MECHANISMS,
    allocate,
    allocate_with_response,
    mechanism,
    mechanism_names,
    responsiveness,
)
from model.records import MechanismContext

NAMES = mechanism_names()


def random_context(rng: np.random.Generator, n: int) -> MechanismContext:
    """A valid context with ties, zeros and below-reserve bids all likely."""
    return MechanismContext.neutral(
        n,
        needs=rng.integers(0, 50, n),
        past=rng.integers(0, 4, n) * rng.integers(0, 30, n),
        tiers=rng.integers(0, 3, n),
        deployable=rng.integers(0, 60, n),
        max_price=rng.integers(1, 9, n) * 5_000.0,  # reserve 10k: some bids fall below it
        patience=rng.uniform(0.9, 0.999, n),
        concession=rng.choice([0.25, 1.0, 4.0], n),
        list_price=30_000.0,
        cost_price=10_000.0,
        readiness_cap=bool(rng.integers(0, 2)),
    )


def check_contract(name: str, orders: np.ndarray, capacity: int, ctx: MechanismContext) -> None:
    """Every promise a mechanism makes, checked on one market."""
    given_orders = orders.copy()
    alloc = allocate(name, orders, capacity, ctx)
    a, n = alloc.units, orders.size
    assert np.array_equal(orders, given_orders), "inputs must not be mutated"
    assert a.dtype == np.int64 and a.shape == (n,)
    assert alloc.prices.shape == (n,)
    assert np.all(np.isfinite(alloc.prices)) and np.all(alloc.prices >= 0)
    assert np.all(a >= 0) and np.all(a <= orders)
    assert a.sum() <= capacity
    if MECHANISMS[name].fills and not ctx.readiness_cap:
        assert a.sum() == min(capacity, orders.sum())
    again = allocate(name, orders.copy(), capacity, ctx)
    assert np.array_equal(again.units, a) and np.array_equal(again.prices, alloc.prices)
    slope = responsiveness(name, orders, capacity, alloc, ctx)
    assert slope.shape == (n,) and np.all((slope >= 0) & (slope <= 1))
    both, slopes = allocate_with_response(name, orders, capacity, ctx)
    assert np.array_equal(both.units, a) and np.array_equal(both.prices, alloc.prices)
    assert np.array_equal(slopes, slope), "one evaluation must give what the two calls give"


@pytest.mark.parametrize("name", NAMES)
def test_contract_on_seeded_random_markets(name: str) -> None:
    rng = np.random.default_rng(20231207)
    for _ in range(150):
        n = int(rng.integers(0, 25))
        orders = rng.integers(0, 4, n) * rng.integers(0, 40, n)  # many zeros and ties
        capacity = int(rng.integers(0, 2 * orders.sum() + 2))
        check_contract(name, orders, capacity, random_context(rng, n))


@pytest.mark.parametrize("n", [0, 1, 1000])
@pytest.mark.parametrize("name", NAMES)
def test_contract_at_lengths(name: str, n: int) -> None:
    rng = np.random.default_rng(n)
    orders = rng.integers(0, 100, n)
    for capacity in (0, int(orders.sum()) // 3, int(orders.sum()), int(orders.sum()) + 7):
        check_contract(name, orders, capacity, random_context(rng, n))


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    orders=st.lists(st.integers(0, 10**6), max_size=40),
    share=st.floats(0.0, 1.5),
    seed=st.integers(0, 2**32 - 1),
)
def test_contract_property(name: str, orders: list[int], share: float, seed: int) -> None:
    """Hypothesis: any orders, any capacity from nothing to more than enough."""
    q = np.array(orders, dtype=np.int64)
    rng = np.random.default_rng(seed)
    check_contract(name, q, int(share * q.sum()), random_context(rng, q.size))


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=30, deadline=None)
@given(
    orders=st.lists(st.integers(0, MAX_UNITS), min_size=1, max_size=12),
    capacity=st.integers(0, MAX_UNITS),
    past=st.lists(st.integers(0, MAX_UNITS), min_size=12, max_size=12),
)
def test_contract_at_the_largest_units(
    name: str, orders: list[int], capacity: int, past: list[int]
) -> None:
    """Exact int64 arithmetic holds up to MAX_UNITS per order, past purchase and capacity."""
    n = len(orders)
    ctx = MechanismContext.neutral(n, past=np.array(past[:n], dtype=np.int64))
    check_contract(name, np.array(orders, dtype=np.int64), capacity, ctx)


def test_unknown_mechanism_names_the_valid_ones() -> None:
    for call in (
        lambda: allocate("lottery", np.array([1, 2]), 2),
        lambda: responsiveness("lottery", np.array([1, 2]), 2, None),  # type: ignore[arg-type]
    ):
        with pytest.raises(ValueError, match="lottery") as err:
            call()
        assert all(name in str(err.value) for name in NAMES)


@pytest.mark.parametrize(
    ("orders", "capacity", "error"),
    [
        (np.array([1.5, 2.0]), 2, TypeError),  # units are integers
        (np.array([-1, 2]), 2, ValueError),
        (np.array([1, 2]), -1, ValueError),
        (np.array([MAX_UNITS + 1]), 2, ValueError),
    ],
)
def test_bad_inputs_fail_loudly(orders: np.ndarray, capacity: int, error: type) -> None:
    with pytest.raises(error):
        allocate("proportional", orders, capacity)


def test_context_of_the_wrong_length_fails_loudly() -> None:
    ctx = MechanismContext.neutral(3)
    with pytest.raises(ValueError, match="past"):
        allocate("turn_and_earn", np.array([5, 5]), 4, ctx)


def test_registry_names_rules_and_descriptions() -> None:
    """The names scenario files use, one rule per name (no rule registered twice by copy and
    paste), a one-line description each, and lookups that return the registered entry."""
    assert NAMES == [
        "proportional",
        "uniform",
        "linear",
        "turn_and_earn",
        "priority",
        "auction",
        "negotiation",
    ]
    assert len({spec.rule for spec in MECHANISMS.values()}) == len(NAMES)
    for name, spec in MECHANISMS.items():
        assert mechanism(name) is spec
        assert spec.description and "\n" not in spec.description


def test_only_mechanisms_with_a_reserve_may_leave_units_unallocated() -> None:
    """`fills` is False exactly for the auction and the negotiation, and they need it: with every
    bid ($8,000) below the supplier's floor ($10,000) they allocate nothing of 30 units."""
    assert [name for name in NAMES if not MECHANISMS[name].fills] == ["auction", "negotiation"]
    ctx = MechanismContext.neutral(
        3, max_price=np.full(3, 8_000.0), list_price=30_000.0, cost_price=10_000.0
    )
    for name in ("auction", "negotiation"):
        assert allocate(name, np.array([10, 20, 30]), 30, ctx).units.tolist() == [0, 0, 0]
