"""Exact tables for every allocation rule, its integer rounding and its responsiveness
d a_i / d q_i.

Sources of the rules:
- proportional, linear, turn-and-earn: Cachon & Lariviere (1999), "Capacity choice and allocation:
  strategic behavior and supply chain performance", Management Science 45(8); turn-and-earn from
  "Capacity allocation using past sales: when to turn-and-earn", Management Science 45(5).
- uniform: Sprumont (1991), "The division problem with single-peaked preferences",
  Econometrica 59(2).
Rounding (ours): exact shares, floor, then +1 to the largest remainders, ties to the lowest index.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from model.mechanisms import allocate, responsiveness
from model.records import Allocation, MechanismContext

Q4 = [10, 20, 30, 40]  # the running example: sum 100 against capacity 50


def ctx(n: int, **overrides: object) -> MechanismContext:
    """A neutral context whose list-like overrides become numpy arrays."""
    arrays = {k: np.asarray(v) if isinstance(v, list) else v for k, v in overrides.items()}
    return MechanismContext.neutral(n, **arrays)


def units(name: str, orders: list[int], capacity: int, **overrides: object) -> list[int]:
    q = np.array(orders, dtype=np.int64)
    return allocate(name, q, capacity, ctx(len(orders), **overrides)).units.tolist()


def slopes(name: str, orders: list[int], capacity: int, **overrides: object) -> list[float]:
    c, q = ctx(len(orders), **overrides), np.array(orders, dtype=np.int64)
    return responsiveness(name, q, capacity, allocate(name, q, capacity, c), c).tolist()


# Every rule fills every order when capacity does not bind, and handles the degenerate shapes.
DEGENERATE = [
    ([3, 4], 10, [3, 4]),  # capacity does not bind
    ([3, 4], 7, [3, 4]),  # exactly enough
    ([5, 5], 0, [0, 0]),  # zero capacity
    ([0, 0, 0], 5, [0, 0, 0]),  # zero orders
    ([], 5, []),  # no buyers
    ([7], 3, [3]),  # one buyer takes all there is
]


@pytest.mark.parametrize("name", ["proportional", "uniform", "linear", "turn_and_earn", "priority"])
@pytest.mark.parametrize(("orders", "capacity", "expected"), DEGENERATE)
def test_degenerate_cases(name: str, orders: list[int], capacity: int, expected: list[int]) -> None:
    assert units(name, orders, capacity) == expected


@pytest.mark.parametrize(
    ("orders", "capacity", "expected"),
    [
        (Q4, 50, [5, 10, 15, 20]),  # exact halves
        ([1, 1, 1], 2, [1, 1, 0]),  # 2/3 each: equal remainders go to the lowest indices
        ([3, 5], 4, [2, 2]),  # 1.5, 2.5: tied remainders, lowest index wins
        ([1, 2, 7], 5, [1, 1, 3]),  # 0.5, 1, 3.5
        ([0, 6, 4], 5, [0, 3, 2]),  # a zero order gets nothing
    ],
)
def test_proportional(orders: list[int], capacity: int, expected: list[int]) -> None:
    """a_i = K q_i / sum q (Cachon & Lariviere 1999)."""
    assert units("proportional", orders, capacity) == expected


@pytest.mark.parametrize(
    ("orders", "capacity", "expected"),
    [
        (Q4, 50, [10, 14, 13, 13]),  # L = 40/3; the leftover unit goes to the lowest index
        ([2, 8, 10], 12, [2, 5, 5]),  # L = 5
        ([1, 1, 1], 2, [1, 1, 0]),  # L = 2/3
        ([0, 4, 9], 6, [0, 3, 3]),  # L = 3
        ([5, 5], 0, [0, 0]),  # L = 0
    ],
)
def test_uniform(orders: list[int], capacity: int, expected: list[int]) -> None:
    """a_i = min(q_i, L) with sum min(q_j, L) = K (Sprumont 1991)."""
    assert units("uniform", orders, capacity) == expected


@pytest.mark.parametrize(
    ("orders", "capacity", "expected"),
    [
        (Q4, 50, [0, 7, 17, 26]),  # 10 would go negative; then cut 40/3 from each of the rest
        ([20, 30], 30, [10, 20]),  # cut 10 from each
        ([5, 5, 5], 4, [2, 1, 1]),  # cut 11/3 from each: 4/3 each, leftover to the lowest index
        ([3, 5, 10, 20], 18, [0, 0, 4, 14]),  # drop 3 (cut 5), then 5 (cut 17/3), then cut 6
        ([3, 5], 0, [0, 0]),
    ],
)
def test_linear(orders: list[int], capacity: int, expected: list[int]) -> None:
    """a_i = q_i - (sum_S q - K)/|S|, dropping negatives and repeating (Cachon & Lariviere 1999)."""
    assert units("linear", orders, capacity) == expected


@pytest.mark.parametrize(
    ("orders", "past", "capacity", "expected"),
    [
        (Q4, [0, 5, 5, 10], 50, [0, 13, 12, 25]),  # 12.5, 12.5, 25 by past; no history, nothing
        ([2, 20, 20], [10, 10, 0], 15, [2, 13, 0]),  # buyer 0 capped at its order, rest to 1
        ([1, 9, 9], [6, 2, 1], 10, [1, 6, 3]),  # capped at 1, then 9 split 2:1 by past
        ([2, 3, 10, 30], [4, 1, 0, 0], 25, [2, 3, 5, 15]),  # history served; 20 left, by orders
        ([1, 2, 7], [0, 0, 0], 5, [1, 1, 3]),  # nobody has a history: proportional to orders
        ([10, 10, 10], [1, 1, 1], 10, [4, 3, 3]),  # equal past: ties to the lowest index
    ],
)
def test_turn_and_earn(
    orders: list[int], past: list[int], capacity: int, expected: list[int]
) -> None:
    """Shares by past purchases, capped by orders (Cachon & Lariviere 1999, MS 45(5))."""
    assert units("turn_and_earn", orders, capacity, past=past) == expected


@pytest.mark.parametrize(
    ("orders", "capacity", "overrides", "expected"),
    [
        (Q4, 50, {"tiers": [1, 0, 1, 2]}, [8, 20, 22, 0]),  # tier 0 full; 30 split 10:30
        ([4, 4, 4], 6, {"tiers": [5, -1, 5]}, [1, 4, 1]),  # any integers order the tiers
        ([4, 4, 4], 6, {"tiers": [0.5, -2.0, 0.5]}, [1, 4, 1]),  # ... and so do floats
        (
            [10, 20, 30],
            50,
            {"tiers": [0, 0, 1], "deployable": [4, 20, 100], "readiness_cap": True},
            [4, 20, 26],  # buyer 0 can only deploy 4, so tier 1 gets 26
        ),
        (
            [10, 5],
            100,
            {"tiers": [0, 0], "deployable": [3, 10], "readiness_cap": True},
            [3, 5],  # never more than deployable, even with capacity to spare
        ),
        (
            [10, 5],
            100,
            {"tiers": [0, 0], "deployable": [3, 10], "readiness_cap": False},
            [10, 5],
        ),
    ],
)
def test_priority(
    orders: list[int], capacity: int, overrides: dict[str, object], expected: list[int]
) -> None:
    """Strategic tiers served in turn, the marginal tier split in proportion to orders."""
    assert units("priority", orders, capacity, **overrides) == expected


@pytest.mark.parametrize(
    ("orders", "capacity", "max_price", "expected", "clearing"),
    [
        # 5k is below the 10k reserve; 35k bids fill capacity; the highest losing bid is 30k.
        (Q4, 50, [30e3, 35e3, 35e3, 5e3], [0, 20, 30, 0], 30e3),
        # 40k served; 15 left for the 30k level, split 10:20 by quantity.
        ([10, 10, 20], 25, [40e3, 30e3, 30e3], [10, 5, 10], 30e3),
        ([1, 1, 1], 2, [20e3, 20e3, 20e3], [1, 1, 0], 20e3),  # tie split, rounding by index
        ([5, 5], 100, [20e3, 5e3], [5, 0], 10e3),  # slack: valid bids pay the reserve
        ([3], 10, [10e3], [3], 10e3),  # a bid at the reserve is valid
        ([3], 0, [20e3], [0], 20e3),  # no capacity: the first unit's bid is the losing one
        ([], 5, [], [], 10e3),
    ],
)
def test_auction(
    orders: list[int],
    capacity: int,
    max_price: list[float],
    expected: list[int],
    clearing: float,
) -> None:
    """Uniform-price sealed-bid auction, reserve = cost price 10k (one clearing price for all)."""
    c = ctx(len(orders), max_price=np.array(max_price, dtype=float), cost_price=10e3)
    alloc = allocate("auction", np.array(orders, dtype=np.int64), capacity, c)
    assert alloc.units.tolist() == expected
    assert alloc.prices.tolist() == [clearing] * len(orders)


@pytest.mark.parametrize("name", ["proportional", "uniform", "linear", "turn_and_earn", "priority"])
def test_rule_based_mechanisms_charge_the_list_price(name: str) -> None:
    alloc = allocate(name, np.array(Q4), 50, ctx(4, list_price=31_500.0))
    assert alloc.prices.dtype == np.float64
    assert alloc.prices.tolist() == [31_500.0] * 4


# --- responsiveness ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "orders", "capacity", "overrides", "expected"),
    [
        ("proportional", Q4, 50, {}, [0.45, 0.40, 0.35, 0.30]),  # K (S - q_i) / S^2
        ("uniform", Q4, 50, {}, [1.0, 0.0, 0.0, 0.0]),  # 1 below L = 40/3
        ("uniform", [2, 5, 6], 12, {}, [1.0, 0.0, 0.0]),  # at L = 5 exactly: more buys nothing
        ("linear", Q4, 50, {}, [0.75, 2 / 3, 2 / 3, 2 / 3]),  # 1 - 1/|S|; dropped: 1 - 1/(|S|+1)
        ("linear", [1, 10], 5, {}, [0.5, 0.0]),  # a lone survivor gets K whatever it orders
        ("turn_and_earn", [2, 20, 20], 15, {"past": [10, 10, 0]}, [1.0, 0.0, 0.0]),
        # history served in full; the rest split 20 by orders: 20 (40 - q_i) / 40^2
        ("turn_and_earn", [2, 3, 10, 30], 25, {"past": [4, 1, 0, 0]}, [1, 1, 0.375, 0.125]),
        ("priority", Q4, 50, {"tiers": [1, 0, 1, 2]}, [0.5625, 1.0, 0.1875, 0.0]),
        (
            "priority",
            [10, 20, 30],
            30,
            {"tiers": [0, 1, 1], "deployable": [4, 100, 100], "readiness_cap": True},
            [0.0, 0.312, 0.208],  # capped by readiness; 26 (50 - q_i) / 50^2 in tier 1
        ),
        ("priority", [10, 5], 100, {"deployable": [3, 10], "readiness_cap": True}, [0.0, 1.0]),
        ("auction", Q4, 50, {"max_price": [30e3, 35e3, 35e3, 5e3]}, [0.0, 1.0, 1.0, 0.0]),
        ("auction", [10, 10, 20], 25, {"max_price": [40e3, 30e3, 30e3]}, [1.0, 1 / 3, 1 / 6]),
        ("auction", [5, 5], 100, {"max_price": [20e3, 5e3]}, [1.0, 0.0]),  # below reserve: 0
    ],
)
def test_responsiveness(
    name: str,
    orders: list[int],
    capacity: int,
    overrides: dict[str, object],
    expected: list[float],
) -> None:
    """d a_i / d q_i: inflation pays only where this is positive (Cachon & Lariviere 1999)."""
    assert slopes(name, orders, capacity, **overrides) == pytest.approx(expected)


@pytest.mark.parametrize("name", ["proportional", "uniform", "linear", "turn_and_earn", "priority"])
def test_responsiveness_is_one_when_capacity_is_slack(name: str) -> None:
    assert slopes(name, [3, 4, 0], 10) == [1.0, 1.0, 1.0]
    assert slopes(name, [], 10) == []


def test_negotiation_responsiveness_is_one_where_the_whole_order_was_served() -> None:
    """Negotiated allocations respond only where the buyer got its whole order."""
    q = np.array([5, 10, 20])
    alloc = Allocation(np.array([5, 3, 0]), np.full(3, 30e3))
    assert responsiveness("negotiation", q, 8, alloc).tolist() == [1.0, 0.0, 0.0]
    assert responsiveness("negotiation", q, 100, alloc).tolist() == [1.0, 1.0, 1.0]


# --- strategy-proofness (Sprumont 1991) versus inflation (Cachon & Lariviere 1999) ----------

OTHERS = [20, 30]  # two rivals' orders; capacity 45 gives L = 20 when buyer 0 orders 5
K = 45


def own_units(name: str, order: int, buyer: int = 0) -> int:
    orders = [order, *OTHERS] if buyer == 0 else [5, 20, order]
    return units(name, orders, K)[buyer]


def test_uniform_truthful_order_below_level_is_served_exactly() -> None:
    """A buyer whose true need (5) is below L = 20 gets exactly its need by ordering it."""
    assert units("uniform", [5, *OTHERS], K) == [5, 20, 20]


@pytest.mark.parametrize(("need", "buyer"), [(5, 0), (30, 2)])
def test_uniform_no_report_beats_the_truth(need: int, buyer: int) -> None:
    """Sprumont (1991): with a single peak at the need, no order lands closer to it than the
    truth."""
    truthful = abs(own_units("uniform", need, buyer) - need)
    assert all(abs(own_units("uniform", r, buyer) - need) >= truthful for r in range(0, 121))


def test_inflating_a_capped_order_pays_under_proportional_not_uniform() -> None:
    """Buyer 2 needs 30 but is capped at L = 20: inflating buys nothing under uniform, more
    under proportional (the incentive to inflate of Cachon & Lariviere 1999)."""
    reports = [30, 40, 60, 100]
    assert [own_units("uniform", r, buyer=2) for r in reports] == [20, 20, 20, 20]
    proportional = [own_units("proportional", r, buyer=2) for r in reports]
    assert proportional == sorted(set(proportional))  # strictly increasing
    assert proportional[0] < proportional[-1]


# --- the vectorized rules against literal, exact, one-buyer-at-a-time readings of the papers ---


def reference_round(shares: list[Fraction], total: int) -> list[int]:
    """Largest remainder by hand: floor, then +1 by (largest remainder, lowest index)."""
    floors = [s.numerator // s.denominator for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(shares[i] - floors[i]), i))
    for i in by_remainder[: total - sum(floors)]:
        floors[i] += 1
    return floors


def reference_capped_shares(q: list[int], weights: list[int], k: int) -> list[Fraction]:
    """Share K by weight, cap at orders, hand the excess to the uncapped, repeat."""
    share = [Fraction(0)] * len(q)
    open_ = {i for i in range(len(q)) if weights[i] > 0}
    left = Fraction(k)
    while open_ and left > 0:
        total_w = sum(weights[i] for i in open_)
        capped = {i for i in open_ if q[i] <= left * weights[i] / total_w}
        if not capped:
            for i in open_:
                share[i] = left * weights[i] / total_w
            return share
        for i in capped:
            share[i], left = Fraction(q[i]), left - q[i]
        open_ -= capped
    return share


def reference(name: str, q: list[int], k: int, past: list[int]) -> list[int]:
    if sum(q) <= k:
        return list(q)
    if name == "proportional":
        shares = [Fraction(k * x, sum(q)) for x in q]
    elif name == "uniform":
        shares = reference_capped_shares(q, [1] * len(q), k)
    elif name == "turn_and_earn":
        shares = reference_capped_shares(q, past, k)
        rest = [x if p == 0 else 0 for x, p in zip(q, past, strict=True)]
        left = k - sum(shares)
        shares = [
            s + (left * r / sum(rest) if left else 0) for s, r in zip(shares, rest, strict=True)
        ]
    else:  # linear: drop buyers that would go negative, repeat
        kept = list(range(len(q)))
        while True:
            cut = Fraction(sum(q[i] for i in kept) - k, len(kept))
            if all(q[i] >= cut for i in kept):
                break
            kept = [i for i in kept if q[i] >= cut]
        shares = [q[i] - cut if i in kept else Fraction(0) for i in range(len(q))]
    return reference_round(shares, k)


@pytest.mark.parametrize("name", ["proportional", "uniform", "linear", "turn_and_earn"])
def test_vectorized_rules_match_the_literal_definitions(name: str) -> None:
    """Sorting shortcuts (water level, linear survivor set) equal the iterative definitions."""
    rng = np.random.default_rng(1999)
    for _ in range(300):
        n = int(rng.integers(1, 12))
        q = (rng.integers(0, 3, n) * rng.integers(0, 25, n)).tolist()
        past = (rng.integers(0, 2, n) * rng.integers(0, 9, n)).tolist()
        k = int(rng.integers(0, sum(q) + 2))
        assert units(name, q, k, past=past) == reference(name, q, k, past), (q, k, past)
